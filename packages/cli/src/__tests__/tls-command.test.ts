// wss:// through the real command: `netrx tls` lists each TLS connection (text and jsonl) and
// says why one was not decrypted; `netrx ws` shows the WebSocket messages inside decrypted TLS
// exactly as the peers received them, marked as having come through TLS, and nothing at all
// from a connection it could not decrypt (no keys, wrong keys, a suite it does not decrypt).
// Keys come from --keylog, from SSLKEYLOGFILE, or from a pcapng's Decryption Secrets Block.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { corpusDir, noteIfCorpusMissing } from '../../../../test-support/corpus.js';
import { pcapngWithSecrets } from '../../../../test-support/pcapng-secrets.js';
import { fixtures, type Fixture, type TruthConnection } from '../../../dissector-tls/src/__tests__/fixtures.js';
import { run } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'netrx-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const jsonLines = (out: string): Record<string, any>[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const conn = (o: { client: string; server: string }): string => `${o.client}>${o.server}`;

/** Suites netrx decrypts (the CBC fixture's is not one). */
const decryptable = (t: TruthConnection): boolean => !t.suite.includes('_CBC_');

/** The payload of a `netrx ws` JSON line. */
const payload = (m: Record<string, any>): Buffer => (m.text !== undefined ? Buffer.from(m.text as string, 'utf8') : Buffer.from((m.hex as string) ?? '', 'hex'));

/** A key log whose every secret has one bit flipped: the right client randoms, the wrong keys. */
function wrongKeys(f: Fixture): string {
  const file = join(dir, `${f.name}.wrong.keys`);
  const text = readFileSync(f.keys, 'utf8').replace(/^(\S+ [0-9a-f]{64} )([0-9a-f])/gm, (_, head: string, c: string) => head + (parseInt(c, 16) ^ 1).toString(16));
  writeFileSync(file, text);
  return file;
}

describe('netrx tls and netrx ws on the recorded TLS sessions', () => {
  for (const f of fixtures()) {
    describe(f.name, () => {
      it('tls --format jsonl: one line per connection, with what the peers negotiated, decrypted or why not, records and bytes', async () => {
        const { status, out } = await run('tls', '-r', f.pcap, '--keylog', f.keys, '--format', 'jsonl');
        expect(status).toBe(0);
        const lines = jsonLines(out);
        expect(lines).toHaveLength(f.truth.connections.length);
        const tcp = jsonLines((await run('tcp', '-r', f.pcap, '--format', 'jsonl')).out);
        for (const t of f.truth.connections) {
          const l = lines.find((x) => conn(x) === `${t.client}>${t.server}`)!;
          expect(l, t.client).toBeDefined();
          expect(Object.keys(l).slice(0, 4)).toEqual(['ts', 'stream', 'client', 'server']);
          expect(l).toMatchObject({ version: t.version, suite: t.suite, ...(t.sni !== null ? { sni: t.sni } : {}), ...(t.alpn !== null ? { alpn: t.alpn } : {}) });
          if (t.sni === null) expect(l.sni).toBeUndefined();
          const ok = t.keys_in_keylog && decryptable(t);
          expect(l.decrypted).toBe(ok);
          if (!ok) expect(l.reason).toBe(decryptable(t) ? 'no-key' : 'unsupported-suite');
          else expect(l.reason).toBeUndefined();
          // Every byte of the TCP stream is a record; what was decrypted is what the peers got.
          const stream = tcp.find((x) => conn(x) === conn(l))!;
          for (const d of ['c2s', 's2c'] as const) {
            expect(l[d].bytes).toBe(stream[d].bytes);
            expect(l[d].records).toBeGreaterThan(0);
            expect(l[d].plaintextBytes).toBe(ok ? t[d].bytes : 0);
          }
        }
      });

      const wsConns = f.truth.connections.filter((c) => c.messages.length > 0);
      if (wsConns.length > 0) {
        it('ws --format jsonl: the messages the peers received, each with "tls" after "server"; none from a connection not decrypted', async () => {
          const { status, out } = await run('ws', '-r', f.pcap, '--keylog', f.keys, '--format', 'jsonl');
          expect(status).toBe(0);
          const lines = jsonLines(out);
          for (const t of wsConns) {
            const ours = lines.filter((m) => conn(m) === `${t.client}>${t.server}`);
            if (!t.keys_in_keylog || !decryptable(t)) {
              expect(ours).toEqual([]);
              continue;
            }
            for (const d of ['c2s', 's2c'] as const) {
              const want = t.messages.filter((m) => m.dir === d && (m.type === 'text' || m.type === 'binary')).map((m) => `${m.type} ${m.len} ${m.sha256}`);
              const got = ours.filter((m) => m.dir === d && (m.type === 'text' || m.type === 'binary')).map((m) => `${m.type} ${m.length} ${sha256(payload(m))}`);
              expect(got, `${t.client} ${d}`).toEqual(want);
            }
            expect(ours.find((m) => m.type === 'close' && m.dir === 'c2s')).toMatchObject({ code: 1000, reason: 'bye' });
            for (const m of ours) {
              expect(m.tls).toEqual({ version: t.version, suite: t.suite, ...(t.sni !== null ? { sni: t.sni } : {}) });
              expect(Object.keys(m).slice(0, 6)).toEqual(['ts', 'stream', 'client', 'server', 'tls', 'dir']);
              expect(m.warnings).toBeUndefined();
            }
          }
        });
      }
    });
  }
});

describe('netrx tls and ws: text output, missing and wrong keys', () => {
  const f = fixtures().find((x) => x.name === 'tls13-aes128gcm-deflate')!;
  const t = f.truth.connections[0]!;
  /** The text and binary messages the peers received (the truth logs one close of the two). */
  const dataMessages = t.messages.filter((m) => m.type === 'text' || m.type === 'binary').length;
  const data = (out: string) => jsonLines(out).filter((m) => m.type === 'text' || m.type === 'binary');

  it('text: one line per connection for people; ws and http lines carry [tls]', async () => {
    const tls = await run('tls', '-r', f.pcap, '--keylog', f.keys);
    expect(tls.out.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^#0 ${t.client} → ${t.server} localhost TLSv1\\.3 TLS_AES_128_GCM_SHA256 http/1\\.1 decrypted  c2s \\d+ records \\d+B  s2c \\d+ records \\d+B$`)),
    ]);
    const ws = (await run('ws', '-r', f.pcap, '--keylog', f.keys)).out.trim().split('\n');
    expect(ws.filter((l) => / \[tls\] (text|binary) /.test(l))).toHaveLength(dataMessages);
    expect(ws.filter((l) => / \[tls\] close 5B 1000 bye$/.test(l))).toHaveLength(2);
    for (const line of ws) expect(line).toContain(`${t.client} `);
    for (const line of ws) expect(line).toMatch(/:\d+ \[tls\] (text|binary|ping|pong|close) /);
    const http = (await run('http', '-r', f.pcap, '--keylog', f.keys)).out.trim().split('\n');
    expect(http).toEqual([expect.stringContaining(`${t.server} [tls] GET `), expect.stringContaining(`${t.server} [tls] HTTP/1.1 101 Switching Protocols`)]);
  });

  it('no keys: tls says no-key with the client random to look for; ws shows nothing and says why on stderr', async () => {
    const tls = jsonLines((await run('tls', '-r', f.pcap, '--format', 'jsonl')).out);
    expect(tls).toHaveLength(1);
    expect(tls[0]).toMatchObject({ decrypted: false, reason: 'no-key', clientRandom: t.client_random, version: 'TLSv1.3' });
    expect(tls[0]!.reasonText).toContain(t.client_random);
    expect(tls[0]!.c2s.plaintextBytes + tls[0]!.s2c.plaintextBytes).toBe(0);
    const text = (await run('tls', '-r', f.pcap)).out;
    expect(text).toContain('not decrypted (no-key): no key for this client random');
    const ws = await run('ws', '-r', f.pcap, '--format', 'jsonl');
    expect(ws.status).toBe(0);
    expect(ws.out).toBe('');
    expect(ws.err).toBe('netrx ws: 1 connection, 0 WebSocket messages; 1 TLS connection not decrypted (no-key: 1) — give --keylog FILE (or SSLKEYLOGFILE) to decrypt\n');
    expect((await run('http', '-r', f.pcap)).out).toBe('');
  });

  it('wrong keys: tls says key-mismatch; ws shows nothing from the connection', async () => {
    for (const g of fixtures().filter((x) => ['tls13-aes128gcm-deflate', 'tls12-ecdhe-rsa-aes128gcm', 'tls13-chacha20-deflate'].includes(x.name))) {
      const keys = wrongKeys(g);
      const tls = jsonLines((await run('tls', '-r', g.pcap, '--keylog', keys, '--format', 'jsonl')).out);
      expect(tls.map((l) => [l.decrypted, l.reason]), g.name).toEqual([[false, 'key-mismatch']]);
      expect(tls[0]!.warnings.map((w: { code: string }) => w.code)).toContain('WARN_TLS_RECORD_AUTH');
      const ws = await run('ws', '-r', g.pcap, '--keylog', keys, '--format', 'jsonl');
      expect(ws.out, g.name).toBe('');
      expect(ws.err).toContain('key-mismatch: 1');
    }
  });

  it('a --keylog file that does not exist is an error for a capture file', async () => {
    const r = await run('ws', '-r', f.pcap, '--keylog', join(dir, 'nope.keys'));
    expect(r.status).toBe(1);
    expect(r.err).toContain('--keylog');
    expect(r.err).toContain('nope.keys: no such file');
    expect(r.out).toBe('');
  });

  it('--keylog is repeatable: the secrets of every file are used', async () => {
    const g = fixtures().find((x) => x.name === 'tls13-resumed-withheld')!;
    const lines = readFileSync(g.keys, 'utf8').split('\n').filter(Boolean);
    const a = join(dir, 'half-a.keys');
    const b = join(dir, 'half-b.keys');
    writeFileSync(a, lines.filter((_, i) => i % 2 === 0).join('\n') + '\n');
    writeFileSync(b, lines.filter((_, i) => i % 2 === 1).join('\n') + '\n');
    const tls = jsonLines((await run('tls', '-r', g.pcap, '--keylog', a, '--keylog', b, '--format', 'jsonl')).out);
    expect(tls.map((l) => l.decrypted)).toEqual(g.truth.connections.map((c) => c.keys_in_keylog));
    const one = jsonLines((await run('tls', '-r', g.pcap, '--keylog', a, '--format', 'jsonl')).out);
    expect(one.every((l) => !l.decrypted)).toBe(true);
  });

  describe('SSLKEYLOGFILE', () => {
    const saved = process.env['SSLKEYLOGFILE'];
    afterEach(() => {
      if (saved === undefined) delete process.env['SSLKEYLOGFILE'];
      else process.env['SSLKEYLOGFILE'] = saved;
    });

    it('is used when no --keylog is given, and stderr says so', async () => {
      process.env['SSLKEYLOGFILE'] = f.keys;
      const r = await run('ws', '-r', f.pcap, '--format', 'jsonl');
      expect(r.err).toContain(`netrx: TLS keys from SSLKEYLOGFILE=${f.keys}`);
      expect(data(r.out)).toHaveLength(dataMessages);
    });

    it('gives way to --keylog; a missing one is noted for a capture file, and the run goes on', async () => {
      process.env['SSLKEYLOGFILE'] = join(dir, 'absent.keys');
      const given = await run('tls', '-r', f.pcap, '--keylog', f.keys, '--format', 'jsonl');
      expect(given.err).toBe('');
      expect(jsonLines(given.out)[0]).toMatchObject({ decrypted: true });
      const missing = await run('tls', '-r', f.pcap, '--format', 'jsonl');
      expect(missing.status).toBe(0);
      expect(missing.err).toContain('does not exist: no TLS keys from it');
      expect(jsonLines(missing.out)[0]).toMatchObject({ decrypted: false, reason: 'no-key' });
    });
  });

  it('a pcapng with the key log in a Decryption Secrets Block decrypts with no flag', async () => {
    const file = join(dir, 'dsb.pcapng');
    writeFileSync(file, await pcapngWithSecrets(f.pcap, readFileSync(f.keys, 'utf8')));
    const ws = await run('ws', '-r', file, '--format', 'jsonl');
    expect(ws.err).toBe('');
    expect(data(ws.out)).toHaveLength(dataMessages);
    expect(jsonLines((await run('tls', '-r', file, '--format', 'jsonl')).out)[0]).toMatchObject({ decrypted: true });
  });
});

noteIfCorpusMissing('netrx ws/tls on captures-tls');
const tlsCorpus = corpusDir ? join(corpusDir, 'captures-tls') : '';
const checker = corpusDir ? join(corpusDir, '../tools/ws-truth-check') : '';
const python = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!corpusDir || !existsSync(tlsCorpus) || !existsSync(checker) || !python)('netrx ws on captures-tls, scored by ws-truth-check', () => {
  const captures = existsSync(tlsCorpus) ? readdirSync(tlsCorpus).filter((n) => /\.(pcap|pcapng)$/.test(n)) : [];
  for (const name of captures) {
    const capture = join(tlsCorpus, name);
    // The DSB capture carries its keys; the others need their key log.
    const keyArgs = name.endsWith('.pcapng') ? [] : ['--keylog', `${capture}.keys`];
    it(`${name} ${keyArgs.length ? 'with --keylog' : 'with no flag (DSB)'}: every message, none wrong`, async () => {
      const { status, out } = await run('ws', '-r', capture, ...keyArgs, '--format', 'jsonl');
      expect(status).toBe(0);
      const mine = join(dir, basename(capture) + '.jsonl');
      writeFileSync(mine, out);
      const verdict = execFileSync(checker, [capture, mine], { encoding: 'utf8' });
      expect(verdict).toMatch(/matched (\d+)\/\1 wrong 0 missing 0 undecodable 0 unparsable-lines 0/);
      for (const m of jsonLines(out)) expect(m.tls).toMatchObject({ suite: expect.stringMatching(/^TLS_/) });
    });
    if (keyArgs.length) {
      it(`${name} without keys: no message at all, and tls says no-key`, async () => {
        const ws = await run('ws', '-r', capture, '--format', 'jsonl');
        expect(ws.out).toBe('');
        const tls = jsonLines((await run('tls', '-r', capture, '--format', 'jsonl')).out);
        expect(tls.length).toBeGreaterThan(0);
        for (const l of tls) expect(l).toMatchObject({ decrypted: false, reason: 'no-key' });
      });
    }
  }
});
