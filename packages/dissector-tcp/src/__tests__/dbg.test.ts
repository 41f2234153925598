import { test } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { fromCaptureFile } from '@netrx/source-file';
import { reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
test('dbg', async () => {
  const registry = createRegistry([corePlugin, tcpPlugin]);
  const evs = await lastValueFrom(fromCaptureFile(process.env.F!).pipe(dissect(registry), reassembleTcp(), toArray()));
  for (const e of evs) if (e.type !== 'data' || process.env.ALL) console.log(e.type, e.frame, (e as any).dir, (e as any).offset, (e as any).length ?? (e as any).bytes?.length, e.type === 'close' ? JSON.stringify(e.stats) : '');
});
