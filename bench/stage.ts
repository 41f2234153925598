/**
 * One benchmark stage, run in a child process of its own so its peak memory is its own:
 * `node bench/dist/stage.js <stage> <capture.pcap>` prints one JSON line, a {@link StageResult}.
 *
 * Each stage is the pipeline up to that point, reading the built packages (`dist/`), the way an
 * application would: `read` = `fromCaptureFile`; `dissect` = + `dissect()`; `tcp` = +
 * `reassembleTcp()`; `ws` = + `dissectStreams()` with the WebSocket plugin, counting messages
 * (and, for a capture with a key log beside it — `X.pcap.keys`, the `tls` variant — the TLS
 * plugin decrypting with it).
 * `raw` is a hand-written pcap record loop, the floor the others are compared with.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { corePlugin, createRegistry, dissect } from '@netrx/core';
import { dissectStreams, reassembleTcp, tcpPlugin } from '@netrx/dissector-tcp';
import { httpPlugin } from '@netrx/dissector-http';
import { websocketPlugin, type WebSocketMessage } from '@netrx/dissector-websocket';
import { KeyLogFile, MemoryKeyStore, createTlsPlugin } from '@netrx/dissector-tls';
import { fromCaptureFile } from '@netrx/source-file';
import type { Observable } from 'rxjs';

/** The stages run in-process by this file, each the pipeline up to that point. */
export const LIBRARY_STAGES = ['raw', 'read', 'dissect', 'tcp', 'ws'] as const;
/** One of {@link LIBRARY_STAGES}. */
export type LibraryStage = (typeof LIBRARY_STAGES)[number];

/** What a stage reports. */
export interface StageResult {
  stage: string;
  /** Frames read (`raw`, `read`, `dissect`; the others leave it to the capture's meta file). */
  packets: number;
  /** Items the last operator emitted (packets, stream events, app events). */
  items: number;
  /** TCP payload bytes delivered in order (`tcp`), message payload bytes (`ws`). */
  bytes: number;
  /** WebSocket messages (`ws`), and by kind (or `undecodable`). */
  messages: number;
  byType: Record<string, number>;
  /** Time from subscribing to completion, ms. */
  ms: number;
  /** Peak resident set size of the process, KiB. */
  maxRssKb: number;
  error?: string;
}

/** The hand-written floor: pcap record headers walked over 1 MiB reads. */
function rawRead(file: string): Pick<StageResult, 'packets' | 'items' | 'bytes'> {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let have = 0;
  let at = 24;
  let packets = 0;
  let bytes = 0;
  for (;;) {
    const n = readSync(fd, buf, have, buf.length - have, null);
    have += n;
    while (at + 16 <= have) {
      const caplen = buf.readUInt32LE(at + 8);
      if (at + 16 + caplen > have) break;
      packets++;
      bytes += caplen;
      at += 16 + caplen;
    }
    if (n === 0) break;
    buf.copy(buf, 0, at, have);
    have -= at;
    at = 0;
  }
  closeSync(fd);
  return { packets, items: packets, bytes };
}

function count<T>(source: Observable<T>, onItem: (item: T) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    source.subscribe({
      next: (x) => {
        n++;
        onItem(x);
      },
      error: reject,
      complete: () => resolve(n),
    });
  });
}

/** Runs `stage` on `file` in this process. */
export async function runStage(stage: LibraryStage, file: string): Promise<StageResult> {
  const r: StageResult = { stage, packets: 0, items: 0, bytes: 0, messages: 0, byType: {}, ms: 0, maxRssKb: 0 };
  const plugins = stage === 'ws' ? [corePlugin, tcpPlugin, httpPlugin, websocketPlugin] : [corePlugin, tcpPlugin];
  if (stage === 'ws' && existsSync(`${file}.keys`)) {
    const keys = new MemoryKeyStore();
    new KeyLogFile(`${file}.keys`, keys);
    plugins.push(createTlsPlugin({ keys }));
  }
  const registry = createRegistry(plugins);
  const t0 = performance.now();
  if (stage === 'raw') {
    Object.assign(r, rawRead(file));
  } else {
    const frames = fromCaptureFile(file);
    if (stage === 'read') {
      r.items = await count(frames, (f) => (r.bytes += f.caplen));
      r.packets = r.items;
    } else if (stage === 'dissect') {
      r.items = await count(frames.pipe(dissect(registry)), () => {});
      r.packets = r.items;
    } else if (stage === 'tcp') {
      r.items = await count(frames.pipe(dissect(registry), reassembleTcp(registry)), (ev) => {
        if (ev.type === 'data') r.bytes += ev.bytes.length;
      });
    } else {
      r.items = await count(frames.pipe(dissect(registry), reassembleTcp(registry), dissectStreams(registry)), (ev) => {
        if (ev.type !== 'ws.message') return;
        const m = ev as WebSocketMessage;
        r.messages++;
        r.bytes += m.payload.length;
        const k = m.undecodable ? 'undecodable' : m.kind;
        r.byType[k] = (r.byType[k] ?? 0) + 1;
      });
    }
  }
  r.ms = performance.now() - t0;
  r.maxRssKb = process.resourceUsage().maxRSS;
  return r;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [stage, file] = process.argv.slice(2);
  if (!stage || !file || !(LIBRARY_STAGES as readonly string[]).includes(stage)) {
    process.stderr.write(`usage: node bench/dist/stage.js ${LIBRARY_STAGES.join('|')} FILE\n`);
    process.exit(2);
  }
  const result = await runStage(stage as LibraryStage, file).catch((err: unknown) => ({ stage, error: String((err as Error)?.message ?? err) }));
  process.stdout.write(JSON.stringify(result) + '\n');
}
