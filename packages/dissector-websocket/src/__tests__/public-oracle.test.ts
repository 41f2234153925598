// Conformance: the public WebSocket captures decode frame for frame as tshark's oracle
// (`public/oracle/<name>.ws.tsv`) says, except where the oracle is wrong by the RFC (said below).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEndpoint } from '@netrx/core';
import { corpusDir, noteIfCorpusMissing, publicManifest } from '../../../../test-support/corpus.js';
import { runCapture } from './pipeline.js';

noteIfCorpusMissing('dissector-websocket public oracle captures');

interface OracleFrame {
  frame: number;
  src: string;
  dst: string;
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  masked: boolean;
  maskKey: string;
  payloadLength: number;
  payloadHex: string;
  textHex: string;
  closeCode: string;
}

function readOracle(path: string): { frames: OracleFrame[]; decodeAs: string[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const cmd = lines[0]!;
  // tshark was told which non-standard ports carry HTTP; netrx finds HTTP by its heuristic.
  const decodeAs = [...cmd.matchAll(/-d (tcp\.port==\d+),websocket/g)].map((m) => `${m[1]},websocket`);
  const rows = lines.filter((l) => !l.startsWith('#'));
  const head = rows[0]!.split('\t');
  const col = (r: string[], name: string): string => r[head.indexOf(name)] ?? '';
  const frames = rows.slice(1).map((line) => {
    const r = line.split('\t');
    return {
      frame: Number(col(r, 'frame')),
      src: col(r, 'src'),
      dst: col(r, 'dst'),
      opcode: Number(col(r, 'opcode')),
      fin: col(r, 'fin') === '1',
      // tshark shows the three RSV bits as one field: 0x04 is RSV1.
      rsv1: (Number(col(r, 'rsv')) & 4) !== 0,
      masked: col(r, 'mask') === '1',
      maskKey: col(r, 'masking_key'),
      payloadLength: Number(col(r, 'payload_len')),
      payloadHex: col(r, 'payload_hex'),
      textHex: col(r, 'text_hex'),
      closeCode: col(r, 'close_code'),
    };
  });
  return { frames, decodeAs };
}

const cases = publicManifest().flatMap((row) =>
  row.oracles.filter((o) => o.endsWith('.ws.tsv')).map((o) => ({ capture: row.path, oracle: join(corpusDir!, 'public/oracle', o), name: o })),
);

describe.skipIf(!corpusDir)('public captures: frames as the tshark oracle says', () => {
  it('has WebSocket oracles to check', () => {
    expect(cases.length).toBeGreaterThan(5);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const oracle = readOracle(c.oracle);
      const { frames, messages } = await runCapture(c.capture, { frames: true, decodeAs: oracle.decodeAs });
      const ours = frames.map((f) => {
        const src = f.dir === 'c2s' ? f.connection.client : f.connection.server;
        const dst = f.dir === 'c2s' ? f.connection.server : f.connection.client;
        return {
          frame: f.lastFrame,
          src: formatEndpoint(src),
          dst: formatEndpoint(dst),
          opcode: f.opcode,
          fin: f.fin,
          rsv1: (f.rsv & 4) !== 0,
          masked: f.masked,
          maskKey: f.masked ? f.maskKey.toString(16).padStart(8, '0') : '',
          payloadLength: f.payloadLength,
          payloadHex: Buffer.from(f.payload).toString('hex'),
        };
      });
      const expected = oracle.frames.map(({ textHex: _t, closeCode: _c, ...rest }) => rest);
      expect(ours).toEqual(expected);
      // Where tshark shows a decompressed or reassembled text, our message says the same.
      for (const o of oracle.frames.filter((f) => f.textHex !== '' && f.fin)) {
        const m = messages.find((x) => x.lastFrame === o.frame && x.kind === 'text');
        expect(m && Buffer.from(m.payload).toString('hex'), `frame ${o.frame} text`).toBe(o.textHex);
      }
      if (c.name.startsWith('oversized-close-frame')) {
        // tshark shows the 258-byte close frame as any other; RFC 6455 §5.5 caps control frames at
        // 125 bytes, so it is a violation, which we report on the message.
        const close = messages.find((m) => m.kind === 'close')!;
        expect(close.warnings.map((w) => w.code)).toContain('WARN_WS_CONTROL_TOO_LONG');
      }
      if (c.name.startsWith('websocket-control-frag')) {
        // A ping between two fragments of a text message (§5.4): the message is whole, the ping apart.
        expect(messages.map((m) => [m.kind, m.frames])).toEqual([['ping', 1], ['text', 2], ['pong', 1]]);
      }
      for (const o of oracle.frames.filter((f) => f.closeCode !== '')) {
        const m = messages.find((x) => x.lastFrame === o.frame && x.kind === 'close');
        expect(m?.closeCode, `frame ${o.frame} close code`).toBe(Number(o.closeCode));
      }
    });
  }
});
