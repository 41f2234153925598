/**
 * The bench's `floor` stage: how fast `netrx ws --format jsonl` could be on this machine if it were
 * one fused loop — pcap records → Ethernet/IPv4 → TCP in order → WebSocket frames, unmasked →
 * the same JSON lines, with no object per packet, no operators, no plugins, no checks beyond
 * what the bench's plain capture needs. It is a measuring tool, not a second dissector: it
 * handles only what that capture holds and counts anything else, and its output must be
 * byte for byte what `netrx` writes (checked on every run), so the two times compare the same
 * work. The floor under the design (issue 13), as `bench:decipher` is the floor under wss://.
 * It writes with netrx's own byte writers (`ByteLines`) and loads the same modules, so what it
 * leaves out is the packet path: objects, operators, plugins, reassembly's and WebSocket's rules.
 *
 * @example
 * ```sh
 * npm run bench -- --variant plain --stage cli,floor,tshark --runs 3
 * ```
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { ipv4ToString } from '@netrx/core';
import { ByteLines } from '@netrx/pipeline';

/** What the loop saw; anything but `packets` and `messages` means the floor does not apply. */
export interface FloorCounts {
  packets: number;
  messages: number;
  /** Frames that are not Ethernet/IPv4/TCP, or are cut short. */
  notTcp: number;
  /** Segments after a hole (the loop reassembles in order only). */
  outOfOrder: number;
  /** WebSocket frames with RSV1 set (permessage-deflate, which the loop does not inflate). */
  compressed: number;
  /** Segments of a connection whose SYN was not captured. */
  midstream: number;
}

const OPCODES = ['', 'text', 'binary', '', '', '', '', '', 'close', 'ping', 'pong'];
const TYPE_PARTS = OPCODES.map((t) => Buffer.from(`${t}","length":`));
// Each part after the text, hex or reason closes its string; the connection's part closes the time's.
const FRAMES_PARTS = Array.from({ length: 64 }, (_, f) => Buffer.from(`","compressed":false,"frames":${f}}`));
const TEXT_PART = Buffer.from(',"text":"');
const HEX_PART = Buffer.from(',"hex":"');
const CODE_PART = Buffer.from('","code":');
const REASON_PART = Buffer.from(',"reason":"');

/** One direction: the next sequence number, bytes not yet parsed, and the message being assembled. */
class Direction {
  next = 0;
  head = true;
  pending = Buffer.allocUnsafe(0);
  n = 0;
  message: Buffer | undefined;
  messageLength = 0;
  messageType = 0;
  frames = 0;
  constructor(readonly prefix: Buffer) {}
}

class Connection {
  readonly c2s: Direction;
  readonly s2c: Direction;
  constructor(
    readonly client: number,
    readonly server: number,
    readonly clientPort: number,
    readonly serverPort: number,
    id: number,
    endpoints: { client: string; server: string },
  ) {
    const base = `","stream":${id},"client":"${endpoints.client}:${clientPort}","server":"${endpoints.server}:${serverPort}","dir":`;
    this.c2s = new Direction(Buffer.from(`${base}"c2s","type":"`));
    this.s2c = new Direction(Buffer.from(`${base}"s2c","type":"`));
  }
}

/** The JSON lines, written by netrx's own byte writers, handed to `write` about 1 MiB at a time. */
class Out extends ByteLines {
  protected buf = Buffer.allocUnsafe(1 << 20);

  constructor(private readonly write: (bytes: Uint8Array) => void) {
    super();
  }

  protected reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  endLine(): void {
    this.reserve(1);
    this.buf[this.pos++] = 0x0a;
  }

  /** Hands the lines over; `write` must be done with them when it returns (the buffer is reused). */
  flush(): void {
    if (this.pos > 0) this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}

/**
 * Runs the fused loop over a classic pcap file (little-endian, µs or ns), writing what
 * `netrx ws --format jsonl --workers 1` writes for the bench's plain captures. What it does not
 * handle it counts ({@link FloorCounts}) and passes over: its output is netrx's only when
 * {@link floorApplies}.
 */
export function fusedFloor(file: string, write: (bytes: Uint8Array) => void): FloorCounts {
  const counts: FloorCounts = { packets: 0, messages: 0, notTcp: 0, outOfOrder: 0, compressed: 0, midstream: 0 };
  const out = new Out(write);
  // By a hash of both endpoints (the same both ways), each bucket checked: no string per packet.
  const connections = new Map<number, Connection[]>();
  const find = (bucket: Connection[] | undefined, a: number, pa: number, b: number, pb: number): Connection | undefined => {
    if (bucket !== undefined) {
      for (const c of bucket) {
        if ((c.client === a && c.clientPort === pa && c.server === b && c.serverPort === pb) || (c.client === b && c.clientPort === pb && c.server === a && c.serverPort === pa)) return c;
      }
    }
    return undefined;
  };
  let ids = 0;
  let scratch = Buffer.allocUnsafe(1 << 16);
  let second = -1;
  let secondPart = Buffer.alloc(0);
  let sec = 0;
  let frac = 0;

  const fd = openSync(file, 'r');
  let chunk = Buffer.allocUnsafe(2 << 20);
  let have = 0;
  let pos = 24;
  let nanos = false;

  const emit = (d: Direction, type: number, p: Uint8Array, s: number, e: number, frames: number): void => {
    counts.messages++;
    if (sec !== second) {
      second = sec;
      secondPart = Buffer.from(`{"ts":"${sec}.`);
    }
    out.bytes(secondPart);
    out.digits(nanos ? frac : frac * 1000, 9);
    out.bytes(d.prefix);
    out.bytes(TYPE_PARTS[type]!);
    out.digits(e - s);
    const payload = p.subarray(s, e);
    if (type === 1) {
      isUtf8(payload); // netrx checks every text message; the bench's are valid
      out.bytes(TEXT_PART);
      out.jsonStringBody(payload);
    } else {
      out.bytes(HEX_PART);
      out.hex(payload);
      if (type === 8 && e - s >= 2) {
        out.bytes(CODE_PART);
        out.digits((p[s]! << 8) | p[s + 1]!);
        out.bytes(REASON_PART);
        out.jsonStringBody(p.subarray(s + 2, e));
      }
    }
    out.bytes(FRAMES_PARTS[frames] ?? Buffer.from(`","compressed":false,"frames":${frames}}`));
    out.endLine();
  };

  /** Parses the WebSocket frames at the start of `d.pending`, keeping what is left. */
  const parseFrames = (d: Direction): void => {
    const b = d.pending;
    const n = d.n;
    let i = 0;
    if (d.head) {
      // The HTTP handshake: skipped up to its blank line.
      let j = 3;
      while (j < n && !(b[j] === 10 && b[j - 1] === 13 && b[j - 2] === 10 && b[j - 3] === 13)) j++;
      if (j >= n) return;
      i = j + 1;
      d.head = false;
    }
    for (;;) {
      if (n - i < 2) break;
      const b0 = b[i]!;
      const b1 = b[i + 1]!;
      let len = b1 & 127;
      let h = 2;
      if (len === 126) {
        if (n - i < 4) break;
        len = (b[i + 2]! << 8) | b[i + 3]!;
        h = 4;
      } else if (len === 127) {
        if (n - i < 10) break;
        len = b.readUInt32BE(i + 2) * 2 ** 32 + b.readUInt32BE(i + 6);
        h = 10;
      }
      const masked = (b1 & 128) !== 0;
      const start = i + h + (masked ? 4 : 0);
      if (n - start < len) break;
      if ((b0 & 0x40) !== 0) counts.compressed++;
      let p: Uint8Array = b;
      let s = start;
      if (masked) {
        if (scratch.length < len) scratch = Buffer.allocUnsafe(len * 2);
        const m0 = b[start - 4]!;
        const m1 = b[start - 3]!;
        const m2 = b[start - 2]!;
        const m3 = b[start - 1]!;
        let k = 0;
        for (; k + 4 <= len; k += 4) {
          scratch[k] = b[start + k]! ^ m0;
          scratch[k + 1] = b[start + k + 1]! ^ m1;
          scratch[k + 2] = b[start + k + 2]! ^ m2;
          scratch[k + 3] = b[start + k + 3]! ^ m3;
        }
        for (; k < len; k++) scratch[k] = b[start + k]! ^ b[start - 4 + (k & 3)]!;
        p = scratch;
        s = 0;
      }
      const op = b0 & 15;
      const fin = (b0 & 128) !== 0;
      if (op >= 8 || (fin && op !== 0 && d.message === undefined)) emit(d, op, p, s, s + len, 1);
      else {
        if (op !== 0 || d.message === undefined) {
          d.message = Buffer.allocUnsafe(Math.max(2 * len, 256));
          d.messageLength = 0;
          d.messageType = op;
          d.frames = 0;
        }
        if (d.messageLength + len > d.message.length) {
          const grown = Buffer.allocUnsafe(2 * (d.messageLength + len));
          grown.set(d.message.subarray(0, d.messageLength));
          d.message = grown;
        }
        d.message.set(p.subarray(s, s + len), d.messageLength);
        d.messageLength += len;
        d.frames++;
        if (fin) {
          emit(d, d.messageType, d.message, 0, d.messageLength, d.frames);
          d.message = undefined;
        }
      }
      i = start + len;
    }
    if (i > 0) {
      b.copyWithin(0, i, n);
      d.n = n - i;
    }
  };

  const segment = (d: Direction, data: Buffer, s: number, e: number, seq: number): void => {
    if (seq !== d.next) {
      const behind = (d.next - seq) | 0;
      if (behind < 0) {
        counts.outOfOrder++;
        return;
      }
      s += behind; // a retransmission's bytes already seen
      if (s >= e) return;
    }
    const len = e - s;
    d.next = (d.next + len) >>> 0;
    if (d.n + len > d.pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * (d.n + len), 4096));
      grown.set(d.pending.subarray(0, d.n));
      d.pending = grown;
    }
    d.pending.set(data.subarray(s, e), d.n);
    d.n += len;
    parseFrames(d);
  };

  try {
    have = readSync(fd, chunk, 0, chunk.length, null);
    const magic = have >= 24 ? chunk.readUInt32LE(0) : 0;
    if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${file}: not a little-endian classic pcap`);
    nanos = magic === 0xa1b23c4d;
    for (;;) {
      if (have - pos < 16 || have - pos < 16 + chunk.readUInt32LE(pos + 8)) {
        const rest = have - pos;
        if (rest >= 16 && 16 + chunk.readUInt32LE(pos + 8) > chunk.length) {
          const grown = Buffer.allocUnsafe(2 * (16 + chunk.readUInt32LE(pos + 8)));
          chunk.copy(grown, 0, pos, have);
          chunk = grown;
        } else chunk.copyWithin(0, pos, have);
        const r = readSync(fd, chunk, rest, chunk.length - rest, null);
        have = rest + r;
        pos = 0;
        if (r === 0) break;
        continue;
      }
      counts.packets++;
      sec = chunk.readUInt32LE(pos);
      frac = chunk.readUInt32LE(pos + 4);
      const f = pos + 16;
      const end = f + chunk.readUInt32LE(pos + 8);
      pos = end;
      const ip = f + 14;
      if (end - f < 34 || chunk.readUInt16BE(f + 12) !== 0x0800 || chunk[ip + 9] !== 6) {
        counts.notTcp++;
        continue;
      }
      const ihl = (chunk[ip]! & 15) << 2;
      const ipEnd = ip + chunk.readUInt16BE(ip + 2);
      const t = ip + ihl;
      if (ipEnd > end || t + 20 > ipEnd) {
        counts.notTcp++;
        continue;
      }
      const src = chunk.readUInt32BE(ip + 12);
      const dst = chunk.readUInt32BE(ip + 16);
      const sport = chunk.readUInt16BE(t);
      const dport = chunk.readUInt16BE(t + 2);
      const seq = chunk.readUInt32BE(t + 4);
      const flags = chunk[t + 13]!;
      const key = (Math.imul(src ^ dst, 0x9e3779b1) ^ Math.imul(sport ^ dport, 0x85ebca6b)) >>> 0;
      const bucket = connections.get(key);
      const c = find(bucket, src, sport, dst, dport);
      if ((flags & 0x12) === 0x02) {
        // A SYN: a new connection (one that reuses the ports replaces the old one).
        const fresh = new Connection(src, dst, sport, dport, ids++, { client: ipv4ToString(chunk, ip + 12), server: ipv4ToString(chunk, ip + 16) });
        fresh.c2s.next = (seq + 1) >>> 0;
        const rest = (bucket ?? []).filter((x) => x !== c);
        connections.set(key, [...rest, fresh]);
        continue;
      }
      if (c === undefined) {
        counts.midstream++;
        continue;
      }
      const d = src === c.client && sport === c.clientPort ? c.c2s : c.s2c;
      if ((flags & 0x12) === 0x12) {
        d.next = (seq + 1) >>> 0;
        continue;
      }
      const payload = t + ((chunk[t + 12]! >> 4) << 2);
      if (ipEnd > payload) segment(d, chunk, payload, ipEnd, seq);
    }
  } finally {
    closeSync(fd);
  }
  out.flush();
  return counts;
}

/** Whether the loop met nothing it does not handle: only then is its output netrx's. */
export function floorApplies(c: FloorCounts): boolean {
  return c.notTcp === 0 && c.outOfOrder === 0 && c.compressed === 0 && c.midstream === 0;
}

// `node bench/dist/fused-floor.js FILE`: the lines on standard output (the bench's `floor` stage).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const counts = fusedFloor(process.argv[2]!, (b) => {
    for (let w = 0; w < b.length; ) w += writeSync(1, b, w);
  });
  if (!floorApplies(counts)) {
    console.error(`the fused loop does not handle this capture: ${JSON.stringify(counts)}`);
    process.exitCode = 1;
  }
}
