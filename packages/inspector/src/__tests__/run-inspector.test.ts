import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runInspector, type Inspector, type InspectorInput } from '@netrx/inspector';
import { findBrowser } from '../open-browser.js';
import { connection, eventually, wsMessage } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-inspector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  const s = { text: '', stream: undefined as unknown as Writable };
  s.stream = new Writable({ write: (c: Buffer, _e, cb) => ((s.text += c.toString()), cb()) });
  return s;
}

describe('runInspector (what netrx ui runs)', () => {
  it('prints the URL alone on stdout, says on stderr when the capture ended, and serves until aborted', async () => {
    const events$ = new Subject<InspectorInput>();
    const out = sink();
    const err = sink();
    const stop = new AbortController();
    let inspector!: Inspector;
    const status = runInspector({ events$, stdout: out.stream, stderr: err.stream, signal: stop.signal, onReady: (i) => (inspector = i) });
    await eventually(() => inspector !== undefined, 'the server');
    expect(out.text).toBe(`${inspector.url}\n`);
    events$.next(wsMessage(connection(1), 'c2s', 'text', 'hi'));
    events$.complete();
    await eventually(() => err.text.includes('capture ended: 1 message on 1 connection'), 'the end of the capture');
    expect((await fetch(inspector.url + 'api/status')).status).toBe(200);
    stop.abort();
    expect(await status).toBe(0);
    await expect(fetch(inspector.url)).rejects.toThrow();
  });

  it('exits 1 when the capture failed, after showing what came before', async () => {
    const events$ = new Subject<InspectorInput>();
    const err = sink();
    const stop = new AbortController();
    const status = runInspector({ events$, stdout: sink().stream, stderr: err.stream, signal: stop.signal });
    await eventually(() => err.text.includes('serving'), 'the server');
    events$.next(wsMessage(connection(1), 'c2s', 'text', 'hi'));
    events$.error(new Error('bad capture file: truncated packet at byte 99'));
    await eventually(() => err.text.includes('the capture failed after 1 message on 1 connection'), 'the failure');
    expect(err.text).toContain('truncated packet at byte 99');
    stop.abort();
    expect(await status).toBe(1);
  });

  it('opens a browser on the page when asked (--open), or says it found none', async () => {
    const opener = join(dir, 'opener.sh');
    const opened = join(dir, 'opened.txt');
    writeFileSync(opener, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(opener, 0o755);
    const stop = new AbortController();
    let inspector!: Inspector;
    const status = runInspector({ events$: new Subject(), open: opener, stdout: sink().stream, stderr: sink().stream, signal: stop.signal, onReady: (i) => (inspector = i) });
    await eventually(() => existsSync(opened) && readFileSync(opened, 'utf8').length > 0, 'the opener to run');
    expect(readFileSync(opened, 'utf8')).toBe(inspector.url);
    stop.abort();
    await status;
  });
});

describe('findBrowser', () => {
  it('takes $BROWSER first, then an opener or a browser on PATH, else none', () => {
    expect(findBrowser({ BROWSER: 'firefox:chromium', PATH: '' }, 'linux')).toBe('firefox');
    expect(findBrowser({ PATH: dir }, 'linux')).toBeUndefined();
    writeFileSync(join(dir, 'chromium'), '');
    expect(findBrowser({ PATH: dir }, 'linux')).toBeUndefined();
    chmodSync(join(dir, 'chromium'), 0o755);
    expect(findBrowser({ PATH: dir }, 'linux')).toBe(join(dir, 'chromium'));
    expect(findBrowser({ PATH: dir }, 'win32')).toBeUndefined();
  });
});
