#!/usr/bin/env node
// How long the inspector page takes to show a large capture, and the server's peak memory.
// Starts the inspector on FILE in a child process (scripts/serve.mjs, from the built packages),
// opens the page in headless Chromium at once, and waits until the page holds every message.
// Then opens a second page on the finished capture, and times a payload filter over everything.
//   npx tsc -b packages/cli bench && node bench/dist/generate.js --packets 1850000 --variant plain
//   node packages/inspector/bench/time-to-show.mjs .bench/ws-plain-1850000.pcap [--max-chars N]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: time-to-show.mjs CAPTURE [serve.mjs options…]');
  process.exit(2);
}
const serve = fileURLToPath(new URL('../scripts/serve.mjs', import.meta.url));
const browser = await chromium.launch({ executablePath: process.env.NETRX_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage', '--js-flags=--max-old-space-size=8192'] });
const memOf = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)[1]);
  return { peakMB: Math.round(kb('VmHWM') / 1024), nowMB: Math.round(kb('VmRSS') / 1024) };
};
// CPU seconds the server used (user + system): steadier than wall time on a shared machine.
const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return +((Number(f[11]) + Number(f[12])) / 100).toFixed(1);
};
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const pageState = (page) =>
  page.evaluate(() => {
    const m = window.netrxInspector;
    return { n: m.store.n, shown: m.shownN, total: m.status.total, evicted: m.status.evicted, source: m.status.source.state, heapMB: Math.round(performance.memory.usedJSHeapSize / 2 ** 20) };
  });
async function untilComplete(page, t0) {
  for (let k = 0; ; k++) {
    const s = await pageState(page);
    if (k % 20 === 0) console.error(`${((performance.now() - t0) / 1000).toFixed(1)} s`, JSON.stringify(s));
    if (s.source !== 'running' && s.total > 0 && s.n + s.evicted >= s.total && s.shown === s.n) return { ...s, seconds: +((performance.now() - t0) / 1000).toFixed(2) };
    await new Promise((r) => setTimeout(r, 100));
  }
}

const t0 = performance.now();
const server = spawn(process.execPath, [serve, '-r', file, ...rest], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(String(d).trim())));
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
page.on('crash', () => console.error('the page crashed'));
page.on('pageerror', (e) => console.error('page error:', e.message));
await page.goto(url);
const loadBefore = load();
const live = await untilComplete(page, t0);
const serverMem = memOf(server.pid);
const serverCpu = cpuOf(server.pid);

// The capture is complete: a new page loads all of it from the server's ring.
const t1 = performance.now();
const page2 = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
await page2.goto(url);
const reload = await untilComplete(page2, t1);

// A substring filter over every message, and a jump to the middle of the list.
const t2 = performance.now();
await page2.fill('[data-testid=query]', 'netrx');
await page2.waitForFunction(() => window.netrxInspector.pending.size === 0 && window.netrxInspector.shownN < window.netrxInspector.store.n);
const filterSeconds = +((performance.now() - t2) / 1000).toFixed(2);
const shownByFilter = await page2.evaluate(() => window.netrxInspector.shownN);
await page2.fill('[data-testid=query]', '');
await page2.waitForFunction(() => window.netrxInspector.shownN === window.netrxInspector.store.n);
const scrollMs = await page2.evaluate(
  () =>
    new Promise((resolve) => {
      const el = document.querySelector('.mlist');
      const t = performance.now();
      el.scrollTop = el.scrollHeight / 2;
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(Math.round(performance.now() - t))));
    }),
);
const rowsRendered = await page2.$$eval('.mlist .mrow', (r) => r.length);
const serverMemAfter = memOf(server.pid);
server.kill('SIGINT');
await browser.close();
console.log(
  JSON.stringify(
    {
      file,
      messages: live.total,
      evicted: live.evicted,
      loadAverage: `${loadBefore} → ${load()}`,
      firstPage: { secondsFromStart: live.seconds, heapMB: live.heapMB },
      serverCpuSecondsToThen: serverCpu,
      serverPeakRssMB: serverMemAfter.peakMB,
      serverRssAfterCaptureMB: serverMem.nowMB,
      secondPage: { seconds: reload.seconds, heapMB: reload.heapMB },
      filter: { query: 'netrx', seconds: filterSeconds, shown: shownByFilter },
      scrollToMiddleMs: scrollMs,
      rowsRendered,
    },
    null,
    2,
  ),
);
