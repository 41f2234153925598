// The record layer and the handshake reassembler as I/O-free state machines: the same records
// and messages whatever the chunking (split at every byte offset, byte by byte), lengths checked
// against the RFC maxima before anything is held, and nothing but TLS accepted.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '@netrx/core';
import { withPoisonedChunk } from '../../../../test-support/poison.js';
import { HandshakeReassembler } from '../handshake-parser.js';
import { MAX_TLS12_FRAGMENT, MAX_TLS13_FRAGMENT, TlsRecordParser } from '../record-parser.js';

type Rec = [type: number, version: number, hex: string, offset: number];

function record(type: number, version: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type;
  out[1] = version >> 8;
  out[2] = version & 0xff;
  out[3] = body.length >> 8;
  out[4] = body.length & 0xff;
  out.set(body, 5);
  return out;
}
const fill = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

function parse(chunks: Uint8Array[], setup?: (p: TlsRecordParser) => void): { records: Rec[]; errors: Diagnostic[]; parser: TlsRecordParser } {
  const records: Rec[] = [];
  const errors: Diagnostic[] = [];
  const parser = new TlsRecordParser({
    record: (t, v, f, o) => records.push([t, v, Buffer.from(f).toString('hex'), o]),
    error: (d) => errors.push(d),
  });
  setup?.(parser);
  // Each chunk is poisoned once write() returns: a record straddling chunks must have been copied.
  for (const c of chunks) withPoisonedChunk(c, (v) => parser.write(v));
  return { records, errors, parser };
}

describe('TlsRecordParser', () => {

  it('large records spanning chunks, in several parsers at once, each delivered whole (their buffers are reused afterwards)', () => {
    const sizes = [4096, 16384, 5000, 16384 + 256, 4095, 9000];
    const streams = [0, 1, 2].map((p) => cat(...sizes.map((n, i) => record(23, 0x0303, fill(n, p * 10 + i)))));
    const got: string[][] = [[], [], []];
    const kept: [view: Uint8Array, hex: string][] = [];
    const parsers = [0, 1, 2].map(
      (p) =>
        new TlsRecordParser({
          record: (_t, _v, f) => {
            got[p]!.push(Buffer.from(f).toString('hex'));
            kept.push([f, got[p]!.at(-1)!]);
          },
          error: (d) => {
            throw new Error(d.message);
          },
        }),
    );
    // Interleaved 1000-byte chunks, so every parser is inside a record while the others complete theirs.
    for (let at = 0; at < streams[0]!.length; at += 1000) for (let p = 0; p < 3; p++) withPoisonedChunk(streams[p]!.subarray(at, at + 1000), (v) => parsers[p]!.write(v));
    for (let p = 0; p < 3; p++) expect(got[p]).toEqual(sizes.map((n, i) => Buffer.from(fill(n, p * 10 + i)).toString('hex')));
    // This exercised the reuse: views kept past their call (which the parser never promised) were overwritten since.
    expect(kept.filter(([f, hex]) => Buffer.from(f).toString('hex') !== hex).length).toBeGreaterThan(0);
  });
  const stream = cat(
    record(22, 0x0301, fill(40, 1)),
    record(23, 0x0303, new Uint8Array(0)),
    record(23, 0x0303, fill(1, 2)),
    record(21, 0x0303, Uint8Array.of(1, 0)),
    record(23, 0x0303, fill(3000, 3)),
    record(20, 0x0303, Uint8Array.of(1)),
    record(23, 0x0303, fill(MAX_TLS12_FRAGMENT, 4)),
  );
  const whole = parse([stream]);

  it('reads several records of one chunk as views, with their stream offsets', () => {
    expect(whole.errors).toEqual([]);
    expect(whole.records.map(([t, v, h, o]) => [t, v, h.length / 2, o])).toEqual([
      [22, 0x0301, 40, 0],
      [23, 0x0303, 0, 45],
      [23, 0x0303, 1, 50],
      [21, 0x0303, 2, 56],
      [23, 0x0303, 3000, 63],
      [20, 0x0303, 1, 3068],
      [23, 0x0303, MAX_TLS12_FRAGMENT, 3074],
    ]);
    expect(whole.parser.offset).toBe(stream.length);
    expect(whole.parser.buffered).toBe(0);
  });

  it('gives the same records split at every byte offset, and byte by byte', () => {
    // Every offset of the records before the largest one, and some inside it.
    for (let cut = 1; cut < stream.length; cut += cut < 3200 ? 1 : 997) {
      expect(parse([stream.subarray(0, cut), stream.subarray(cut)]).records).toEqual(whole.records);
    }
    const bytes = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
    expect(parse(bytes).records).toEqual(whole.records);
  });

  it('reports records across chunks once complete, holding only what is incomplete', () => {
    const r = parse([stream.subarray(0, 70)]);
    expect(r.records).toHaveLength(4);
    expect(r.parser.buffered).toBe(7);
  });

  it('rejects a length over 2^14+2048 from the header alone, before holding its bytes', () => {
    const bad = Uint8Array.of(23, 3, 3, (MAX_TLS12_FRAGMENT + 1) >> 8, (MAX_TLS12_FRAGMENT + 1) & 0xff);
    for (const chunks of [[bad], [bad.subarray(0, 2), bad.subarray(2)]]) {
      const r = parse(chunks);
      expect(r.errors.map((e) => [e.code, e.offset])).toEqual([['ERR_TLS_RECORD_TOO_LONG', 0]]);
      expect(r.parser.stopped).toBe(true);
      expect(r.parser.buffered).toBe(0);
    }
  });

  it('holds TLS 1.3 records to 2^14+256 once the owner says so', () => {
    const rec = record(23, 0x0303, fill(MAX_TLS13_FRAGMENT + 1, 5));
    expect(parse([rec]).errors).toEqual([]);
    const r = parse([record(23, 0x0303, fill(10, 1)), rec], (p) => (p.maxFragment = MAX_TLS13_FRAGMENT));
    expect(r.records).toHaveLength(1);
    expect(r.errors.map((e) => [e.code, e.offset])).toEqual([['ERR_TLS_RECORD_TOO_LONG', 15]]);
  });

  it('stops at bytes that are not a record header, and ignores what follows', () => {
    for (const head of [[0x47, 0x45, 0x54, 0x20, 0x2f], [25, 3, 3, 0, 1], [23, 2, 0, 0, 1], [23, 3, 9, 0, 1]]) {
      const r = parse([cat(record(22, 0x0303, fill(4, 1)), Uint8Array.from(head), record(23, 0x0303, fill(4, 1)))]);
      expect(r.records).toHaveLength(1);
      expect(r.errors.map((e) => [e.code, e.offset])).toEqual([['ERR_TLS_RECORD_TYPE', 9]]);
    }
  });

  it('counts records without holding them in countOnly mode', () => {
    const chunks = [stream.subarray(0, 100), stream.subarray(100, 5000), stream.subarray(5000)];
    const r = parse(chunks, (p) => (p.countOnly = true));
    expect(r.records.map(([t, v, , o]) => [t, v, o])).toEqual(whole.records.map(([t, v, , o]) => [t, v, o]));
    // Records inside one chunk are still views; the split ones are skipped unread.
    expect(r.records[6]![2]).toBe('');
  });
});

describe('HandshakeReassembler', () => {
  const msg = (type: number, body: Uint8Array): Uint8Array => cat(Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body);
  const messages = cat(msg(1, fill(300, 1)), msg(11, fill(5000, 2)), msg(20, fill(32, 3)), msg(14, new Uint8Array(0)), msg(2, fill(90, 4)));
  const run = (fragments: Uint8Array[], maxBody?: number): [number, string | undefined][] => {
    const out: [number, string | undefined][] = [];
    const r = new HandshakeReassembler((t, b) => out.push([t, b && Buffer.from(b).toString('hex')]), new Set([1, 2, 20]), maxBody);
    // Each fragment is poisoned once write() returns: a message split across records must have been copied.
    for (const f of fragments) withPoisonedChunk(f, (v) => r.write(v));
    return out;
  };
  const expected = run([messages]);

  it('delivers kept bodies and skips the others', () => {
    expect(expected.map(([t, b]) => [t, b?.length])).toEqual([
      [1, 600],
      [11, undefined],
      [20, 64],
      [14, undefined],
      [2, 180],
    ]);
  });

  it('joins messages across records whatever the record boundaries', () => {
    for (let cut = 1; cut < messages.length; cut += 7) {
      for (const second of [cut + 1, cut + 300, messages.length]) {
        expect(run([messages.subarray(0, cut), messages.subarray(cut, second), messages.subarray(second)])).toEqual(expected);
      }
    }
    expect(run(Array.from(messages, (_, i) => messages.subarray(i, i + 1)))).toEqual(expected);
  });

  it('delivers a kept message over the cap without its body', () => {
    expect(run([messages], 100).map(([t, b]) => [t, b?.length])).toEqual([
      [1, undefined],
      [11, undefined],
      [20, 64],
      [14, undefined],
      [2, 180],
    ]);
  });
});
