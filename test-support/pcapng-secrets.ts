/**
 * A capture with its TLS keys inside, as `editcap --inject-secrets tls,keys.log in.pcap out.pcapng`
 * makes it: the frames of a capture file written as pcapng with a Decryption Secrets Block
 * (pcapng §4.7, secrets type `TLSK`) holding the key log, right after the Section Header Block.
 */
import { PcapngWriter, fromCaptureFile } from '@netrx/source-file';

/** The DSB secrets type of a TLS key log, `TLSK`. */
const TLS_KEY_LOG = 0x544c534b;

/** A pcapng Decryption Secrets Block (little-endian) holding `secrets`. */
export function decryptionSecretsBlock(secrets: Uint8Array, type = TLS_KEY_LOG): Uint8Array {
  const padded = (secrets.length + 3) & ~3;
  const total = 12 + 8 + padded;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x0000000a, true);
  v.setUint32(4, total, true);
  v.setUint32(8, type, true);
  v.setUint32(12, secrets.length, true);
  b.set(secrets, 16);
  v.setUint32(total - 4, total, true);
  return b;
}

/** The frames of `capture` as pcapng bytes, with `keyLog` in a Decryption Secrets Block before them. */
export async function pcapngWithSecrets(capture: string, keyLog: string): Promise<Uint8Array> {
  const blocks: Uint8Array[] = [];
  const writer = new PcapngWriter({ write: (b) => void blocks.push(b) });
  await new Promise<void>((resolve, reject) => fromCaptureFile(capture).subscribe({ next: (f) => writer.write(f), error: reject, complete: resolve }));
  const [shb, ...rest] = blocks;
  const parts = [shb!, decryptionSecretsBlock(new TextEncoder().encode(keyLog)), ...rest];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
