// NSS key log lines, the memory store, the key log file, and the code catalogue.
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemoryKeyStore, SECRETS_TYPE_TLS_KEY_LOG } from '../key-store.js';
import { KeyLogFile } from '../keylog-file.js';
import { parseKeyLog, parseKeyLogLine } from '../keylog.js';
import { TlsCodes } from '../tls-codes.js';

const R = 'AB'.repeat(32);
const S32 = '01'.repeat(32);
const S48 = '02'.repeat(48);

describe('parseKeyLogLine', () => {
  it('reads the labels it uses, with hex in either case and any spacing', () => {
    expect(parseKeyLogLine(`CLIENT_RANDOM ${R} ${S48}`)).toEqual({ label: 'CLIENT_RANDOM', clientRandom: R.toLowerCase(), secret: Uint8Array.from(Buffer.from(S48, 'hex')) });
    expect(parseKeyLogLine(`  SERVER_TRAFFIC_SECRET_0\t${R}  ${S32}\r`)).toMatchObject({ label: 'SERVER_TRAFFIC_SECRET_0', clientRandom: R.toLowerCase() });
    expect(parseKeyLogLine(`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${R} ${S48}`)).toMatchObject({ label: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' });
  });

  it('ignores comments, blank lines and labels it does not use', () => {
    for (const l of ['', '   ', '# SSL/TLS secrets log file', `EXPORTER_SECRET ${R} ${S32}`, `CLIENT_TRAFFIC_SECRET_1 ${R} ${S32}`, `RSA abcd ${S48}`, `CLIENT_EARLY_TRAFFIC_SECRET ${R} ${S32}`]) {
      expect(parseKeyLogLine(l), l).toBe('ignored');
    }
  });

  it('says a line of a used label is malformed when its fields are not hex of the right size', () => {
    for (const l of [`CLIENT_RANDOM ${R}`, `CLIENT_RANDOM ${R.slice(2)} ${S48}`, `CLIENT_RANDOM ${R} ${S32}`, `CLIENT_RANDOM ${R} ${S48}zz`, `SERVER_TRAFFIC_SECRET_0 ${R} 0102`, `SERVER_TRAFFIC_SECRET_0 ${R} ${S32} extra`]) {
      expect(parseKeyLogLine(l), l).toBe('malformed');
    }
  });

  it('counts what a whole log held', () => {
    const seen: string[] = [];
    expect(parseKeyLog(`# c\nCLIENT_RANDOM ${R} ${S48}\nbad line\nCLIENT_RANDOM x y\n`, (e) => seen.push(e.label))).toEqual({ used: 1, ignored: 3, malformed: 1 });
    expect(seen).toEqual(['CLIENT_RANDOM']);
  });
});

describe('MemoryKeyStore', () => {
  it('collects the secrets of a client random from lines in any order, the later replacing the earlier', () => {
    const k = new MemoryKeyStore();
    k.addKeyLog(`SERVER_TRAFFIC_SECRET_0 ${R} ${S32}\n`);
    k.addKeyLog(`CLIENT_TRAFFIC_SECRET_0 ${R} ${S32}\nSERVER_TRAFFIC_SECRET_0 ${R} ${'03'.repeat(32)}\n`);
    const got = k.get(Buffer.from(R, 'hex'))!;
    expect(Buffer.from(got.serverTrafficSecret0!).toString('hex')).toBe('03'.repeat(32));
    expect(got.clientTrafficSecret0).toBeDefined();
    expect(k.get(new Uint8Array(32))).toBeUndefined();
    expect(k.size).toBe(1);
  });

  it('reads TLS key logs from Decryption Secrets Blocks and leaves other secrets types alone', () => {
    const k = new MemoryKeyStore();
    expect(k.addDecryptionSecrets(0x57474b4c, new TextEncoder().encode(`CLIENT_RANDOM ${R} ${S48}`))).toBeUndefined();
    expect(k.size).toBe(0);
    expect(k.addDecryptionSecrets(SECRETS_TYPE_TLS_KEY_LOG, new TextEncoder().encode(`CLIENT_RANDOM ${R} ${S48}\n`))).toMatchObject({ used: 1 });
    expect(k.get(Buffer.from(R, 'hex'))?.masterSecret?.length).toBe(48);
  });
});

describe('KeyLogFile', () => {
  it('reads a file that appears later, as it grows, and again from the start when rewritten', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netrx-keylog-'));
    const path = join(dir, 'sslkeys.log');
    const keys = new MemoryKeyStore();
    const file = new KeyLogFile(path, keys);
    expect(file.exists).toBe(false);
    const r1 = Buffer.from(R, 'hex');
    expect(keys.get(r1)).toBeUndefined();
    writeFileSync(path, `CLIENT_RANDOM ${R} ${S48}\n`);
    expect(keys.get(r1)?.masterSecret).toBeDefined(); // a miss refreshes
    expect(file.exists).toBe(true);
    const R2 = 'cd'.repeat(32);
    writeFileSync(path, `CLIENT_RANDOM ${R2} ${S48}`); // shorter: rewritten; no newline yet
    expect(keys.get(Buffer.from(R2, 'hex'))).toBeUndefined();
    // Unchanged since: the last line is complete after all.
    expect(keys.get(Buffer.from(R2, 'hex'))?.masterSecret).toBeDefined();
    expect(file.counts).toEqual({ used: 2, ignored: 0, malformed: 0 });
    rmSync(dir, { recursive: true });
  });
});

describe('TlsCodes', () => {
  it('lists every code the sources use', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..');
    const used = new Set<string>();
    for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(join(src, f), 'utf8').matchAll(/'((?:ERR|WARN)_TLS_[A-Z_]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(5);
    for (const code of used) expect(Object.keys(TlsCodes), code).toContain(code);
  });
});
