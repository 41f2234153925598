import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin } from '@netrx/dissector-websocket';
import { fromCaptureFile } from '@netrx/source-file';
import { keepConnectionEvents } from '@netrx/inspector';
import { CHAT } from './harness.js';

describe('keepConnectionEvents', () => {
  it('passes each connection’s open before and its close after what dissectStreams makes of it, and changes nothing else', async () => {
    const registry = () => createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
    const r1 = registry();
    const alone = await lastValueFrom(fromCaptureFile(CHAT).pipe(dissect(r1), reassembleTcp(r1), dissectStreams(r1), toArray()));
    const r2 = registry();
    const kept = await lastValueFrom(fromCaptureFile(CHAT).pipe(dissect(r2), reassembleTcp(r2), keepConnectionEvents(dissectStreams(r2)), toArray()));
    const app = kept.filter((e) => e.type !== 'open' && e.type !== 'close');
    expect(app.map((e) => `${e.type} ${e.connection.id} ${e.lastFrame}`)).toEqual(alone.map((e) => `${e.type} ${e.connection.id} ${e.lastFrame}`));
    for (const id of [0, 1]) {
      const at = (f: (e: (typeof kept)[number]) => boolean) => kept.findIndex(f);
      const open = at((e) => e.type === 'open' && e.connection.id === id);
      const close = kept.findLastIndex((e) => e.type === 'close' && e.connection.id === id);
      const first = at((e) => e.type !== 'open' && e.connection.id === id);
      const last = kept.findLastIndex((e) => e.type !== 'close' && e.connection.id === id);
      expect(open).toBeGreaterThanOrEqual(0);
      expect(open).toBeLessThan(first);
      expect(close).toBeGreaterThan(last);
    }
  });
});
