import { concatBytes, copyBytes, type Diagnostic } from '@netrx/core';
import { latin1, parseHead, parseHeaderLines, splitLines, type HttpHead } from './http-head.js';
import { httpDiagnostic, type HttpCode } from './http-codes.js';
import { headerListValues } from './http-header-list.js';
import { probeStartLine } from './http-start-line.js';
import type { HttpHeader } from './types.js';

/** Caps that bound what one direction's parser buffers. */
export interface HttpParserLimits {
  /** Most bytes of a head (start line, headers, blank line); more is `ERR_HTTP_HEAD_TOO_LARGE`. */
  readonly maxHeadBytes: number;
  /** Most header lines in a head; more is `ERR_HTTP_TOO_MANY_HEADERS`. */
  readonly maxHeaders: number;
  /** Most body bytes kept per message; the rest is counted in `bodyLength` but not kept. */
  readonly maxBodyBytes: number;
}

/** The defaults: 64 KiB heads (node's http is 16 KiB), 256 headers, 1 MiB kept per body. */
export const DEFAULT_HTTP_LIMITS: HttpParserLimits = { maxHeadBytes: 64 * 1024, maxHeaders: 256, maxBodyBytes: 1024 * 1024 };

/** A complete message as the parser delivers it, before it knows its connection or times. */
export interface ParsedHttpMessage {
  readonly head: HttpHead;
  /** The head exactly as received, up to and including the blank line (a copy). */
  readonly rawHead: Uint8Array;
  /** The body, de-chunked, at most `maxBodyBytes` (a copy), up to the first missing byte. */
  readonly body: Uint8Array;
  /** Body length on the wire after de-chunking, counting bytes not kept or never captured. */
  readonly bodyLength: number;
  readonly trailers: readonly HttpHeader[];
  /** Stream offset of the first byte of the start line. */
  readonly streamOffset: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** Where a parser delivers what it finds; called synchronously from `write`, `gap` and `finish`. */
export interface HttpParserSink {
  /** The first byte of a message's start line was seen at this stream offset. */
  begin(streamOffset: number): void;
  /** A message is complete. Return true to pause the parser right after it (see {@link HttpMessageParser.resume}). */
  message(msg: ParsedHttpMessage): boolean;
  /** The stream cannot be parsed any further (fatal): the parser stops. */
  error(diagnostic: Diagnostic): void;
  /**
   * Response parsers only: the method of the request the next response answers (requests and
   * responses pair first-in first-out), or undefined when it was not seen. Decides HEAD and
   * CONNECT framing (RFC 9112 §6.3).
   */
  requestMethod?(): string | undefined;
  /** Response parsers only: the HTTP version of that request; `HTTP/0.9` means a response with no head. */
  requestVersion?(): string | undefined;
}

const enum State {
  /** Between messages: skipping empty lines before a start line. */
  Start,
  Head,
  /** Body of known length. */
  Body,
  ChunkSize,
  ChunkData,
  /** The CRLF after a chunk's data. */
  ChunkEnd,
  Trailers,
  /** Response body delimited by the connection's close. */
  UntilClose,
  /** Stopped by the sink after a message (an upgrade or CONNECT waiting for its answer). */
  Paused,
  /** Lost the framing (midstream start, gap): looking for a start line at a line start. */
  Resync,
  /** After a 101, a tunnel, or a fatal error: bytes are not HTTP any more. */
  Done,
}

const LF = 0x0a;
const CR = 0x0d;
/** Most bytes of a chunk-size line (hex size plus extensions), and of a line inspected while resynchronising. */
const MAX_LINE = 4096;
/** Hex digits of a chunk size: 13 digits exceed 2^52, beyond any real chunk and exact as a double. */
const MAX_CHUNK_HEX = 13;


/**
 * An HTTP/1.x message parser for one direction of a reassembled byte stream: an I/O-free state
 * machine fed with {@link write}, {@link gap} and {@link finish}. It frames bodies as RFC 9112 §6.3
 * says: no body for responses to HEAD, 1xx, 204 and 304; chunked (with trailers) when
 * Transfer-Encoding ends in `chunked`; Content-Length; otherwise nothing for requests and
 * until-close for responses. Keep-alive and pipelining follow from parsing messages back to back.
 *
 * Malformed input never throws: it becomes a fatal diagnostic through `sink.error` (for a stream
 * that was in step from its first byte) or, for a stream picked up midstream or after a gap, a
 * search for the next start line.
 *
 * @example
 * ```ts
 * const seen: string[] = [];
 * const parser = new HttpMessageParser('request', {
 *   begin() {},
 *   message(m) { if (m.head.kind === 'request') seen.push(m.head.target); return false; },
 *   error(d) { throw new Error(d.message); },
 * });
 * parser.write(new TextEncoder().encode('GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n'));
 * // seen: ['/a', '/b']
 * ```
 */
export class HttpMessageParser {
  private state: State;
  /** Stream offset of the next byte (gaps count). */
  private offset = 0;
  /** While true, a parse error sends the parser back to {@link State.Resync} instead of stopping it. */
  private recovering: boolean;
  private skipped = 0;

  // The message being parsed.
  private msgOffset = 0;
  private headParts: Uint8Array[] = [];
  private headLength = 0;
  /** Length of the current head line so far, CRs not counted: 0 at a line start. */
  private lineLength = 0;
  /** Whether the head's first line has ended (an HTTP/0.9 request is that line alone). */
  private startLineDone = false;
  private head: HttpHead | undefined;
  private rawHead: Uint8Array = new Uint8Array(0);
  private diagnostics: Diagnostic[] = [];
  private bodyParts: Uint8Array[] = [];
  /** The kept body when its length was known in advance (Content-Length). */
  private bodyBuf: Uint8Array | undefined;
  private bodyKept = 0;
  private bodyLength = 0;
  /** False once a gap hit the body: bytes after a hole are counted, not kept. */
  private keepBody = true;
  private remaining = 0;
  private lineParts: Uint8Array[] = [];
  private lineBytes = 0;
  private trailerParts: Uint8Array[] = [];
  private trailerBytes = 0;

  constructor(
    /** What this direction carries: requests (client to server) or responses. */
    readonly kind: 'request' | 'response',
    private readonly sink: HttpParserSink,
    private readonly limits: HttpParserLimits = DEFAULT_HTTP_LIMITS,
    options: { midstream?: boolean } = {},
  ) {
    this.recovering = options.midstream ?? false;
    this.state = this.recovering ? State.Resync : State.Start;
  }

  /** Stream offset of the next byte this parser expects. */
  get streamOffset(): number {
    return this.offset;
  }

  /** Whether the parser has stopped for good (after an upgrade, a tunnel or a fatal error). */
  get done(): boolean {
    return this.state === State.Done;
  }

  /** Whether the parser was paused by its sink. */
  get paused(): boolean {
    return this.state === State.Paused;
  }

  /** Whether the parser is between messages, nothing of the next one seen (empty lines aside). */
  get idle(): boolean {
    return this.state === State.Start;
  }

  /** Whether the parser has lost the framing and is looking for the next start line. */
  get resyncing(): boolean {
    return this.state === State.Resync;
  }

  /**
   * Parses the next in-order bytes. `chunk` is only read during the call; what is kept is copied.
   * Returns how many bytes were consumed: all of them, unless the sink paused the parser or it
   * stopped (the rest then belongs to whoever takes the connection over).
   */
  write(chunk: Uint8Array): number {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Paused:
        case State.Done:
          return i;
        case State.Start: {
          // RFC 1945 §6: an HTTP/0.9 response is the body alone, up to the close.
          if (this.kind === 'response' && this.sink.requestVersion?.() === 'HTTP/0.9') {
            this.beginMessage();
            this.head = { kind: 'response', version: 'HTTP/0.9', status: 0, reason: '', headers: [] };
            this.rawHead = new Uint8Array(0);
            this.state = State.UntilClose;
            break;
          }
          const b = chunk[i]!;
          // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request-line.
          if (b === CR || b === LF) {
            i++;
            this.offset++;
            break;
          }
          this.beginMessage();
          break;
        }
        case State.Head:
          i = this.readHead(chunk, i);
          break;
        case State.Body:
        case State.ChunkData: {
          const take = Math.min(this.remaining, n - i);
          this.takeBody(chunk, i, take);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === State.Body) this.complete();
            else this.state = State.ChunkEnd;
          }
          break;
        }
        case State.UntilClose:
          this.takeBody(chunk, i, n - i);
          i = n;
          break;
        case State.ChunkSize:
        case State.ChunkEnd:
        case State.Trailers:
        case State.Resync: {
          const end = this.readLine(chunk, i);
          if (end < 0) return n;
          i = end;
          this.onLine();
          break;
        }
      }
    }
    return i;
  }

  /**
   * `length` bytes of the stream were never captured. Inside a body of known length the parser
   * counts them and goes on (the message is marked `WARN_HTTP_BODY_GAP`); anywhere else it has
   * lost the framing and looks for the next start line.
   */
  gap(length: number): void {
    if (length <= 0 || this.state === State.Done) return;
    this.offset += length;
    const inBody = this.state === State.Body || this.state === State.ChunkData || this.state === State.UntilClose;
    if (inBody) {
      this.note('WARN_HTTP_BODY_GAP', `${length} body bytes were not captured`, this.offset - length);
      this.keepBody = false;
      if (this.state === State.UntilClose || length < this.remaining) {
        this.bodyLength += length;
        this.remaining -= this.state === State.UntilClose ? 0 : length;
        return;
      }
      if (length === this.remaining) {
        this.bodyLength += length;
        this.remaining = 0;
        if (this.state === State.Body) this.complete();
        else this.state = State.ChunkEnd;
        return;
      }
      // The hole runs past the end of the body: deliver what there was, then search.
      this.bodyLength += this.remaining;
      this.note('WARN_HTTP_INCOMPLETE', 'the message ends inside missing bytes', this.offset - length);
      this.complete();
    } else if (this.state !== State.Start && this.state !== State.Resync && this.state !== State.Paused) {
      // A head, chunk framing or trailers lost part of itself: that message is gone.
      this.skipped += this.headLength + this.lineBytes;
    }
    const now = this.state as State; // complete() above may have moved it
    if (now === State.Paused || now === State.Done) return;
    this.enterResync();
  }

  /**
   * The stream ended. A body delimited by the close is complete now; a message cut short is
   * delivered with `WARN_HTTP_INCOMPLETE` if its head was complete.
   */
  finish(): void {
    if (this.state === State.UntilClose) {
      this.complete();
    } else if (this.head && (this.state === State.Body || this.state === State.ChunkSize || this.state === State.ChunkData || this.state === State.ChunkEnd || this.state === State.Trailers)) {
      this.note('WARN_HTTP_INCOMPLETE', 'the stream ended before the message did', this.offset);
      this.complete();
    }
    if (this.state !== State.Paused) this.state = State.Done;
  }

  /** Continues after the sink paused the parser (an upgrade or CONNECT was refused). */
  resume(): void {
    if (this.state === State.Paused) this.state = State.Start;
  }

  /** Stops the parser for good: the bytes that follow are not HTTP. */
  stop(): void {
    this.state = State.Done;
  }

  // ---- head ------------------------------------------------------------------------------

  private beginMessage(): void {
    this.msgOffset = this.offset;
    this.head = undefined;
    this.headParts = [];
    this.headLength = 0;
    this.lineLength = 0;
    this.startLineDone = false;
    this.bodyParts = [];
    this.bodyBuf = undefined;
    this.bodyKept = 0;
    this.bodyLength = 0;
    this.keepBody = true;
    this.trailerParts = [];
    this.trailerBytes = 0;
    if (this.skipped > 0) {
      this.diagnostics.push(httpDiagnostic('WARN_HTTP_RESYNC', `${this.skipped} bytes before this message were skipped to find its start line`, this.offset));
      this.skipped = 0;
    }
    this.state = State.Head;
    this.sink.begin(this.offset);
  }

  /** Scans for the blank line that ends the head; returns where scanning stopped. */
  private readHead(chunk: Uint8Array, from: number): number {
    let i = from;
    let line = this.lineLength;
    let end = -1;
    const limit = Math.min(chunk.length, from + this.limits.maxHeadBytes - this.headLength);
    // Jump from LF to LF (a native search); a line holding nothing but an optional CR ends the head.
    while (i < limit) {
      const lf = chunk.indexOf(LF, i);
      const stop = lf < 0 || lf >= limit ? limit : lf;
      line += stop - i;
      if (stop > i && chunk[stop - 1] === CR) line--;
      if (stop === limit) {
        i = limit;
        break;
      }
      if (line === 0) {
        end = lf + 1;
        break;
      }
      if (!this.startLineDone) {
        this.startLineDone = true;
        if (this.kind === 'request' && this.simpleRequest(chunk, from, lf)) {
          end = lf + 1;
          break;
        }
      }
      line = 0;
      i = lf + 1;
    }
    this.lineLength = line;
    const stop = end >= 0 ? end : i;
    const part = copyBytes(chunk.subarray(from, stop));
    this.headParts.push(part);
    this.headLength += part.length;
    this.offset += part.length;
    if (end < 0) {
      if (this.headLength >= this.limits.maxHeadBytes) {
        this.fail(httpDiagnostic('ERR_HTTP_HEAD_TOO_LARGE', `a message head is longer than the cap of ${this.limits.maxHeadBytes} bytes`, this.msgOffset));
      }
      return stop;
    }
    this.rawHead = concatBytes(this.headParts, this.headLength);
    this.headParts = [];
    if (this.head) {
      // An HTTP/0.9 request: the line is the whole message.
      this.complete();
      return stop;
    }
    const parsed = parseHead(this.rawHead, this.kind, this.msgOffset, this.limits.maxHeaders);
    if ('error' in parsed) {
      this.fail(parsed.error);
      return stop;
    }
    this.head = parsed.head;
    this.diagnostics.push(...parsed.warnings);
    this.frameBody(parsed.head);
    return stop;
  }

  /**
   * Whether the start line ending at `lf` is an HTTP/0.9 Simple-Request, `GET SP Request-URI CRLF`
   * (RFC 1945 §4.1): no version, no headers. Sets the head if so. An HTTP/1.x request line ends
   * in `.<digit>`, which settles most lines without decoding them.
   */
  private simpleRequest(chunk: Uint8Array, from: number, lf: number): boolean {
    const e = lf > from && chunk[lf - 1] === CR ? lf - 1 : lf;
    const d = chunk[e - 1];
    if (e - 2 >= from && d !== undefined && d >= 0x30 && d <= 0x39 && chunk[e - 2] === 0x2e) return false;
    // The CR may have come at the end of an earlier chunk: trim it from the text.
    const text = latin1(concatBytes([...this.headParts, chunk.subarray(from, e)], this.headLength + e - from));
    const m = /^GET ([^ \r]+)\r?$/.exec(text);
    if (!m) return false;
    this.head = { kind: 'request', method: 'GET', target: m[1]!, version: 'HTTP/0.9', headers: [] };
    return true;
  }

  /** Decides how the body is delimited (RFC 9112 §6.3), in the order the RFC lists. */
  private frameBody(head: HttpHead): void {
    if (head.kind === 'response') {
      const method = this.sink.requestMethod?.();
      const s = head.status;
      // §6.3 rule 1: no body for HEAD, 1xx, 204, 304.
      if (method === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return this.complete();
      // §6.3 rule 2: a 2xx to CONNECT turns the connection into a tunnel.
      if (method === 'CONNECT' && s >= 200 && s < 300) return this.complete();
    }
    const te = headerListValues(head.headers, 'transfer-encoding');
    const cl = headerListValues(head.headers, 'content-length');
    if (te.length > 0) {
      if (cl.length > 0) this.note('WARN_HTTP_TE_AND_CL', 'Transfer-Encoding and Content-Length together: Transfer-Encoding wins (RFC 9112 §6.3)', this.msgOffset);
      if (te[te.length - 1] === 'chunked') {
        this.state = State.ChunkSize;
        this.lineParts = [];
        this.lineBytes = 0;
        return;
      }
      // §6.3 rule 4: a response is read until close; a request cannot be framed.
      if (head.kind === 'response') {
        this.state = State.UntilClose;
        return;
      }
      return this.fail(httpDiagnostic('ERR_HTTP_TRANSFER_ENCODING', `request Transfer-Encoding "${te.join(', ')}" does not end in chunked`, this.msgOffset));
    }
    if (cl.length > 0) {
      // §6.3 rule 5: a list of identical values is one value; anything else is unrecoverable.
      const first = cl[0]!;
      if (!/^\d{1,15}$/.test(first) || cl.some((v) => v !== first)) {
        return this.fail(httpDiagnostic('ERR_HTTP_CONTENT_LENGTH', `invalid Content-Length "${cl.join(', ')}"`, this.msgOffset));
      }
      const len = Number(first);
      if (len === 0) return this.complete();
      this.remaining = len;
      // One buffer for the kept part, sized by the cap, not by what the peer claims.
      this.bodyBuf = new Uint8Array(Math.min(len, this.limits.maxBodyBytes));
      this.state = State.Body;
      return;
    }
    if (head.kind === 'request') return this.complete();
    this.state = State.UntilClose;
  }

  // ---- bodies and lines -----------------------------------------------------------------

  private takeBody(chunk: Uint8Array, from: number, n: number): void {
    this.bodyLength += n;
    this.offset += n;
    if (!this.keepBody) return;
    const keep = Math.min(n, this.limits.maxBodyBytes - this.bodyKept);
    if (keep <= 0) return;
    if (this.bodyBuf) this.bodyBuf.set(chunk.subarray(from, from + keep), this.bodyKept);
    else this.bodyParts.push(copyBytes(chunk.subarray(from, from + keep)));
    this.bodyKept += keep;
  }

  /** Collects one line (up to LF); returns the index after it, or -1 when the chunk ended first. */
  private readLine(chunk: Uint8Array, from: number): number {
    let lf = chunk.indexOf(LF, from);
    const room = MAX_LINE - this.lineBytes;
    let overflow = false;
    if ((lf < 0 ? chunk.length : lf + 1) - from > room) {
      overflow = true;
      lf = -1;
    }
    const stop = lf < 0 ? Math.min(chunk.length, from + room) : lf + 1;
    this.lineParts.push(copyBytes(chunk.subarray(from, stop)));
    this.lineBytes += stop - from;
    this.offset += stop - from;
    if (overflow) {
      // An endless line: not a chunk-size line or a start line.
      if (this.state === State.Resync) {
        this.skipped += this.lineBytes;
        this.lineParts = [];
        this.lineBytes = 0;
        // Keep skipping to the end of this line without buffering it.
        const next = chunk.indexOf(LF, stop);
        const to = next < 0 ? chunk.length : next + 1;
        this.skipped += to - stop;
        this.offset += to - stop;
        return next < 0 ? -1 : to;
      }
      this.fail(httpDiagnostic('ERR_HTTP_LINE_TOO_LONG', `a chunk-size or trailer line is longer than ${MAX_LINE} bytes`, this.offset));
      return chunk.length;
    }
    return lf < 0 ? -1 : stop;
  }

  /** Handles a complete line collected by {@link readLine}. */
  private onLine(): void {
    const bytes = concatBytes(this.lineParts, this.lineBytes);
    const lineStart = this.offset - bytes.length;
    this.lineParts = [];
    this.lineBytes = 0;
    switch (this.state) {
      case State.Resync: {
        if (probeStartLine(bytes, this.kind) === 'match') {
          // Begin the message at this line: rewind the offset and feed the line as the head's start.
          this.offset = lineStart;
          this.beginMessage();
          this.readHead(bytes, 0);
        } else {
          this.skipped += bytes.length;
        }
        return;
      }
      case State.ChunkSize: {
        // chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1); BWS before ';' is tolerated.
        const text = latin1(bytes).replace(/\r?\n$/, '');
        const m = /^\s*([0-9a-fA-F]+)\s*(?:;.*)?$/.exec(text);
        if (!m || m[1]!.length > MAX_CHUNK_HEX) {
          return this.fail(httpDiagnostic('ERR_HTTP_CHUNK_SIZE', `invalid chunk size line ${JSON.stringify(text.slice(0, 40))}`, lineStart));
        }
        const size = parseInt(m[1]!, 16);
        if (size === 0) {
          this.state = State.Trailers;
        } else {
          this.remaining = size;
          this.state = State.ChunkData;
        }
        return;
      }
      case State.ChunkEnd: {
        if (bytes.length > 2 || (bytes.length === 2 && bytes[0] !== CR)) {
          return this.fail(httpDiagnostic('ERR_HTTP_CHUNK_FRAMING', 'chunk data is not followed by CRLF', lineStart));
        }
        this.state = State.ChunkSize;
        return;
      }
      case State.Trailers: {
        this.trailerParts.push(bytes);
        this.trailerBytes += bytes.length;
        const blank = bytes.length === 1 || (bytes.length === 2 && bytes[0] === CR);
        if (!blank) {
          if (this.trailerBytes > this.limits.maxHeadBytes) {
            this.fail(httpDiagnostic('ERR_HTTP_HEAD_TOO_LARGE', `trailers are longer than the cap of ${this.limits.maxHeadBytes} bytes`, lineStart));
          }
          return;
        }
        this.complete();
        return;
      }
      default:
        return;
    }
  }

  // ---- ends -----------------------------------------------------------------------------

  private note(code: HttpCode & `WARN_${string}`, message: string, offset: number): void {
    this.diagnostics.push(httpDiagnostic(code, message, offset));
  }

  private complete(): void {
    const head = this.head!;
    let trailers: HttpHeader[] = [];
    if (this.trailerParts.length > 0) {
      const lines = splitLines(concatBytes(this.trailerParts, this.trailerBytes));
      if (lines.length - 1 > this.limits.maxHeaders) {
        this.note('WARN_HTTP_TOO_MANY_TRAILERS', `more trailer lines than the cap of ${this.limits.maxHeaders}: ignored`, this.offset);
      } else {
        trailers = parseHeaderLines(lines, this.offset, this.diagnostics);
      }
    }
    const msg: ParsedHttpMessage = {
      head,
      rawHead: this.rawHead,
      body: this.bodyBuf ? this.bodyBuf.subarray(0, this.bodyKept) : concatBytes(this.bodyParts, this.bodyKept),
      bodyLength: this.bodyLength,
      trailers,
      streamOffset: this.msgOffset,
      diagnostics: this.diagnostics,
    };
    this.head = undefined;
    this.bodyParts = [];
    this.bodyBuf = undefined;
    this.trailerParts = [];
    this.diagnostics = [];
    this.recovering = false;
    // A 101 ends HTTP on this connection whatever the sink decides (RFC 9110 §15.2.2).
    const switching = head.kind === 'response' && head.status === 101;
    this.state = State.Start;
    const pause = this.sink.message(msg);
    // The sink may have stopped the parser itself.
    if ((this.state as State) !== State.Start) return;
    if (pause) this.state = State.Paused;
    else if (switching) this.state = State.Done;
  }

  private enterResync(): void {
    this.state = State.Resync;
    this.recovering = true;
    this.head = undefined;
    this.headParts = [];
    this.headLength = 0;
    this.lineParts = [];
    this.lineBytes = 0;
    this.diagnostics = [];
  }

  private fail(d: Diagnostic): void {
    if (this.recovering) {
      // Picked up midstream or after a gap: this "start line" was a false find; search on.
      this.skipped += this.headLength;
      this.enterResync();
      return;
    }
    this.state = State.Done;
    this.sink.error(d);
  }
}
