// pcapng Decryption Secrets Blocks (§4.7): handed to `onSecrets` in file order, before the frames
// that follow them, in either byte order and whatever the chunking; malformed ones are problems.
import { lastValueFrom, toArray } from 'rxjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretsType, type DecryptionSecrets } from '../decryption-secrets.js';
import { fromCaptureFile } from '../from-capture-file.js';
import { PcapngReader } from '../pcapng-reader.js';
import { concatBytes, epb, idb, ngBlock, ngOptions, readAll, shb } from './helpers.js';

/** A DSB body: secrets type, length, the secrets padded to 4, then options. */
function dsb(type: number, secrets: Uint8Array, le = true, options = new Uint8Array(0), declared = secrets.length): Uint8Array {
  const padded = (secrets.length + 3) & ~3;
  const body = new Uint8Array(8 + padded + options.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, declared, le);
  body.set(secrets, 8);
  body.set(options, 8 + padded);
  return ngBlock(0x0000000a, body, le);
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const keyLog1 = 'CLIENT_RANDOM 00 11\n';
const keyLog2 = 'SERVER_TRAFFIC_SECRET_0 aa bb\r\n#';

describe('pcapng Decryption Secrets Blocks', () => {
  const file = (le: boolean) =>
    concatBytes(
      shb(le),
      dsb(SecretsType.TLS_KEY_LOG, text(keyLog1), le),
      idb(1, le),
      epb(0, 1n, new Uint8Array(40).fill(1), le),
      dsb(SecretsType.WIREGUARD_KEY_LOG, text('wg'), le, ngOptions([[1, text('a comment')]], le)),
      dsb(SecretsType.TLS_KEY_LOG, text(keyLog2), le),
      epb(0, 2n, new Uint8Array(41).fill(2), le),
    );

  for (const le of [true, false]) {
    it(`are delivered in file order, before the frames after them (${le ? 'little' : 'big'} endian), whatever the chunking`, () => {
      const bytes = file(le);
      for (const sizes of [[bytes.length], [1], [3, 7], [64]]) {
        const order: string[] = [];
        const make = (sink: (f: { frameNumber: number }) => void) =>
          new PcapngReader((f) => (order.push(`frame ${f.frameNumber}`), sink(f)), {
            onSecrets: (s: DecryptionSecrets) => order.push(`${s.type.toString(16)} ${new TextDecoder().decode(s.data)} @${s.offset}`),
          });
        const { problem, frames } = readAll(make as never, bytes, sizes);
        expect(problem).toBeUndefined();
        expect(frames).toHaveLength(2);
        const dsb1 = 28; // after the 28-byte SHB
        expect(order).toEqual([
          `544c534b ${keyLog1} @${dsb1}`,
          'frame 1',
          expect.stringMatching(/^57474b4c wg @\d+$/),
          expect.stringMatching(/^544c534b SERVER_TRAFFIC_SECRET_0 aa bb\r\n# @\d+$/),
          'frame 2',
        ]);
      }
    });
  }

  it('are skipped when nobody asks for them', () => {
    const { frames, problem } = readAll((sink) => new PcapngReader(sink), file(true));
    expect(problem).toBeUndefined();
    expect(frames).toHaveLength(2);
  });

  it('are a problem when the secrets length runs past the block', () => {
    const bad = concatBytes(shb(), dsb(SecretsType.TLS_KEY_LOG, text('abcd'), true, new Uint8Array(0), 5000));
    const { problem } = readAll((sink) => new PcapngReader(sink, { onSecrets: () => {} }), bad);
    expect(problem?.code).toBe('ERR_PCAPNG_RECORD_LENGTH');
    expect(problem?.offset).toBe(28);
  });

  it('reach fromCaptureFile callers through the onSecrets option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netrx-dsb-'));
    const path = join(dir, 'dsb.pcapng');
    writeFileSync(path, file(true));
    const seen: string[] = [];
    const frames = await lastValueFrom(
      fromCaptureFile(path, { onSecrets: (s) => seen.push(new TextDecoder().decode(s.data)) }).pipe(toArray()),
    );
    expect(frames).toHaveLength(2);
    expect(seen).toEqual([keyLog1, 'wg', keyLog2]);
  });
});
