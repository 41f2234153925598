// The page in a real browser: Debian's Chromium driven by playwright-core (no browser download).
// Skipped, saying so, when Chromium is not installed (.ci/run installs it).
import { readFileSync } from 'node:fs';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serveInspector, type Inspector, type InspectorInput } from '@netrx/inspector';
import { CHAT, chromiumPath, connection, fileEvents, httpRequest, httpResponse, launchBrowser, netrxWsJsonl, wsMessage } from './harness.js';

const executable = chromiumPath();

interface Line {
  stream: number;
  dir: 'c2s' | 's2c';
  type: string;
  length: number;
  text?: string;
  hex?: string;
  code?: number;
  reason?: string;
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
