// netrx ws on captures that start midstream (issue 11's fixtures, recorded with real peers):
// partial messages are marked in every output, warnings are records of their own in every view
// (follow included), and the summary counts messages, never warnings.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './run-cli.js';

const fixtures = join(import.meta.dirname, '../../../dissector-websocket/src/__tests__/fixtures/midstream');
/** Compressed with context takeover, captured without the handshake: messages copy history not captured. */
const deflate = join(fixtures, 'deflate-k3.pcap.gz');
/** MQTT (not WebSocket) picked up without its SYN: unmasked "frames" that never confirm WebSocket. */
const mqtt = join(fixtures, 'lp-mqtt-nosyn.pcap.gz');

describe('netrx ws: partial messages', () => {
  it('marks them in JSON lines ("partial":true,"unknownBytes":N) and in text ([partial: N bytes unknown])', async () => {
    const { status, out } = await run('ws', '-r', deflate, '--format', 'jsonl', '--no-progress');
    expect(status).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const partial = lines.filter((l) => l.partial === true);
    expect(partial.length).toBeGreaterThan(0);
    for (const p of partial) {
      expect(p.unknownBytes).toEqual(expect.any(Number));
      expect(p.unknownBytes).toBeGreaterThan(0);
      expect(p.unknownBytes).toBeLessThanOrEqual(p.length as number);
    }
    // The raw line carries the two fields side by side, as the contract writes them.
    const first = partial[0]!;
    expect(out).toContain(`"partial":true,"unknownBytes":${first.unknownBytes as number}`);
    // Whole messages carry neither field.
    for (const l of lines.filter((l) => l.partial === undefined && l.type !== 'warning')) expect(l.unknownBytes).toBeUndefined();

    const text = (await run('ws', '-r', deflate, '--no-progress')).out.trim().split('\n');
    const marked = text.filter((l) => / \[partial: \d+ bytes unknown\]/.test(l));
    expect(marked).toHaveLength(partial.length);
    expect(marked[0]).toContain(` ${first.length as number}B [partial: ${first.unknownBytes as number} bytes unknown] [deflate]`);
    // Every line whose text has U+FFFD for unknown bytes says so.
    for (const l of text) if (l.includes('[deflate]') && l.includes('\ufffd')) expect(l).toMatch(/\[partial: \d+ bytes unknown\]/);
  });

  it('marks them in -z follow,ws,N too', async () => {
    const { status, out } = await run('ws', '-r', deflate, '-z', 'follow,ws,0', '--no-progress');
    expect(status).toBe(0);
    const jsonl = (await run('ws', '-r', deflate, '--format', 'jsonl', '--stream', '0', '--no-progress')).out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const partial = jsonl.filter((l) => l.partial === true);
    expect(partial.length).toBeGreaterThan(0);
    const heads = out.split('\n').filter((l) => / (text|binary) \d+B/.test(l));
    const marked = heads.filter((l) => / \d+B \[partial: \d+ bytes unknown\]/.test(l));
    expect(marked).toHaveLength(partial.length);
    expect(marked[0]).toContain(`${partial[0]!.length as number}B [partial: ${partial[0]!.unknownBytes as number} bytes unknown] [deflate]`);
  });
});

describe('netrx ws: warnings are records, not messages', () => {
  it('shows them in -z follow,ws,N, where they happen, and counts them at the end', async () => {
    const main = await run('ws', '-r', mqtt, '--no-progress');
    const warnings = main.out.trim().split('\n').filter((l) => / warning \[WARN_WS_/.test(l));
    expect(warnings.length).toBeGreaterThan(0);
    const { status, out } = await run('ws', '-r', mqtt, '-z', 'follow,ws,0', '--no-progress');
    expect(status).toBe(0);
    const lines = out.split('\n');
    expect(lines).toContain('Client: 127.0.0.1:53470');
    expect(lines).toContain('Server: 127.0.0.1:1883');
    const shown = lines.filter((l) => / warning \[WARN_WS_/.test(l));
    expect(shown).toHaveLength(warnings.length);
    expect(shown.some((l) => l.includes('[WARN_WS_UNCONFIRMED]'))).toBe(true);
    expect(out).toContain(`0 messages: 0 client to server, 0 server to client, ${warnings.length} warnings`);
  });

  it('counts no warning as a message: --stream N says the same as the whole run', async () => {
    const all = await run('ws', '-r', mqtt, '--no-progress');
    expect(all.err).toContain('netrx ws: 1 connection, 0 WebSocket messages\n');
    const one = await run('ws', '-r', mqtt, '--stream', '0', '--no-progress');
    // The warnings of connection 0 are shown; no message was made, so none is said to be hidden.
    expect(one.out).toBe(all.out);
    expect(one.err).toContain('netrx ws: 1 connection, 0 WebSocket messages\n');
    expect(one.err).not.toContain('none shown');
    // A selection that leaves out real messages still says so.
    const other = await run('ws', '-r', deflate, '--stream', '7', '--no-progress');
    expect(other.err).toMatch(/netrx ws: 1 connection, \d+ WebSocket messages, none shown: --stream 7 matched none/);
  });

  it('names the MQTT client the client: an unconfirmed unmasked chain settles no role', async () => {
    const { out } = await run('ws', '-r', mqtt, '--format', 'jsonl', '--no-progress');
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect([l.type, l.client, l.server]).toEqual(['warning', '127.0.0.1:53470', '127.0.0.1:1883']);
  });
});
