#!/usr/bin/env node
// Makes docs/inspector.png: the inspector on the bundled chat capture, in headless Chromium
// (Debian's; set NETRX_CHROMIUM to use another), with mynick's connection and one of its JSON
// messages selected. From the built packages: `npx tsc -b packages/cli` first.
//   node packages/inspector/scripts/screenshot.mjs [OUT.png]
// (The chat's `！` needs a CJK font to render: fonts-wqy-microhei on Debian.)
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { keepConnectionEvents, serveInspector, yieldToEventLoop } from '@netrx/inspector';

const root = new URL('../../../', import.meta.url);
const capture = fileURLToPath(new URL('examples/chat-server/capture/chat.pcap', root));
const out = process.argv[2] ?? fileURLToPath(new URL('docs/inspector.png', root));
const executablePath = process.env.NETRX_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath}: apt-get install chromium, or set NETRX_CHROMIUM`);
  process.exit(1);
}

const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
const events$ = fromCaptureFile(capture, { beforeNextChunk: yieldToEventLoop }).pipe(dissect(registry), reassembleTcp(registry), keepConnectionEvents(dissectStreams(registry)));
const inspector = await serveInspector(events$, { title: 'examples/chat-server/capture/chat.pcap' });
await inspector.sourceDone;
const browser = await chromium.launch({ executablePath, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 960 }, deviceScaleFactor: 1 });
  await page.goto(inspector.url);
  await page.waitForFunction(() => document.querySelector('[data-testid=total]')?.textContent === '32');
  // mynick's connection, and the server's answer to its login (a JSON message).
  await page.click('.clist .crow[data-conn="1"]');
  await page.locator('.mlist .mrow', { hasText: '"type":"login","client_id"' }).first().click();
  await page.waitForSelector('.detail .json');
  await page.waitForTimeout(600); // the timeline redraws at most twice a second
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await inspector.close();
}
