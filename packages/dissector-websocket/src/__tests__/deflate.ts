// Real permessage-deflate bytes, made as the `ws` package makes them: a raw deflate stream flushed
// with Z_SYNC_FLUSH after each message, the trailing 00 00 ff ff removed (RFC 7692 §7.2.1).
import zlib from 'node:zlib';

/** Compresses messages with one shared context (context takeover), as ws does. */
export async function deflateTakeover(messages: (string | Uint8Array)[], windowBits = 15): Promise<Uint8Array[]> {
  const d = zlib.createDeflateRaw({ windowBits });
  const out: Uint8Array[] = [];
  for (const m of messages) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    d.on('data', onData);
    d.write(typeof m === 'string' ? Buffer.from(m) : m);
    await new Promise<void>((res) => d.flush(zlib.constants.Z_SYNC_FLUSH, () => res()));
    d.off('data', onData);
    const c = Buffer.concat(chunks);
    out.push(new Uint8Array(c.subarray(0, c.length - 4)));
  }
  d.close();
  return out;
}

/** Compresses one message on its own (no context takeover). */
export function deflateAlone(m: string | Uint8Array): Uint8Array {
  const c = zlib.deflateRawSync(typeof m === 'string' ? Buffer.from(m) : m, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return new Uint8Array(c.subarray(0, c.length - 4));
}
