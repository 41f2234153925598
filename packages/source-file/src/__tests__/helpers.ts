// Shared by this package's tests: feed a reader in chunks, and build pcapng blocks by hand.
import type { CapturedFrame } from '@netrx/core';
import { withPoisonedChunk } from '../../../../test-support/poison.js';
import type { CaptureProblem } from '../capture-problem.js';
import type { CaptureReader, FrameSink } from '../framed-reader.js';

/** A frame with its bytes copied into a plain array, so frames from different runs compare equal. */
export interface PlainFrame extends Omit<CapturedFrame, 'data'> {
  readonly data: number[];
}

export function plain(f: CapturedFrame): PlainFrame {
  return { ...f, data: Array.from(f.data) };
}

/** Feeds `bytes` to a new reader in chunks of the given sizes (cycled), then ends it. */
export function readAll(
  make: (sink: FrameSink) => CaptureReader,
  bytes: Uint8Array,
  sizes: readonly number[] = [bytes.length || 1],
): { frames: PlainFrame[]; problem: CaptureProblem | undefined; reader: CaptureReader } {
  const frames: PlainFrame[] = [];
  const reader = make((f) => frames.push(plain(f)));
  let problem: CaptureProblem | undefined;
  for (let o = 0, i = 0; o < bytes.length && !problem; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    // Each chunk is a copy in a buffer of its own, poisoned once write() returns, as a stream that
    // reuses its read buffer would: the frames (copied by the sink) came out during the call, and
    // a record straddling chunks must have been copied, not kept as a view.
    problem = withPoisonedChunk(bytes.subarray(o, o + n), (chunk) => reader.write(chunk));
    o += n;
  }
  problem ??= reader.end();
  return { frames, problem, reader };
}

/** One pcapng block: type, body (padded to 4), total length at both ends. */
export function ngBlock(type: number, body: Uint8Array, le = true, opts: { trailer?: number; length?: number } = {}): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const length = opts.length ?? 12 + padded;
  const out = new Uint8Array(12 + padded);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, length, le);
  out.set(body, 8);
  v.setUint32(8 + padded, opts.trailer ?? length, le);
  return out;
}

/** Options: [code, value bytes][], ended by opt_endofopt. */
export function ngOptions(options: [number, Uint8Array][], le = true): Uint8Array {
  const parts: number[] = [];
  for (const [code, value] of options) {
    const h = new DataView(new ArrayBuffer(4));
    h.setUint16(0, code, le);
    h.setUint16(2, value.length, le);
    parts.push(...new Uint8Array(h.buffer), ...value, ...new Array((4 - (value.length % 4)) % 4).fill(0));
  }
  parts.push(0, 0, 0, 0);
  return Uint8Array.from(parts);
}

function fields(spec: [number, 2 | 4 | 8][], le: boolean): Uint8Array {
  const n = spec.reduce((a, [, w]) => a + w, 0);
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  let o = 0;
  for (const [value, width] of spec) {
    if (width === 2) v.setUint16(o, value, le);
    else if (width === 4) v.setUint32(o, value, le);
    else v.setBigUint64(o, BigInt(value), le);
    o += width;
  }
  return out;
}

function join(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

export function shb(le = true, major = 1, minor = 0): Uint8Array {
  return ngBlock(0x0a0d0d0a, join(fields([[0x1a2b3c4d, 4], [major, 2], [minor, 2]], le), new Uint8Array(8).fill(0xff)), le);
}

/** An IDB; `tsresol`/`tsoffset` become options when given. */
export function idb(linkType: number, le = true, o: { snaplen?: number; tsresol?: number; tsoffset?: bigint } = {}): Uint8Array {
  const opts: [number, Uint8Array][] = [];
  if (o.tsresol !== undefined) opts.push([9, Uint8Array.of(o.tsresol)]);
  if (o.tsoffset !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, o.tsoffset, le);
    opts.push([14, b]);
  }
  return ngBlock(1, join(fields([[linkType, 2], [0, 2], [o.snaplen ?? 0, 4]], le), opts.length ? ngOptions(opts, le) : new Uint8Array(0)), le);
}

/** An EPB with a 64-bit timestamp in the interface's units. */
export function epb(iface: number, units: bigint, data: Uint8Array, le = true, length = data.length): Uint8Array {
  return ngBlock(6, join(fields([[iface, 4], [Number(units >> 32n), 4], [Number(units & 0xffffffffn), 4], [data.length, 4], [length, 4]], le), data), le);
}

/** A Simple Packet Block (original length, then the data). */
export function spb(data: Uint8Array, length = data.length, le = true): Uint8Array {
  return ngBlock(3, join(fields([[length, 4]], le), data), le);
}

/** An obsolete Packet Block (interface id and drops are 16-bit). */
export function pb(iface: number, units: bigint, data: Uint8Array, le = true): Uint8Array {
  return ngBlock(2, join(fields([[iface, 2], [0, 2], [Number(units >> 32n), 4], [Number(units & 0xffffffffn), 4], [data.length, 4], [data.length, 4]], le), data), le);
}

export { join as concatBytes };
