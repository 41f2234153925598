import { copyBytes, type Diagnostic } from '@netrx/core';
import type { WebSocketFrameHeader } from './types.js';
import type { WebSocketCode } from './websocket-codes.js';
import { frameHeaderLength, isKnownOpcode, readFrameHeaderInto, type FramePlausibility } from './websocket-frame-header.js';
import { SECURITY_BITS_RESYNC } from './frame-evidence.js';
import { FrameResync, type FrameResyncFound } from './websocket-resync.js';
import { allocBytes, EMPTY_BYTES } from './bytes.js';
import type { MemoryDraw } from './connection-memory.js';
import { warning } from './websocket-validation.js';

/**
 * A parsed frame, as the parser hands it to its sink. The parser reuses one object for every frame
 * of its direction (no allocation per frame): it is valid only during the `onFrame` call, so a
 * sink copies the fields it keeps (spreading it is fine).
 */
export interface ParsedFrame extends WebSocketFrameHeader {
  /**
   * The unmasked payload. When `owned` is false it is a view into the caller's chunk, valid only
   * during the `onFrame` call: copy what you keep. Masked payloads are always unmasked into a new
   * buffer, so the chunk is never written to.
   */
  readonly payload: Uint8Array;
  readonly owned: boolean;
  /** Stream offset of the first header byte (bytes written plus gap bytes since the parser began). */
  readonly streamOffset: number;
  /** Tags given to `write` when the frame's first and last bytes arrived (timestamps, frame numbers). */
  readonly firstTs: bigint;
  readonly firstFrame: number;
  readonly lastTs: bigint;
  readonly lastFrame: number;
  /** Why the payload is incomplete (a gap inside it, over the cap), if it is; missing bytes read as 0. */
  readonly incomplete?: string;
  /** Set when `incomplete` because the memory budget refused the frame's buffer. */
  readonly refused?: boolean;
}

/** Where the parser delivers frames and findings. */
export interface FrameSink {
  onFrame(frame: ParsedFrame): void;
  /**
   * Sync was lost (a gap between frames, an impossible header); frames resume after `onResync`.
   * `ts` and `frame` tag the bytes where it was lost.
   */
  onLostSync(diagnostic: Diagnostic, ts: bigint, frame: number): void;
  /** Frames were found again after `skipped` bytes that could not be parsed. */
  onResync(skipped: number): void;
  /** The stream ended while frames were being searched for: `skipped` bytes were never parsed. */
  onUnparsed?(skipped: number): void;
  /** The frames found by a search are masked or not: the direction's role (RFC 6455 §5.1). */
  onMasking?(masked: boolean): void;
}

/** Options of {@link WebSocketFrameParser}. */
export interface FrameParserOptions extends FramePlausibility {
  /** Largest payload kept; bigger frames are skipped and reported `incomplete`. */
  readonly maxFramePayload: number;
  /**
   * Whether the first byte is known to start a frame (true after a captured handshake). When
   * false, the parser starts by searching for a run of frame headers.
   */
  readonly startInSync: boolean;
  /**
   * The stream's first byte is the first written (the SYN was seen): when not in sync, a frame
   * starts there or nowhere (no continuation first).
   */
  readonly atStreamStart?: boolean;
  /** Evidence a resynchronisation demands, in bits (default `SECURITY_BITS_RESYNC`). */
  readonly securityBits?: number;
  /**
   * Where a frame split across chunks draws the buffer it is gathered in (the memory budget); a
   * refused draw skips the frame's payload, reported `incomplete`.
   */
  readonly memory?: MemoryDraw;
}

type MutableParsedFrame = { -readonly [K in keyof ParsedFrame]: ParsedFrame[K] };

function newFrame(): MutableParsedFrame {
  return {
    fin: false,
    rsv: 0,
    opcode: 0,
    masked: false,
    maskKey: 0,
    payloadLength: 0,
    headerLength: 0,
    payload: EMPTY_BYTES,
    owned: false,
    streamOffset: 0,
    firstTs: 0n,
    firstFrame: 0,
    lastTs: 0n,
    lastFrame: 0,
    incomplete: undefined,
    refused: false,
  };
}

const enum State {
  HEADER,
  DATA,
  RESYNC,
}

/** Most bytes kept while searching for frames (whole chunks; the oldest are dropped beyond it). */
const RESYNC_BUFFER_CAP = 1 << 20;

/**
 * An I/O-free RFC 6455 frame parser for one direction of a connection, a state machine in the
 * manner of `ws`'s `Receiver` (`GET_INFO … GET_DATA`): `write(chunk)` loops while bytes suffice,
 * handing out views of the chunk where a frame lies wholly in it and copying only across chunks.
 *
 * Lengths are checked before anything is allocated: a 64-bit length over 2^53 is a protocol error,
 * and a payload over `maxFramePayload` is skipped, never buffered. After a gap, or when the first
 * byte is not known to start a frame, it scans for a run of plausible headers
 * ({@link findFrameRun}).
 *
 * @example
 * ```ts
 * const parser = new WebSocketFrameParser(
 *   { onFrame: (f) => console.log(f.opcode, f.payload), onLostSync() {}, onResync() {} },
 *   { maxFramePayload: 1 << 20, startInSync: true, allowRsv1: false },
 * );
 * parser.write(Uint8Array.of(0x81, 0x02, 0x68, 0x69), 0n, 1); // logs: 1 Uint8Array [104, 105]
 * ```
 */
export class WebSocketFrameParser {
  private state: State;
  /** Stream offset of the next byte written. */
  private offset = 0;

  // HEADER: bytes of a header split across chunks.
  private readonly headerBuf = new Uint8Array(14);
  private headerFill = 0;
  private headerStart = 0;
  private headerTs = 0n;
  private headerFrame = 0;

  // DATA: the frame at hand (its header read; the one object handed to every `onFrame`).
  private readonly cur: MutableParsedFrame = newFrame();
  private data: Uint8Array | undefined;
  private dataFill = 0;
  private skip = false;
  /** Bytes of {@link data} drawn on the memory budget. */
  private dataDrawn = 0;
  /** The memory budget refused the current frame's buffer. */
  private refused = false;

  // RESYNC: the search, where it began, bytes skipped before it (earlier searches), and copies
  // of the last chunks seen (with their stream offsets and tags).
  private search: FrameResync | undefined;
  private resyncSkipped = 0;
  private resyncOffset = 0;
  private kept: { bytes: Uint8Array; offset: number; ts: bigint; frame: number }[] = [];
  private keptBytes = 0;
  /** Whether this direction's frames are masked, once known (RFC 6455 §5.1: the client's are). */
  expectMask: boolean | undefined;
  /** Evidence a resynchronisation demands, in bits; the owner lowers it once the connection is known to be WebSocket. */
  securityBits: number;

  constructor(
    private readonly sink: FrameSink,
    private readonly options: FrameParserOptions,
  ) {
    this.state = options.startInSync ? State.HEADER : State.RESYNC;
    this.expectMask = options.expectMask;
    this.securityBits = options.securityBits ?? SECURITY_BITS_RESYNC;
  }

  /** Feeds in-order bytes; `ts` and `frame` tag the frames that start or end in them. */
  write(chunk: Uint8Array, ts: bigint, frame: number): void {
    if (this.state === State.RESYNC) {
      this.resync(chunk, ts, frame);
      return;
    }
    this.parse(chunk, ts, frame);
  }

  /** `length` bytes are missing from the stream here. */
  gap(length: number, ts: bigint, frame: number): void {
    if (this.state === State.DATA) {
      const h = this.cur;
      const remaining = h.payloadLength - this.dataFill;
      h.incomplete ??= `${Math.min(length, remaining)} bytes of the frame were not captured`;
      if (length < remaining) {
        // Missing bytes read as 0 in the frame's own buffer; the frame is reported incomplete.
        if (!this.skip) {
          if (this.data === undefined) this.allocData(h.payloadLength, true);
          else this.data.fill(0, this.dataFill, this.dataFill + length);
        }
        this.dataFill += length;
        this.offset += length;
        return;
      }
      // A buffer begun by `parse` was not zeroed: the missing end reads as 0.
      this.data?.fill(0, this.dataFill);
      this.dataFill = h.payloadLength;
      this.offset += remaining;
      this.finishFrame(ts, frame, undefined);
      length -= remaining;
      if (length === 0) return;
    }
    if (this.state === State.RESYNC) {
      // A gap while searching: the bytes searched so far are reported, not forgotten.
      const skipped = this.offset - this.resyncOffset + this.resyncSkipped;
      if (skipped > 0) this.sink.onUnparsed?.(skipped);
    }
    this.offset += length;
    this.loseSync(`${length} bytes were not captured where a frame header was due`, 'WARN_WS_GAP', ts, frame);
  }

  /**
   * The stream ended: a frame cut short is delivered, incomplete, so its message is not lost; a
   * search still running may believe a chain that ends exactly here, and otherwise reports the
   * bytes it never parsed.
   */
  end(ts: bigint, frame: number): void {
    if (this.state === State.RESYNC) {
      const found = this.search?.finish();
      if (found !== undefined) this.resume(found);
      if (this.state === State.RESYNC) {
        const skipped = this.offset - this.resyncOffset + this.resyncSkipped;
        this.search = undefined;
        this.dropKept();
        this.resyncSkipped = 0;
        if (skipped > 0) this.sink.onUnparsed?.(skipped);
        return;
      }
    }
    if (this.state !== State.DATA) return;
    const missing = this.cur.payloadLength - this.dataFill;
    this.cur.incomplete ??= `the connection ended ${missing} bytes before the end of the frame`;
    this.gap(missing, ts, frame);
  }

  private parse(chunk: Uint8Array, ts: bigint, frame: number): void {
    const base = this.offset;
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.state === State.HEADER) {
        const h = this.cur;
        let headerStart = base + pos;
        let firstTs = ts;
        let firstFrame = frame;
        if (this.headerFill === 0 && n - pos >= 2 && n - pos >= frameHeaderLength(chunk, pos)) {
          readFrameHeaderInto(chunk, pos, h);
          pos += h.headerLength;
        } else {
          // A header split across chunks: gather it in `headerBuf` (at most 14 bytes).
          if (this.headerFill === 0) {
            this.headerStart = headerStart;
            this.headerTs = ts;
            this.headerFrame = frame;
          }
          let whole = false;
          while (pos < n) {
            this.headerBuf[this.headerFill++] = chunk[pos++]!;
            if (this.headerFill >= 2 && this.headerFill === frameHeaderLength(this.headerBuf, 0)) {
              whole = true;
              break;
            }
          }
          if (!whole) break;
          readFrameHeaderInto(this.headerBuf, 0, h);
          headerStart = this.headerStart;
          firstTs = this.headerTs;
          firstFrame = this.headerFrame;
        }
        this.headerFill = 0;
        if (h.payloadLength < 0 || !isKnownOpcode(h.opcode)) {
          this.offset = base + pos;
          this.loseSync(
            h.payloadLength < 0
              ? `frame at stream offset ${headerStart} claims a 64-bit length over 2^53 (RFC 6455 §5.2)`
              : `frame at stream offset ${headerStart} has reserved opcode ${h.opcode} (RFC 6455 §5.2)`,
            'WARN_WS_BAD_HEADER',
            ts,
            frame,
          );
          this.resync(chunk.subarray(pos), ts, frame);
          return;
        }
        this.startFrame(headerStart, firstTs, firstFrame);
        if (h.payloadLength === 0) this.finishFrame(ts, frame, undefined);
        continue;
      }
      // DATA
      const h = this.cur;
      const want = h.payloadLength - this.dataFill;
      const take = Math.min(want, n - pos);
      if (this.skip) {
        this.dataFill += take;
        pos += take;
      } else if (this.data === undefined && take === want) {
        // The whole payload is in this chunk: a view, or a new unmasked buffer.
        const view = chunk.subarray(pos, pos + take);
        pos += take;
        this.dataFill = take;
        this.finishFrame(ts, frame, h.masked ? unmask(view, h.maskKey, 0) : view);
        continue;
      } else {
        // Split across chunks: copy into the frame's own buffer, allocated once its length was
        // checked; not zeroed (every byte is written, or zeroed by `gap`), and small ones pooled.
        if (this.data === undefined) this.allocData(h.payloadLength, false);
        const view = chunk.subarray(pos, pos + take);
        if (this.skip) {
          // The memory budget refused the frame's buffer (allocData): its bytes are passed over.
        } else if (h.masked) unmaskInto(view, this.data!, this.dataFill, h.maskKey);
        else this.data!.set(view, this.dataFill);
        this.dataFill += take;
        pos += take;
      }
      if (this.dataFill === h.payloadLength) this.finishFrame(ts, frame, undefined);
    }
    this.offset = base + n;
  }

  /** Starts the frame whose header was just read into {@link cur}. */
  private startFrame(headerStart: number, ts: bigint, frame: number): void {
    const h = this.cur;
    h.streamOffset = headerStart;
    h.firstTs = ts;
    h.firstFrame = frame;
    this.data = undefined;
    this.dataFill = 0;
    h.incomplete = undefined;
    this.refused = false;
    this.skip = h.payloadLength > this.options.maxFramePayload;
    if (this.skip) h.incomplete = `frame payload of ${h.payloadLength} bytes is over the ${this.options.maxFramePayload}-byte cap`;
    this.state = State.DATA;
  }

  /** Delivers the current frame. `view` is the payload when it lay wholly in one chunk. */
  private finishFrame(ts: bigint, frame: number, view: Uint8Array | undefined): void {
    const h = this.cur;
    let payload: Uint8Array;
    let owned = true;
    if (view !== undefined) {
      payload = view;
      owned = h.masked;
    } else if (this.skip) {
      payload = EMPTY_BYTES;
    } else {
      payload = this.data ?? (h.payloadLength === 0 ? EMPTY_BYTES : new Uint8Array(h.payloadLength));
    }
    h.payload = payload;
    h.owned = owned;
    h.lastTs = ts;
    h.lastFrame = frame;
    h.refused = this.refused;
    this.refused = false;
    this.data = undefined;
    this.releaseData();
    this.state = State.HEADER;
    this.sink.onFrame(h);
    // Let go of the payload: the object waits for the next frame.
    h.payload = EMPTY_BYTES;
  }

  /**
   * The buffer a frame split across chunks is gathered in, drawn on the memory budget first; when
   * refused, the frame's payload is skipped and the frame reported incomplete (its message
   * undecodable), never silently.
   */
  private allocData(length: number, zeroed: boolean): void {
    const m = this.options.memory;
    if (m !== undefined && !m.take(length)) {
      this.skip = true;
      this.refused = true;
      this.cur.incomplete = `the memory budget refused ${length} bytes to gather the frame`;
      return;
    }
    this.dataDrawn = m === undefined ? 0 : length;
    this.data = zeroed ? new Uint8Array(length) : allocBytes(length);
  }

  private releaseData(): void {
    if (this.dataDrawn > 0) this.options.memory?.release(this.dataDrawn);
    this.dataDrawn = 0;
  }

  /** This direction's frames are (not) masked: the other direction's search learned its role. */
  setExpectMask(masked: boolean): void {
    if (this.expectMask !== undefined) return;
    this.expectMask = masked;
    this.search?.restrict(masked);
  }

  private loseSync(message: string, code: WebSocketCode, ts: bigint, frame: number): void {
    this.resyncOffset = this.offset;
    this.data = undefined;
    this.releaseData();
    this.headerFill = 0;
    this.state = State.RESYNC;
    this.search = undefined;
    this.dropKept();
    this.resyncSkipped = 0;
    this.sink.onLostSync(warning(code, message, this.offset), ts, frame);
  }

  /**
   * Searches for frames ({@link FrameResync}), keeping copies of the last bytes seen so that the
   * frames found can be parsed from their first header; once found, parses from there.
   */
  private resync(chunk: Uint8Array, ts: bigint, frame: number): void {
    const search = (this.search ??= this.newSearch());
    if (chunk.length > 0) {
      const m = this.options.memory;
      if (m !== undefined && !m.take(chunk.length)) {
        // The memory budget refused: nothing is kept, as if the cap had dropped it; frames found
        // later start after it, and the bytes skipped are reported (onResync).
        this.dropKept();
      } else {
        this.kept.push({ bytes: copyBytes(chunk), offset: this.offset, ts, frame });
        this.keptBytes += chunk.length;
        // Long frames are skipped, not buffered: keep a bounded tail (whole chunks, oldest dropped).
        while (this.keptBytes - this.kept[0]!.bytes.length >= RESYNC_BUFFER_CAP) {
          const n = this.kept.shift()!.bytes.length;
          this.keptBytes -= n;
          m?.release(n);
        }
      }
    }
    this.offset += chunk.length;
    const found = search.push(chunk);
    if (found !== undefined) this.resume(found);
    else if (search.rejected) this.dropKept();
  }

  private newSearch(): FrameResync {
    const o = this.options;
    this.resyncOffset = this.offset;
    return new FrameResync({
      masked: this.expectMask,
      rsv1: o.allowRsv1,
      atStreamStart: this.offset === 0 && o.atStreamStart === true,
      securityBits: this.securityBits,
      maxPayload: o.maxFramePayload,
    });
  }

  /** Frames were found: parse the kept bytes from the first believed frame still kept. */
  private resume(found: FrameResyncFound): void {
    this.search = undefined;
    this.expectMask = found.masked;
    this.sink.onMasking?.(found.masked);
    const base = this.kept.length > 0 ? this.kept[0]!.offset : this.offset;
    let start = found.next + this.resyncOffset;
    for (const f of found.frames) {
      if (f + this.resyncOffset >= base) {
        start = f + this.resyncOffset;
        break;
      }
    }
    const skipped = start - this.resyncOffset + this.resyncSkipped;
    this.resyncSkipped = 0;
    this.sink.onResync(skipped);
    const kept = this.kept;
    this.dropKept();
    this.state = State.HEADER;
    const end = this.offset;
    this.offset = Math.min(start, end);
    for (const k of kept) {
      const to = k.offset + k.bytes.length;
      if (to <= start) continue;
      const from = Math.max(0, start - k.offset);
      if ((this.state as State) === State.RESYNC) {
        // Sync was lost again within what was kept: search the rest anew.
        this.resync(k.bytes.subarray(from), k.ts, k.frame);
        continue;
      }
      this.parse(k.bytes.subarray(from), k.ts, k.frame);
    }
    // Each parse or search of the kept bytes advanced the offset: it is where it was.
    this.offset = Math.max(this.offset, end);
  }

  private dropKept(): void {
    this.options.memory?.release(this.keptBytes);
    this.kept = [];
    this.keptBytes = 0;
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/** Payload size from which unmasking 32 bits at a time pays for its typed-array view. */
const WORD_UNMASK_MIN = 512;

/** XORs `src` with the masking key into a new buffer (RFC 6455 §5.3); `src` is not written. */
export function unmask(src: Uint8Array, maskKey: number, start: number): Uint8Array {
  const out = allocBytes(src.length);
  unmaskInto(src, out, 0, maskKey, start);
  return out;
}

/**
 * XORs `src` into `dst` at `at`; `phase` is the position in the key of `src[0]` (defaults to `at`).
 * `dst` is always a buffer of our own. Large payloads are copied first (native) and XORed 32 bits
 * at a time where `dst` is aligned; for small ones a typed-array view costs more than it saves.
 */
function unmaskInto(src: Uint8Array, dst: Uint8Array, at: number, maskKey: number, phase = at): void {
  const n = src.length;
  if (n < WORD_UNMASK_MIN) {
    // The key rotated so that its first byte applies to src[0]; then 4 bytes a round, no
    // per-byte key selection (twice as fast for chat-sized payloads).
    const r = (phase & 3) << 3;
    const k = r === 0 ? maskKey : ((maskKey << r) | (maskKey >>> (32 - r))) >>> 0;
    const k0 = k >>> 24;
    const k1 = (k >>> 16) & 0xff;
    const k2 = (k >>> 8) & 0xff;
    const k3 = k & 0xff;
    let i = 0;
    for (const end = n - 3; i < end; i += 4) {
      dst[at + i] = src[i]! ^ k0;
      dst[at + i + 1] = src[i + 1]! ^ k1;
      dst[at + i + 2] = src[i + 2]! ^ k2;
      dst[at + i + 3] = src[i + 3]! ^ k3;
    }
    if (i < n) dst[at + i] = src[i]! ^ k0;
    if (i + 1 < n) dst[at + i + 1] = src[i + 1]! ^ k1;
    if (i + 2 < n) dst[at + i + 2] = src[i + 2]! ^ k2;
    return;
  }
  const key = [maskKey >>> 24, (maskKey >>> 16) & 0xff, (maskKey >>> 8) & 0xff, maskKey & 0xff];
  dst.set(src, at);
  let i = 0;
  // Bytes until dst is 4-byte aligned.
  while (i < n && (dst.byteOffset + at + i) & 3) {
    dst[at + i]! ^= key[(phase + i) & 3]!;
    i++;
  }
  const words = (n - i) >>> 2;
  // The key rotated to this position, as a word in the host's byte order (typed arrays use it).
  const k = (phase + i) & 3;
  const b0 = key[k]!;
  const b1 = key[(k + 1) & 3]!;
  const b2 = key[(k + 2) & 3]!;
  const b3 = key[(k + 3) & 3]!;
  const word = LITTLE_ENDIAN ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
  const w = new Uint32Array(dst.buffer, dst.byteOffset + at + i, words);
  for (let j = 0; j < words; j++) w[j]! ^= word;
  i += words * 4;
  for (; i < n; i++) dst[at + i]! ^= key[(phase + i) & 3]!;
}
