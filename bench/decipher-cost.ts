/**
 * `npm run bench:decipher`: what one TLS record costs in Node's crypto alone, as the TLS dissector
 * opens it (a decipher of its own, `setAAD`, `setAuthTag`, `update`, `final`), for each AEAD it
 * decrypts and a few record sizes. The floor under `netrx ws` on wss:// (issue 10): records ×
 * this is time no change to netrx's own code can take back.
 *
 * @example
 * ```sh
 * npm run bench:decipher                  # 300,000 records per row
 * npm run bench:decipher -- --records 50000
 * ```
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type CipherGCMTypes, type KeyObject } from 'node:crypto';

const AEADS = [
  { name: 'aes-128-gcm', key: 16 },
  { name: 'aes-256-gcm', key: 32 },
  { name: 'chacha20-poly1305', key: 32 },
] as const;
const SIZES = [100, 400, 1400, 16384];
const TAG = 16;

type Aead = (typeof AEADS)[number]['name'];

/** One sealed record: nonce, additional data, ciphertext, tag. */
interface Sealed {
  nonce: Buffer;
  aad: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function seal(aead: Aead, key: Buffer, size: number): Sealed {
  const nonce = randomBytes(12);
  const aad = Buffer.from([23, 3, 3, (size + TAG) >> 8, (size + TAG) & 0xff]);
  // ChaCha20-Poly1305's cipher has the GCM one's methods; the cast only picks that overload.
  const c = createCipheriv(aead as CipherGCMTypes, key, nonce, { authTagLength: TAG });
  c.setAAD(aad, { plaintextLength: size });
  const ciphertext = Buffer.concat([c.update(randomBytes(size)), c.final()]);
  return { nonce, aad, ciphertext, tag: c.getAuthTag() };
}

/** Nanoseconds per record opened `n` times, best of three rounds. */
function open(aead: Aead, key: Buffer | KeyObject, r: Sealed, n: number): number {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const d = createDecipheriv(aead as CipherGCMTypes, key, r.nonce, { authTagLength: TAG });
      d.setAAD(r.aad, { plaintextLength: r.ciphertext.length });
      d.setAuthTag(r.tag);
      bytes += d.update(r.ciphertext).length;
      d.final();
    }
    if (bytes !== n * r.ciphertext.length) throw new Error('a record did not open');
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n);
  }
  return best;
}

function main(): void {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--records');
  const n = i >= 0 ? Number(argv[i + 1]) : 300_000;
  if (!Number.isInteger(n) || n < 1) throw new Error('usage: npm run bench:decipher -- [--records N]');
  // Warm up: the first row would otherwise pay for compiling the loop.
  const warm = randomBytes(16);
  open('aes-128-gcm', warm, seal('aes-128-gcm', warm, 100), 20_000);
  process.stdout.write(`| aead | record bytes | ns/record (key bytes) | ns/record (KeyObject) | MB/s |\n|:--|--:|--:|--:|--:|\n`);
  for (const a of AEADS) {
    const key = randomBytes(a.key);
    for (const size of SIZES) {
      const r = seal(a.name, key, size);
      const m = size >= 16384 ? Math.max(1, Math.floor(n / 20)) : n;
      const raw = open(a.name, key, r, m);
      const obj = open(a.name, createSecretKey(key), r, m);
      process.stdout.write(`| ${a.name} | ${size} | ${raw.toFixed(0)} | ${obj.toFixed(0)} | ${((size / Math.min(raw, obj)) * 1e3).toFixed(0)} |\n`);
    }
  }
  process.stdout.write(`\nNode ${process.version}, OpenSSL ${process.versions.openssl}; best of three rounds of ${n} records (a twentieth for 16 KiB).\n`);
}

main();
