// permessage-deflate message sequences made by real deflaters, with every zlib knob: Node's native
// zlib (asynchronous stream, flushed with Z_SYNC_FLUSH per message, as `ws` does) and pako (zlib's
// port, synchronous, for fast-check properties). The trailing 00 00 ff ff of each message is
// removed, as RFC 7692 §7.2.1 says.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

/** The part of pako's `Deflate` used here (the package's own declaration in src/pako.d.ts covers only `Inflate`). */
interface PakoDeflate {
  push(data: Uint8Array, flush: number): boolean;
  onData: (chunk: Uint8Array) => void;
}
const pako = createRequire(import.meta.url)('pako') as { Deflate: new (options: object) => PakoDeflate };

/** The zlib parameters of one compressor. */
export interface DeflateKnobs {
  level: number;
  strategy: number;
  windowBits: number;
  memLevel: number;
}

const strip = (c: Uint8Array): Uint8Array => {
  const n = c.length;
  if (n >= 4 && c[n - 4] === 0 && c[n - 3] === 0 && c[n - 2] === 0xff && c[n - 1] === 0xff) return c.slice(0, n - 4);
  return c.slice();
};

/** Node's zlib: one raw deflate stream for all messages (context takeover), sync-flushed after each. */
export async function zlibSequence(messages: readonly Uint8Array[], knobs: DeflateKnobs): Promise<Uint8Array[]> {
  const d = zlib.createDeflateRaw(knobs);
  const out: Uint8Array[] = [];
  for (const m of messages) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => void chunks.push(c);
    d.on('data', onData);
    d.write(m);
    await new Promise<void>((res) => d.flush(zlib.constants.Z_SYNC_FLUSH, () => res()));
    d.off('data', onData);
    out.push(strip(Buffer.concat(chunks)));
  }
  d.close();
  return out;
}

/**
 * pako (a port of zlib, same output): one raw deflate stream for all messages, sync-flushed after
 * each; `reset` messages (no context takeover) get a fresh compressor each.
 */
export function pakoSequence(messages: readonly Uint8Array[], knobs: DeflateKnobs, takeover = true): Uint8Array[] {
  const make = (): { d: PakoDeflate; chunks: Uint8Array[] } => {
    const d = new pako.Deflate({ raw: true, ...knobs });
    const chunks: Uint8Array[] = [];
    d.onData = (c: Uint8Array) => void chunks.push(c);
    return { d, chunks };
  };
  let s = make();
  const out: Uint8Array[] = [];
  for (const m of messages) {
    if (!takeover) s = make();
    s.d.push(m, zlib.constants.Z_SYNC_FLUSH);
    out.push(strip(Buffer.concat(s.chunks.splice(0))));
  }
  return out;
}

/** What native zlib makes of the whole sequence: every message's inflated bytes, concatenated. */
export function zlibInflateAll(compressed: readonly Uint8Array[], windowBits = 15): Buffer {
  const tail = Buffer.from([0, 0, 0xff, 0xff]);
  const all = Buffer.concat(compressed.flatMap((c) => [Buffer.from(c), tail]));
  return zlib.inflateRawSync(all, { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** A small deterministic PRNG (mulberry32), so fixture data is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the quick brown fox jumps over lazy dog hello world message user room say login ping pong 你好 ünïcödé 🎉 {"type":"say","content":'.split(' ');

/** Chat-like messages: JSON with repeated keys and words, so later messages refer back to earlier ones. */
export function chatMessages(n: number, seed: number): Uint8Array[] {
  const r = prng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const words: string[] = [];
    const k = 1 + Math.floor(r() * 30);
    for (let j = 0; j < k; j++) words.push(WORDS[Math.floor(r() * WORDS.length)]!);
    out.push(Buffer.from(JSON.stringify({ type: 'say', from: `user${Math.floor(r() * 9)}`, seq: i, content: words.join(' ') })));
  }
  return out;
}

/** Bytes of several kinds: random, text, runs, a mix; `n` long. */
export function dataOfKind(kind: 'random' | 'text' | 'runs' | 'mixed' | 'zeros', n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const b = new Uint8Array(n);
  if (kind === 'random') for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  else if (kind === 'text') {
    const s = Buffer.from(Array.from({ length: Math.ceil(n / 5) + 1 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' '));
    b.set(s.subarray(0, n));
  } else if (kind === 'runs') {
    for (let i = 0; i < n; ) {
      const v = Math.floor(r() * 4);
      const len = 1 + Math.floor(r() * 300);
      b.fill(v, i, Math.min(n, i + len));
      i += len;
    }
  } else if (kind === 'mixed') {
    for (let i = 0; i < n; i++) b[i] = i % 1000 < 500 ? Math.floor(r() * 256) : 97 + (i % 7);
  }
  return b;
}
