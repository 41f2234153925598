// Conformance: every WebSocket message of the shared corpus captures equals what the receiving
// applications logged (`recv` records of X.truth.jsonl), per connection and direction, in order.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEndpoint } from '@netrx/core';
import { corpusCaptures, corpusDir, noteIfCorpusMissing, readJsonLines } from '../../../../test-support/corpus.js';
import { runCapture } from './pipeline.js';

noteIfCorpusMissing('dissector-websocket corpus captures');

interface TruthRecord {
  level: string;
  event?: string;
  type?: string;
  conn?: string;
  dir?: 'c2s' | 's2c';
  side?: 'client' | 'server';
  impl?: string;
  payload_sha256?: string;
  close_code?: number | null;
  close_reason?: string | null;
}

type Item = string;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * The truth per `conn|dir`: data and close messages, which every logger records, and separately
 * pings/pongs, which only ws (node) logs on receipt (browsers and Python websockets do not).
 */
function truthOf(path: string): { data: Map<string, Item[]>; control: Map<string, Item[]>; logsControl: Set<string> } {
  const data = new Map<string, Item[]>();
  const control = new Map<string, Item[]>();
  const logsControl = new Set<string>();
  const closeSeen = new Set<string>();
  const push = (m: Map<string, Item[]>, k: string, v: Item) => (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  for (const r of readJsonLines<TruthRecord>(path + '.truth.jsonl')) {
    if (r.level !== 'app' || !r.conn || !r.dir) continue;
    const key = `${r.conn}|${r.dir}`;
    const receiver = r.dir === 'c2s' ? 'server' : 'client';
    if (r.side === receiver && r.impl?.startsWith('ws-node')) logsControl.add(key);
    if (r.event === 'recv' && (r.type === 'text' || r.type === 'binary')) push(data, key, `${r.type} ${r.payload_sha256}`);
    else if (r.event === 'recv' && (r.type === 'ping' || r.type === 'pong')) push(control, key, `${r.type} ${r.payload_sha256}`);
    else if (r.event === 'close' && r.type === 'close' && r.close_code != null && !closeSeen.has(key)) {
      // Both peers log the close that travelled in `dir`: keep one.
      closeSeen.add(key);
      push(data, key, `close ${r.close_code} ${r.close_reason ?? ''}`);
    }
  }
  return { data, control, logsControl };
}

const skips: Record<string, { c2s?: number; s2c?: number }> = corpusDir
  ? JSON.parse(readFileSync(join(corpusDir, 'skip.json'), 'utf8'))
  : {};

describe.skipIf(!corpusDir)('corpus captures: messages equal the applications’ own log', () => {
  for (const capture of corpusCaptures()) {
    it(basename(capture), () => check(capture, []));
    // As tshark's -d: forced onto the server's port, the handshake (when captured) is still read.
    it(`${basename(capture)} with --decode-as tcp.port==PORT,websocket`, () => {
      const port = readJsonLines<TruthRecord & { server_port?: number }>(capture + '.truth.jsonl').find((r) => r.server_port)!.server_port;
      return check(capture, [`tcp.port==${port},websocket`]);
    });
  }
});

/** Runs a capture through the pipeline and compares every message with the truth. */
async function check(capture: string, decodeAs: string[]): Promise<void> {
  const { messages } = await runCapture(capture, { decodeAs });
  const truth = truthOf(capture);
  const oursData = new Map<string, Item[]>();
  const oursControl = new Map<string, Item[]>();
  for (const m of messages) {
    const key = `${formatEndpoint(m.connection.client)}>${formatEndpoint(m.connection.server)}|${m.dir}`;
    expect(m.undecodable, `${key}: ${m.kind} undecodable`).toBeUndefined();
    expect(m.warnings, `${key}: warnings on conformant traffic`).toEqual([]);
    const target = m.kind === 'ping' || m.kind === 'pong' ? oursControl : oursData;
    const item = m.kind === 'close' ? `close ${m.closeCode} ${m.closeReason ?? ''}` : `${m.kind} ${sha256(m.payload)}`;
    (target.get(key) ?? target.set(key, []).get(key)!).push(item);
  }
  const skip = skips[basename(capture)] ?? {};
  expect([...oursData.keys()].sort()).toEqual([...truth.data.keys()].sort());
  for (const [key, expected] of truth.data) {
    const dir = key.endsWith('c2s') ? 'c2s' : 's2c';
    // Messages sent before the capture began are not in the file and not owed (skip.json).
    expect(oursData.get(key), key).toEqual(expected.slice(skip[dir] ?? 0));
  }
  for (const key of truth.logsControl) {
    if (skip.c2s || skip.s2c) continue; // the log does not say which pings preceded the capture
    expect(oursControl.get(key) ?? [], `${key} pings/pongs`).toEqual(truth.control.get(key) ?? []);
  }
}
