// Test helpers for the tunnel captures (packages/core/src/__tests__/fixtures/tunnels): their
// truth (what the ws peers logged, and the meta line naming each session's tunnel) and `netrx ws`
// on them, both reduced to one comparable list of messages per connection and direction.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { run } from './run-cli.js';

/** The committed fixtures' folder. */
export const fixtures = fileURLToPath(new URL('../../../core/src/__tests__/fixtures/tunnels/', import.meta.url));

/** One WebSocket session of a capture, from its truth's meta line. */
export interface Session {
  readonly tag: string;
  readonly client: string;
  readonly server: string;
  readonly tunnel: string | null;
  readonly decodeAs?: string | readonly string[];
}

/** One line a ws peer logged. */
export interface TruthRecord {
  readonly session: string;
  readonly side: 'client' | 'server';
  readonly event: string;
  readonly dir: 'c2s' | 's2c';
  readonly type: string;
  readonly sha256?: string;
  readonly code?: number;
  readonly reason?: string;
}

/** A capture's truth: its sessions and what the peers logged. */
export function truth(dir: string, name: string): { sessions: Session[]; records: TruthRecord[] } {
  const [meta, ...records] = readFileSync(`${dir}/${name}.truth.jsonl`, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  return { sessions: meta.sessions, records };
}

/** The decode-as rules the sessions need. */
export const rulesOf = (sessions: readonly Session[]): string[] => [
  ...new Set(sessions.flatMap((s) => (s.decodeAs === undefined ? [] : typeof s.decodeAs === 'string' ? [s.decodeAs] : s.decodeAs))),
];

/** The rules as command-line arguments. */
export const decodeAs = (rules: readonly string[]): string[] => rules.flatMap((r) => ['--decode-as', r]);

/** A connection by its endpoints and tunnel. */
export const key = (client: string, server: string, tunnel: string | null | undefined): string => `${client} > ${server} via ${tunnel ?? '-'}`;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A message as the tests compare it: type and payload hash, or a close's code and reason. */
const item = (type: string, hash: string | undefined, code?: number, reason?: string) => (type === 'close' ? `close ${code} ${reason}` : `${type} ${hash}`);

/** What each side received, per session and direction: what a dissector must reproduce. */
export function expected(dir: string, name: string): Map<string, string[]> {
  const { sessions, records } = truth(dir, name);
  const out = new Map<string, string[]>();
  for (const s of sessions) {
    for (const d of ['c2s', 's2c'] as const) {
      const got = records.filter((r) => r.session === s.tag && r.event === 'recv' && r.dir === d && ['text', 'binary', 'close'].includes(r.type));
      out.set(`${key(s.client, s.server, s.tunnel)} ${d}`, got.map((r) => item(r.type, r.sha256, r.code, r.reason)));
    }
  }
  return out;
}

/** `netrx ws -r DIR/NAME.pcap --format jsonl` with the rules, as the same lists. */
export async function wsMessages(dir: string, name: string, rules: readonly string[]): Promise<Map<string, string[]>> {
  const { status, out, err } = await run('ws', '-r', `${dir}/${name}.pcap`, '--format', 'jsonl', ...decodeAs(rules));
  expect(err).toBe('');
  expect(status).toBe(0);
  const got = new Map<string, string[]>();
  for (const line of out.trimEnd().split('\n')) {
    const m = JSON.parse(line);
    if (!['text', 'binary', 'close'].includes(m.type)) continue;
    expect(m.partial, line).toBeUndefined();
    expect(m.undecodable, line).toBeUndefined();
    const payload = m.text !== undefined ? Buffer.from(m.text, 'utf8') : Buffer.from(m.hex ?? '', 'hex');
    const k = `${key(m.client, m.server, m.tunnel)} ${m.dir}`;
    got.set(k, [...(got.get(k) ?? []), item(m.type, sha256(payload), m.code, m.reason)]);
  }
  return got;
}

/** Drops connections and directions without messages (both sides compare what there is). */
export const nonEmpty = (m: Map<string, string[]>): Map<string, string[]> => new Map([...m].filter(([, v]) => v.length > 0));
