// The page in a real browser: Debian's Chromium driven by playwright-core (no browser download).
// Skipped, saying so, when Chromium is not installed (.ci/run installs it).
import { readFileSync } from 'node:fs';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serveInspector, type Inspector, type InspectorInput } from '@netrx/inspector';
// @ts-expect-error plain ES modules of the page, without type declarations
import { size, timeOfDay } from '../../static/format.js';
import { CHAT, TLS13, TLS13_KEYS, chromiumPath, connection, fileEvents, httpRequest, httpResponse, launchBrowser, netrxWsJsonl, pipelineEvents, wsMessage } from './harness.js';

const executable = chromiumPath();

interface Line {
  ts: string;
  stream: number;
  dir: 'c2s' | 's2c';
  type: string;
  length: number;
  text?: string;
  hex?: string;
  code?: number;
  reason?: string;
  compressed: boolean;
  frames: number;
  tls?: Record<string, string>;
}

/** What the page's payload filter looks at, as the page defines it (filter.js). */
const searchText = (m: Line) => (m.type === 'close' && m.code !== undefined ? `${m.code} ${m.reason ?? ''} ${m.hex}` : (m.text ?? m.hex ?? ''));

if (executable === undefined) {
  describe('the inspector page in a browser', () => {
    it('needs Chromium', () => {
      console.log('SKIPPED inspector browser tests: no Chromium at /usr/bin/chromium (apt-get install chromium, or set NETRX_CHROMIUM)');
    });
  });
} else describe('the inspector page in a browser', () => {
  let browser: Browser;
  let chat: Inspector;
  let expected: string[];
  let lines: Line[];

  beforeAll(async () => {
    browser = await launchBrowser(executable!);
    chat = await serveInspector(fileEvents(CHAT), { title: 'chat.pcap' });
    await chat.sourceDone;
    expected = await netrxWsJsonl(CHAT);
    lines = expected.map((l) => JSON.parse(l) as Line);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await chat?.close();
  });

  async function openPage(i: Inspector, errors: string[] = []): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1500 }, acceptDownloads: true });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(i.url);
    return page;
  }

  const text = (page: Page, sel: string) => page.locator(sel).first().textContent();
  const shown = async (page: Page) => Number((await text(page, '[data-testid=shown]'))!.replace(/,/g, ''));
  const waitShown = (page: Page, n: number) => page.waitForFunction((n) => document.querySelector('[data-testid=shown]')?.textContent?.replace(/,/g, '') === String(n), n);
  const rows = (page: Page) =>
    page.$$eval('.mlist .mrow', (rs) =>
      rs.map((r) => ({
        seq: Number((r as HTMLElement).dataset['seq']),
        conn: r.querySelector('.m-conn')!.textContent,
        dir: r.querySelector('.m-dir')!.textContent,
        type: r.querySelector('.m-type')!.textContent,
        preview: r.querySelector('.m-preview')!.textContent!,
      })),
    );

  it('lists both connections and every message of the chat capture', async () => {
    const errors: string[] = [];
    const page = await openPage(chat, errors);
    await waitShown(page, 32);
    expect(await text(page, '[data-testid=total]')).toBe('32');
    const conns = await page.$$eval('.clist .crow', (rs) => rs.map((r) => r.textContent));
    expect(conns).toHaveLength(2);
    expect(conns[0]).toContain('127.0.0.1:55422');
    expect(conns[1]).toContain('127.0.0.1:55432');
    for (const c of conns) expect(c).toMatch(/permessage-deflate.*closed.*1000 bye/);
    const got = (await rows(page)).sort((a, b) => a.seq - b.seq);
    expect(got.map((r) => r.seq)).toEqual(lines.map((_, i) => i));
    got.forEach((r, i) => {
      const m = lines[i]!;
      expect(r.conn).toBe(`#${m.stream}`);
      expect(r.dir).toBe(m.dir === 'c2s' ? '→' : '←');
      expect(r.type).toBe(m.type);
      if (m.type === 'text') expect(m.text!.startsWith(r.preview.replace(/…$/, ''))).toBe(true);
      if (m.type === 'close') expect(r.preview).toBe(`${m.code} ${m.reason}`);
      if (m.type === 'binary') expect(m.hex!.startsWith(r.preview.replace(/…$/, ''))).toBe(true);
    });
    expect(await text(page, '.source')).toBe('capture complete');
    // The timeline drew bars (it redraws at most twice a second).
    await page.waitForFunction(() => {
      const c = document.querySelector('.timeline canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let k = 3; k < d.length; k += 4) if (d[k]) n++;
      return n > 100;
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('filters by direction, type, connection, substring and regular expression', async () => {
    const page = await openPage(chat);
    await waitShown(page, 32);
    const count = (f: (m: Line) => boolean) => lines.filter(f).length;

    await page.click('[data-testid=dir-s2c]');
    await waitShown(page, count((m) => m.dir === 'c2s'));
    expect(new Set((await rows(page)).map((r) => r.dir))).toEqual(new Set(['→']));
    await page.click('[data-testid=dir-s2c]');
    await page.click('[data-testid=kind-text]');
    await waitShown(page, count((m) => m.type !== 'text'));
    expect((await rows(page)).some((r) => r.type === 'text')).toBe(false);
    await page.click('[data-testid=kind-text]');
    await waitShown(page, 32);

    await page.click('.clist .crow[data-conn="0"]');
    await waitShown(page, count((m) => m.stream === 0));
    expect(new Set((await rows(page)).map((r) => r.conn))).toEqual(new Set(['#0']));
    await page.click('.clist .crow[data-conn="1"]', { modifiers: ['Control'] });
    await waitShown(page, 32);
    await page.click('[data-testid=all-conns]');

    await page.fill('[data-testid=query]', 'MYNICK');
    await waitShown(page, count((m) => searchText(m).toLowerCase().includes('mynick')));
    await page.fill('[data-testid=query]', '1000 bye');
    await waitShown(page, count((m) => m.type === 'close'));
    await page.click('[data-testid=regex]');
    const pingPong = /^\{"type":"p[io]ng"\}$/u;
    await page.fill('[data-testid=query]', pingPong.source);
    const pp = count((m) => pingPong.test(searchText(m)));
    expect(pp).toBeGreaterThanOrEqual(2);
    await waitShown(page, pp);
    // Only whole payloads can match these (previews stop at 200 characters): the page asks the server.
    await page.click('[data-testid=regex]');
    const tail = lines.find((m) => m.length > 70_000)!.text!.slice(-40).toUpperCase();
    await page.fill('[data-testid=query]', tail);
    const withTail = count((m) => searchText(m).toLowerCase().includes(tail.toLowerCase()));
    expect(withTail).toBeGreaterThan(0);
    await waitShown(page, withTail);
    await page.click('[data-testid=regex]');
    const re = /netrx.{60000}/u;
    await page.fill('[data-testid=query]', re.source);
    const want = count((m) => re.test(searchText(m)));
    expect(want).toBe(3);
    await waitShown(page, want);
    await page.fill('[data-testid=query]', '(');
    await waitShown(page, 32);
    expect(await text(page, '.filters .bad')).toMatch(/Invalid regular expression/);
    await page.close();
  });

  it('shows a message in detail: pretty foldable JSON, hex dump and base64, close code, the whole of a long message', async () => {
    const page = await openPage(chat);
    await waitShown(page, 32);
    const seqOf = (f: (m: Line) => boolean) => lines.findIndex(f);

    const login = seqOf((m) => m.dir === 's2c' && m.text?.includes('"client_list"') === true);
    await page.click(`.mrow[data-seq="${login}"]`);
    await page.waitForSelector('.detail .json');
    const keys = await page.$$eval('.detail .json .json-key', (ks) => ks.map((k) => k.textContent));
    expect(keys).toEqual(expect.arrayContaining(['"type"', '"client_id"', '"client_list"']));
    expect(await page.$eval('.detail pre.text', (p) => p.textContent)).toBe(lines[login]!.text);
    const list = page.locator('.detail .json details', { hasText: '"client_list"' }).last();
    expect(await list.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await list.locator('summary').first().click();
    expect(await list.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);

    const binary = seqOf((m) => m.type === 'binary');
    await page.click(`.mrow[data-seq="${binary}"]`);
    // Its preview is capped (the page was sent 100 of its 256 bytes): the whole comes from the server.
    await page.waitForFunction(() => document.querySelector('.detail .hexdump')?.textContent?.split('\n').length === 16);
    const dump = await page.$eval('.detail .hexdump', (p) => p.textContent!);
    expect(dump.split('\n')[0]).toBe('00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|');
    expect(dump.split('\n')).toHaveLength(16);
    expect(await page.$eval('.detail .base64', (p) => p.textContent)).toBe(Buffer.from(lines[binary]!.hex!, 'hex').toString('base64'));

    const close = seqOf((m) => m.type === 'close');
    await page.click(`.mrow[data-seq="${close}"]`);
    expect(await text(page, '.detail .close-code')).toBe('1000 bye');

    const long = seqOf((m) => m.length > 70_000 && m.dir === 'c2s');
    await page.click(`.mrow[data-seq="${long}"]`);
    await page.waitForFunction((n) => document.querySelector('.detail pre.text')?.textContent?.length === n, lines[long]!.text!.length);
    expect(await page.$eval('.detail pre.text', (p) => p.textContent)).toBe(lines[long]!.text);
    await page.close();
  });

  it('exports what the filter shows as NDJSON equal to netrx ws --format jsonl, and a connection as HAR', async () => {
    const page = await openPage(chat);
    await waitShown(page, 32);
    const download = async (click: () => Promise<void>) => {
      const [d] = await Promise.all([page.waitForEvent('download'), click()]);
      return readFileSync((await d.path())!, 'utf8');
    };
    expect(await download(() => page.click('[data-testid=export]'))).toBe(expected.join('\n') + '\n');
    await page.click('.clist .crow[data-conn="1"]');
    await page.click('[data-testid=dir-s2c]');
    await page.click('[data-testid=kind-ping]');
    const want = expected.filter((_, i) => lines[i]!.stream === 1 && lines[i]!.dir === 'c2s' && lines[i]!.type !== 'ping');
    await waitShown(page, want.length);
    expect(await download(() => page.click('[data-testid=export]'))).toBe(want.join('\n') + '\n');

    expect(await page.locator('.handshake .headers').first().textContent()).toContain('Sec-WebSocket-Key');
    const har = JSON.parse(await download(() => page.click('.handshake a.har'))) as { log: { entries: { _webSocketMessages: { type: string; opcode: number; data: string }[] }[] } };
    const messages = har.log.entries[0]!._webSocketMessages;
    expect(messages).toHaveLength(lines.filter((m) => m.stream === 1 && (m.type === 'text' || m.type === 'binary')).length);
    expect(messages[0]).toMatchObject({ type: 'send', opcode: 1, data: '{"type":"login","client_name":"mynick","room_id":"1"}' });
    await page.close();
  });

  it('pauses: new messages wait until resumed; the view never jumps when scrolled up, and follows at the bottom', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serveInspector(events$);
    try {
      const c = connection(1);
      const send = (from: number, n: number) => {
        for (let k = from; k < from + n; k++) events$.next(wsMessage(c, k % 2 ? 's2c' : 'c2s', 'text', `message ${k}`));
      };
      send(0, 300);
      const page = await openPage(i);
      await waitShown(page, 300);
      const visible = async () => (await rows(page)).map((r) => r.seq).sort((a, b) => a - b);
      // Following: the last message is in view.
      await page.waitForFunction(() => document.querySelector('.mrow[data-seq="299"]') !== null);
      // Scrolled to the top, new messages do not move the view.
      await page.$eval('.mlist', (el) => (el.scrollTop = 0));
      await page.waitForFunction(() => document.querySelector('.mrow[data-seq="0"]') !== null);
      const top = await page.$eval('.mlist', (el) => el.scrollTop);
      send(300, 200);
      await waitShown(page, 500);
      expect(await page.$eval('.mlist', (el) => el.scrollTop)).toBe(top);
      expect((await visible())[0]).toBe(0);
      // Back at the bottom, it follows again.
      await page.$eval('.mlist', (el) => (el.scrollTop = el.scrollHeight));
      send(500, 50);
      await page.waitForFunction(() => document.querySelector('.mrow[data-seq="549"]') !== null);

      await page.click('[data-testid=pause]');
      send(550, 7);
      await page.waitForFunction(() => document.querySelector('[data-testid=pause]')?.textContent === 'Resume (7 new)');
      expect(await shown(page)).toBe(550);
      expect(await text(page, '[data-testid=total]')).toBe('557');
      await page.click('[data-testid=pause]');
      await waitShown(page, 557);
      await page.close();
    } finally {
      await i.close();
    }
  });

  it('renders hostile payloads, headers and JSON as text, never as markup', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serveInspector(events$);
    try {
      const c = connection(1);
      const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
      const req = httpRequest(c, `/chat?<img src=x onerror="window.__pwned=3">`, [['Host', '<b>host</b>'], ['Upgrade', 'websocket'], ['X-Evil', evil]]);
      events$.next(req);
      events$.next(httpResponse(req, 101, '<i>Switching</i>', [['Upgrade', 'websocket'], ['Sec-WebSocket-Protocol', '<svg onload="window.__pwned=4">']]));
      events$.next(wsMessage(c, 'c2s', 'text', evil));
      events$.next(wsMessage(c, 's2c', 'text', JSON.stringify({ [evil]: evil, '<a href="javascript:window.__pwned=5">x</a>': [evil] })));
      events$.next(wsMessage(c, 'c2s', 'close', Buffer.from([0x03, 0xe8, ...Buffer.from('<img src=y onerror="window.__pwned=6">')]), { closeCode: 1000, closeReason: '<img src=y onerror="window.__pwned=6">' }));
      const page = await openPage(i);
      await waitShown(page, 3);
      for (const seq of [0, 1, 2]) await page.click(`.mrow[data-seq="${seq}"]`);
      await page.click('.clist .crow[data-conn="1"]');
      await page.waitForSelector('.handshake');
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      // Nothing from the payloads became an element.
      const markup = ['img', 'script', 'svg', 'b', 'i', 'a[href^="javascript"]'].flatMap((t) => ['.mlist', '.clist', '.detail', '.handshakes'].map((p) => `${p} ${t}`));
      expect(await page.$$(markup.join(', '))).toHaveLength(0);
      expect((await rows(page))[0]!.preview).toBe(evil);
      expect(await page.locator('.handshake').textContent()).toContain(evil);
      expect(await page.locator('.clist .crow[data-conn="1"] .c-path').textContent()).toBe('/chat?<img src=x onerror="window.__pwned=3">');
      await page.click('.mrow[data-seq="1"]');
      await page.waitForSelector('.detail .json-key');
      expect(await page.$$eval('.detail .json-key', (ks) => ks.map((k) => k.textContent))).toContain(JSON.stringify(evil));
      await page.close();
    } finally {
      await i.close();
    }
  });

  it('marks compressed messages Z and a message of several frames F<n>, as netrx ws says', async () => {
    const page = await openPage(chat);
    await waitShown(page, 32);
    const marks = await page.$$eval('.mlist .mrow', (rs) =>
      rs.map((r) => ({
        seq: Number((r as HTMLElement).dataset['seq']),
        marks: [...r.querySelectorAll('.m-marks .mark')].map((m) => ({ text: m.textContent, title: m.getAttribute('title') })),
      })),
    );
    marks.sort((a, b) => a.seq - b.seq);
    expect(marks).toHaveLength(32);
    expect(lines.filter((m) => m.compressed)).toHaveLength(24);
    expect(lines.filter((m) => m.frames > 1).map((m) => m.frames)).toEqual([3]);
    marks.forEach((r, i) => {
      const m = lines[i]!;
      const want = [
        ...(m.compressed ? [{ text: 'Z', title: 'compressed (permessage-deflate)' }] : []),
        ...(m.frames > 1 ? [{ text: `F${m.frames}`, title: `${m.frames} frames` }] : []),
      ];
      expect(r.marks, `marks of message ${i}`).toEqual(want);
    });
    // The three-frame message says so in detail too.
    const three = lines.findIndex((m) => m.frames === 3);
    await page.click(`.mrow[data-seq="${three}"]`);
    expect(await page.locator('.detail .facts').textContent()).toContain('3 frames, compressed (permessage-deflate)');
    await page.close();
  });

  it('says how many messages the server evicted, and how many this page missed', async () => {
    const small = await serveInspector(fileEvents(CHAT), { maxMessages: 10 });
    try {
      await small.sourceDone;
      expect(small.store.ring.first).toBe(22);
      const page = await openPage(small);
      await waitShown(page, 10);
      expect(await text(page, '[data-testid=total]')).toBe('32');
      expect(await text(page, '[data-testid=evicted]')).toBe('22 evicted');
      // The page came after they were evicted: the server's reset says it missed them.
      expect(await text(page, '[data-testid=counts]')).toBe('10 shown / 32 messages · 22 evicted · 22 missed');
      expect((await rows(page)).map((r) => r.seq).sort((a, b) => a - b)).toEqual([...Array(10).keys()].map((k) => 22 + k));
      await page.close();
      // Nothing evicted: neither is said.
      const full = await openPage(chat);
      await waitShown(full, 32);
      expect(await text(full, '[data-testid=counts]')).toBe('32 shown / 32 messages');
      await full.close();
    } finally {
      await small.close();
    }
  });

  it('lists a message’s warnings in its detail, and marks its row', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serveInspector(events$);
    try {
      const c = connection(1);
      const warnings = [
        { code: 'WARN_WS_RESYNC', severity: 'warning', message: 'skipped 12 bytes to the next frame header', offset: 4096 },
        { code: 'WARN_WS_GAP', severity: 'warning', message: 'a gap of 100 bytes in the stream' },
      ] as const;
      events$.next(wsMessage(c, 'c2s', 'text', 'plain'));
      events$.next(wsMessage(c, 's2c', 'text', 'with warnings', { warnings }));
      // A long one: its preview is capped and the detail shows the whole line's warnings.
      events$.next(wsMessage(c, 's2c', 'binary', new Uint8Array(5000), { warnings: [warnings[1]] }));
      const page = await openPage(i);
      await waitShown(page, 3);
      const warn = async (seq: number) => page.$$eval(`.mrow[data-seq="${seq}"] .m-marks .mark.warn`, (ms) => ms.length);
      expect([await warn(0), await warn(1), await warn(2)]).toEqual([0, 1, 1]);
      await page.click('.mrow[data-seq="0"]');
      await page.waitForSelector('.detail h2');
      expect(await page.$$('.detail .warnings li')).toHaveLength(0);
      await page.click('.mrow[data-seq="1"]');
      await page.waitForSelector('.detail .warnings li');
      expect(await page.$$eval('.detail .warnings li', (ls) => ls.map((l) => l.textContent))).toEqual([
        'WARN_WS_RESYNC skipped 12 bytes to the next frame header (offset 4096)',
        'WARN_WS_GAP a gap of 100 bytes in the stream',
      ]);
      await page.click('.mrow[data-seq="2"]');
      await page.waitForFunction(() => document.querySelector('.detail .hexdump')?.textContent?.includes('00001380'));
      expect(await page.$$eval('.detail .warnings li', (ls) => ls.map((l) => l.textContent))).toEqual(['WARN_WS_GAP a gap of 100 bytes in the stream']);
      await page.close();
    } finally {
      await i.close();
    }
  });

  it('draws each direction’s messages per second on its side of the timeline, and a click there selects the first message of that moment', async () => {
    const page = await openPage(chat);
    await waitShown(page, 32);
    const TO_SERVER = [0x2f, 0x6f, 0xdb];
    const TO_CLIENT = [0xd9, 0x82, 0x2b];
    /** Per column of the canvas, how many pixels of each direction's colour lie above and below the axis. */
    const columns = () =>
      page.evaluate(
        ([up, down]) => {
          const c = document.querySelector('.timeline canvas') as HTMLCanvasElement;
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          const mid = c.height / 2;
          const cols = Array.from({ length: c.width }, () => ({ upAbove: 0, upBelow: 0, downAbove: 0, downBelow: 0 }));
          for (let y = 0; y < c.height; y++)
            for (let x = 0; x < c.width; x++) {
              const k = (y * c.width + x) * 4;
              const is = (rgb: number[]) => d[k] === rgb[0] && d[k + 1] === rgb[1] && d[k + 2] === rgb[2] && d[k + 3] === 255;
              if (is(up!)) cols[x]![y < mid ? 'upAbove' : 'upBelow']++;
              if (is(down!)) cols[x]![y < mid ? 'downAbove' : 'downBelow']++;
            }
          return { width: c.width, height: c.height, cols };
        },
        [TO_SERVER, TO_CLIENT],
      );
    // The canvas's size in device pixels, as timeline.js sets it when it draws.
    const width = await page.$eval('.timeline canvas', (c) => c.clientWidth * devicePixelRatio);
    // The bars as timeline.js lays them out: round spans (here 1 ms), a rate per span.
    const [sec0, ns0] = lines[0]!.ts.split('.').map(Number) as [number, number];
    const rel = (m: Line) => {
      const [sec, ns] = m.ts.split('.').map(Number) as [number, number];
      return sec - sec0 + (ns - ns0) / 1e9;
    };
    const span = Math.max(...lines.map(rel));
    const per = [0.001, 0.002, 0.005, 0.01].find((p) => span / p <= Math.floor(width / 3))!;
    expect(per).toBe(0.001);
    const nb = Math.floor(span / per) + 1;
    const up = new Array<number>(nb).fill(0);
    const down = new Array<number>(nb).fill(0);
    for (const m of lines) (m.dir === 'c2s' ? up : down)[Math.min(nb - 1, Math.floor(rel(m) / per))]!++;
    const max = Math.max(...up, ...down);
    const bw = width / nb;
    /** Where the drawing differs from the bars it should have (the timeline redraws at most twice a second: polled). */
    const wrongBars = async () => {
      const { height, cols } = await columns();
      const room = height / 2 - 2;
      const wrong: string[] = [];
      for (let b = 0; b < nb; b++) {
        // The middle column of the bar: its pixels of each colour are the bar's height, on its side of the axis.
        const col = cols[Math.floor(b * bw + bw / 2 - 0.5)]!;
        if (col.upBelow > 0) wrong.push(`bar ${b}: → below the axis`);
        if (col.downAbove > 0) wrong.push(`bar ${b}: ← above the axis`);
        // Within 2 pixels: a bar's edge pixel is blended, and the axis is drawn over the ← bar's top row.
        if (Math.abs(col.upAbove - (up[b]! / max) * room) > 2) wrong.push(`bar ${b}: → ${col.upAbove} px for ${up[b]} of ${max}`);
        if (Math.abs(col.downBelow - (down[b]! / max) * room) > 2) wrong.push(`bar ${b}: ← ${col.downBelow} px for ${down[b]} of ${max}`);
      }
      return wrong;
    };
    await expect.poll(wrongBars, { timeout: 5000 }).toEqual([]);
    expect(up.filter((n) => n > 0).length).toBeGreaterThan(3);
    expect(down.filter((n) => n > 0).length).toBeGreaterThan(3);

    // The timeline draws what the filter shows: no ← bars once only → messages are shown.
    await page.click('[data-testid=dir-s2c]');
    await waitShown(page, lines.filter((m) => m.dir === 'c2s').length);
    await page.waitForFunction(
      ([down]) => {
        const c = document.querySelector('.timeline canvas') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let k = 0; k < d.length; k += 4) if (d[k] === down![0] && d[k + 1] === down![1] && d[k + 2] === down![2]) return false;
        return true;
      },
      [TO_CLIENT],
    );
    expect((await columns()).cols.some((c) => c.upAbove > 0)).toBe(true);
    await page.click('[data-testid=dir-s2c]');
    await waitShown(page, 32);
    await page.waitForFunction(
      ([down]) => {
        const c = document.querySelector('.timeline canvas') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let k = 0; k < d.length; k += 4) if (d[k] === down![0] && d[k + 1] === down![1] && d[k + 2] === down![2]) return true;
        return false;
      },
      [TO_CLIENT],
    );

    // A click in a bar selects the first shown message at or after the bar's start.
    const long = lines.findIndex((m) => m.length > 70_000);
    const b = Math.floor(rel(lines[long]!) / per);
    const want = lines.findIndex((m) => rel(m) >= b * per);
    expect(want).toBeGreaterThan(0);
    const box = (await page.locator('.timeline canvas').boundingBox())!;
    await page.locator('.timeline canvas').click({ position: { x: ((b + 0.5) * bw * box.width) / width, y: box.height / 2 } });
    await page.waitForSelector('.mrow.selected');
    expect(await page.$eval('.mrow.selected', (r) => Number((r as HTMLElement).dataset['seq']))).toBe(want);
    expect(await page.locator('.detail h2').textContent()).toContain(`${lines[want]!.type} message`);
    await page.close();
  });

  it('jumps the list to a clicked moment of the timeline, out of view before', async () => {
    const events$ = new Subject<InspectorInput>();
    const i = await serveInspector(events$);
    try {
      const c = connection(1);
      // One message a millisecond (the harness's clock).
      for (let k = 0; k < 2000; k++) events$.next(wsMessage(c, k % 2 ? 's2c' : 'c2s', 'text', `message ${k}`));
      const page = await openPage(i);
      await waitShown(page, 2000);
      await page.$eval('.mlist', (el) => (el.scrollTop = 0));
      await page.waitForFunction(() => document.querySelector('.mrow[data-seq="0"]') !== null);
      expect(await page.$('.mrow[data-seq="1000"]')).toBeNull();
      // Bars of 5 ms (2 s over at most 533 bars): the click at the middle of bar 200 means 1.000 s.
      const canvas = page.locator('.timeline canvas');
      const box = (await canvas.boundingBox())!;
      const nb = Math.floor(1.999 / 0.005) + 1;
      // Drawn with every message: a → bar at the right end.
      await page.waitForFunction(() => {
        const c = document.querySelector('.timeline canvas') as HTMLCanvasElement;
        const d = c.width > 0 ? c.getContext('2d')!.getImageData(c.width - 4, 0, 1, c.height / 2).data : [];
        for (let k = 0; k < d.length; k += 4) if (d[k] === 0x2f && d[k + 1] === 0x6f && d[k + 2] === 0xdb) return true;
        return false;
      });
      await canvas.click({ position: { x: ((200 + 0.5) / nb) * box.width, y: 5 } });
      // It selects the first message of the bar (1.000 s, give or take float rounding)…
      const selected = () => page.evaluate(() => (window as unknown as { netrxInspector: { selected: number } }).netrxInspector.selected);
      await expect.poll(selected, { timeout: 5000 }).toBeGreaterThanOrEqual(0);
      const seq = await selected();
      expect(Math.abs(seq - 1000)).toBeLessThanOrEqual(1);
      // …and scrolls the list to it.
      await page.waitForSelector('.mrow.selected', { timeout: 5000 });
      expect(await page.$eval('.mrow.selected', (r) => Number((r as HTMLElement).dataset['seq']))).toBe(seq);
      expect(await page.$eval('.mrow.selected', (r) => r.querySelector('.m-preview')!.textContent)).toBe(`message ${seq}`);
      await page.close();
    } finally {
      await i.close();
    }
  });

  it('shows each connection’s opened and closed times and its messages and bytes per direction', async () => {
    const page = await openPage(chat);
    await waitShown(page, 32);
    const shownConns = await page.$$eval('.clist .crow', (rs) =>
      rs.map((r) => ({
        id: Number((r as HTMLElement).dataset['conn']),
        tls: r.querySelector('.c-tls')!.textContent,
        times: [...r.querySelectorAll('.c-time')].map((t) => t.textContent),
        num: r.querySelector('.c-num')!.textContent,
        bytes: r.querySelector('.c-bytes')!.textContent,
      })),
    );
    expect(shownConns.map((c) => c.id)).toEqual([0, 1]);
    const when = (ts: string) => {
      const [sec, ns] = ts.split('.').map(Number) as [number, number];
      return (timeOfDay(sec, ns) as string).slice(0, 12);
    };
    for (const c of shownConns) {
      const of = lines.filter((m) => m.stream === c.id);
      const n = (dir: string) => of.filter((m) => m.dir === dir).length;
      const bytes = (dir: string) => of.filter((m) => m.dir === dir).reduce((a, m) => a + m.length, 0);
      expect(c.num).toBe(`${n('c2s')} / ${n('s2c')}`);
      expect(c.bytes).toBe(`${size(bytes('c2s'))} / ${size(bytes('s2c'))}`);
      expect(bytes('c2s') + bytes('s2c')).toBeGreaterThan(10_000);
      // Opened: the 101 (before its first message); closed: the second close frame.
      const opened = chat.store.connections.get(c.id)!.opened!;
      expect(Number(opened)).toBeLessThanOrEqual(Number(of[0]!.ts));
      expect(Number(opened)).toBeGreaterThan(Number(of[0]!.ts) - 1);
      const closes = of.filter((m) => m.type === 'close');
      expect(closes).toHaveLength(2);
      expect(c.times).toEqual([when(opened), when(closes[1]!.ts)]);
      expect(c.tls).toBe('');
    }
    expect(shownConns[0]!.times[0]).not.toBe(shownConns[0]!.times[1]);
    await page.close();
  });

  it('says TLS for a wss:// connection decrypted with its key log, with the TLS facts in a message’s detail, whole or capped', async () => {
    const tlsLines = (await netrxWsJsonl(TLS13, '--keylog', TLS13_KEYS)).map((l) => JSON.parse(l) as Line);
    expect(tlsLines.length).toBeGreaterThan(10);
    const wss = await serveInspector(pipelineEvents(TLS13, TLS13_KEYS), { title: 'tls13' });
    try {
      await wss.sourceDone;
      const page = await openPage(wss);
      await waitShown(page, tlsLines.length);
      const row = page.locator('.clist .crow[data-conn="0"]');
      expect(await row.locator('.c-tls').textContent()).toBe('TLS');
      const of = (dir: string) => tlsLines.filter((m) => m.dir === dir);
      expect(await row.locator('.c-num').textContent()).toBe(`${of('c2s').length} / ${of('s2c').length}`);
      expect(await row.locator('.c-bytes').textContent()).toBe(`${size(of('c2s').reduce((a, m) => a + m.length, 0))} / ${size(of('s2c').reduce((a, m) => a + m.length, 0))}`);
      const tls = JSON.stringify(tlsLines[0]!.tls);
      expect(tlsLines[0]!.tls).toMatchObject({ version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256' });
      // A short message (shipped whole) and a long one (a capped preview until the whole line comes).
      const short = tlsLines.findIndex((m) => m.length < 100);
      const long = tlsLines.findIndex((m) => m.length > 10_000);
      for (const seq of [short, long]) {
        await page.click(`.mrow[data-seq="${seq}"]`);
        await page.waitForSelector('.detail .facts dt:text-is("TLS")');
        expect(await page.locator('.detail .facts dt:text-is("TLS") + dd').textContent()).toBe(tls);
      }
      // The capped preview itself carries it, before the whole line is fetched.
      expect(await page.evaluate((seq) => (window as unknown as { netrxInspector: { store: { extra: Map<number, { tls?: unknown }> } } }).netrxInspector.store.extra.get(seq)?.tls, long)).toEqual(tlsLines[0]!.tls);
      await page.close();
    } finally {
      await wss.close();
    }
  });

  it('shows times of day or relative to the first message', async () => {
    const page = await openPage(chat);
    await waitShown(page, 32);
    expect(await text(page, '.mrow[data-seq="0"] .m-time')).toBe('03:40:05.307137');
    await page.click('[data-testid=time-mode]');
    expect(await text(page, '.mrow[data-seq="0"] .m-time')).toBe('+0.000000');
    expect(await text(page, '.mrow[data-seq="1"] .m-time')).toMatch(/^\+0\.\d{6}$/);
    await page.close();
  });
});
