import { concatBytes, copyBytes, type AppEvent, type Connection, type Diagnostic, type Direction } from '@netrx/core';
import { EMPTY_BYTES, utf8Text } from './bytes.js';
import { defineLazyText } from './lazy-text.js';
import type { ConnectionMemory } from './connection-memory.js';
import { MessageInflater } from './message-inflater.js';
import { Opcode, type WebSocketFrame, type WebSocketMessage, type WebSocketMessageKind } from './types.js';
import { isControlOpcode } from './websocket-frame-header.js';
import type { FrameSink, ParsedFrame } from './websocket-frame-parser.js';
import { isUtf8 } from 'node:buffer';
import { INVALID_UTF8_TEXT, closeCodeOf, closeViolations, frameViolations, warning } from './websocket-validation.js';

/** Whether permessage-deflate is on for a direction: negotiated, not negotiated, or unknown (no handshake). */
export type CompressionState = 'negotiated' | 'none' | 'unknown';

/** What an assembler needs from the connection it belongs to. */
export interface AssemblerOwner {
  /** The connection as currently understood (roles may be corrected by masking when not known). */
  readonly connection: Connection;
  /** Called with each frame's masking before it is validated: lets the owner settle unknown roles. */
  noteMasking(assembler: WebSocketMessageAssembler, masked: boolean): void;
  /** A search for frames proved this direction's masking: the other direction does the opposite. */
  noteSearchMasking?(assembler: WebSocketMessageAssembler, masked: boolean): void;
  /**
   * False while the roles are only guessed and no masked frame has settled them: an unmasked
   * frame is then not judged a client's (it would be the server's if the other side's masked
   * frames ever confirm the connection, and nothing is shown otherwise). True when omitted.
   */
  readonly rolesSettled?: boolean;
  /** Emits an event downstream (after the owner's payload dissector, for messages). */
  emitMessage(message: WebSocketMessage): void;
  emit(event: AppEvent): void;
}

/** Settings of one direction. */
export interface AssemblerOptions {
  readonly compression: CompressionState;
  readonly maxMessageSize: number;
  readonly frames: boolean;
  /** The subprotocol negotiated, if any; copied onto each message. */
  readonly protocol?: string;
  /** Whether the first byte of the direction was the first after the handshake. */
  readonly fromStart: boolean;
  /** The sender's negotiated permessage-deflate window and context takeover (RFC 7692 §7.1). */
  readonly deflate?: { readonly windowBits: number; readonly noContextTakeover: boolean };
  /** The connection's share of the memory budget: held fragments and inflation draw on it. */
  readonly memory?: ConnectionMemory;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

const NO_WARNINGS: readonly Diagnostic[] = Object.freeze([]);

const KIND: Record<number, WebSocketMessageKind> = {
  [Opcode.TEXT]: 'text',
  [Opcode.BINARY]: 'binary',
  [Opcode.CLOSE]: 'close',
  [Opcode.PING]: 'ping',
  [Opcode.PONG]: 'pong',
};

/**
 * A message as gathered, before the whole-message checks: what `emitMessage` turns into a
 * `ws.message`. Each assembler reuses two, the data message being assembled and the control frame
 * at hand (which may come between its fragments), so emitting allocates only the message itself.
 */
interface MessageDraft {
  kind: WebSocketMessageKind;
  payload: Uint8Array;
  compressed: boolean;
  frames: number;
  firstTs: bigint;
  firstFrame: number;
  lastTs: bigint;
  lastFrame: number;
  warnings: Diagnostic[] | undefined;
  undecodable: string | undefined;
  /** Bytes of the payload copied from compressed history that was not captured (0: none). */
  unknownBytes: number;
  unknown: Uint8Array | undefined;
}

function newDraft(): MessageDraft {
  return {
    kind: 'binary',
    payload: EMPTY_BYTES,
    compressed: false,
    frames: 0,
    firstTs: 0n,
    firstFrame: 0,
    lastTs: 0n,
    lastFrame: 0,
    warnings: undefined,
    undecodable: undefined,
    unknownBytes: 0,
    unknown: undefined,
  };
}

/** The empty parts list, shared: never pushed to (a first part replaces it). */
const NO_PARTS: Uint8Array[] = [];

/**
 * Turns one direction's frames into messages (RFC 6455 §5.4-§5.6): fragments joined, control
 * frames passed through between fragments, permessage-deflate undone (RFC 7692), text decoded as
 * UTF-8 over the whole message, close code and reason read. Every RFC violation becomes a warning
 * on the message; nothing here stops the stream.
 */
export class WebSocketMessageAssembler implements FrameSink {
  /** The direction as the events report it (the owner may swap it when roles turn out reversed). */
  dir: Direction;
  private readonly inflater: MessageInflater | undefined;

  // The data message being assembled (opcode -1: none) and its frames' payloads.
  private opcode = -1;
  /** `NO_PARTS` when empty; a message's first part makes a one-element array (most messages are one frame). */
  private parts: Uint8Array[] = NO_PARTS;
  private size = 0;
  /** Bytes of {@link parts} drawn on the memory budget (a message of several frames is held). */
  private partsDrawn = 0;
  private readonly data: MessageDraft = newDraft();
  /** The control frame at hand, a message of its own. */
  private readonly control: MessageDraft = newDraft();
  /** Warnings waiting for the next message (handshake findings, lost sync). */
  private carried: Diagnostic[] | undefined;
  /** Whether everything since the first byte after the handshake was seen. */
  private complete: boolean;

  constructor(
    private readonly owner: AssemblerOwner,
    wireDir: Direction,
    private readonly options: AssemblerOptions,
  ) {
    this.dir = wireDir;
    this.complete = options.fromStart;
    this.inflater =
      options.compression === 'none'
        ? undefined
        : new MessageInflater(options.maxMessageSize, options.fromStart, undefined, {
            windowBits: options.deflate?.windowBits,
            noContextTakeover: options.deflate?.noContextTakeover,
            memory: options.memory,
          });
  }

  /**
   * Emits a finding as a `ws.warning` of its own, now: one that may have no message after it to
   * ride on (a frame header no peer may send, the handshake's) must not wait for one.
   */
  warnNow(d: Diagnostic, ts: bigint, frame: number): void {
    this.owner.emit({ type: 'ws.warning', connection: this.owner.connection, dir: this.dir, firstTs: ts, lastTs: ts, firstFrame: frame, lastFrame: frame, warnings: [d] });
  }

  /** Attaches a warning to the next message of this direction. */
  carry(d: Diagnostic): void {
    (this.carried ??= []).push(d);
  }

  onLostSync(diagnostic: Diagnostic, ts?: bigint, frame?: number): void {
    this.complete = false;
    // Bytes no peer may send: the bytes after it may never make a message to carry the warning.
    if (diagnostic.code === 'WARN_WS_BAD_HEADER' && ts !== undefined) this.warnNow(diagnostic, ts, frame ?? 0);
    else this.carry(diagnostic);
    this.abandon('bytes of the message were not captured');
    // Context takeover: what the peer compressed in the gap is history we no longer have.
    this.inflater?.reset();
  }

  onResync(skipped: number): void {
    if (skipped > 0) this.carry({ ...warning('WARN_WS_RESYNC', `frames found again after ${skipped} bytes that could not be parsed`), bytes: skipped });
  }

  onUnparsed(skipped: number): void {
    this.carry({ ...warning('WARN_WS_UNPARSED', `${skipped} bytes were searched for frames and none was proven: no message is shown for them`), bytes: skipped });
  }

  onMasking(masked: boolean): void {
    this.owner.noteSearchMasking?.(this, masked);
  }

  onFrame(f: ParsedFrame): void {
    this.owner.noteMasking(this, f.masked);
    if (this.options.frames) this.emitFrame(f);
    let w = frameViolations(f, f.streamOffset, this.owner.rolesSettled === false ? f.masked : this.dir === 'c2s', this.options.compression !== 'none');

    if (isControlOpcode(f.opcode)) {
      // RFC 6455 §5.5: control frames may come between the fragments of a data message.
      const c = this.control;
      c.kind = KIND[f.opcode]!;
      c.payload = f.owned ? f.payload : copyBytes(f.payload);
      c.compressed = false;
      c.frames = 1;
      c.firstTs = f.firstTs;
      c.firstFrame = f.firstFrame;
      c.lastTs = f.lastTs;
      c.lastFrame = f.lastFrame;
      c.warnings = w;
      c.undecodable = f.incomplete;
      this.emitMessage(c);
      return;
    }

    const d = this.data;
    if (f.opcode === Opcode.CONTINUATION) {
      if (this.opcode < 0) {
        // No first fragment: the message began before the capture or a gap. Its frames are
        // counted and it is reported, as binary since its opcode is unknown.
        this.startMessage(Opcode.BINARY, f);
        d.undecodable = this.complete
          ? 'continuation frame with no message to continue (RFC 6455 §5.4)'
          : 'the message began before the capture or a gap: its first fragment is missing';
        if (this.complete) (w ??= []).push(warning('WARN_WS_UNEXPECTED_CONTINUATION', d.undecodable, f.streamOffset));
      }
    } else {
      if (this.opcode >= 0) {
        // §5.4: fragments of one message are not interleaved with another data message.
        this.carry(warning('WARN_WS_INTERRUPTED_MESSAGE', 'a new data message began before the previous one ended (RFC 6455 §5.4)', f.streamOffset));
        this.abandon('a new message began before this one ended');
      }
      this.startMessage(f.opcode, f);
      d.compressed = (f.rsv & 4) !== 0;
      if (d.compressed && this.options.compression === 'none') d.undecodable = 'RSV1 (compressed) set, but no extension was negotiated in the handshake';
    }
    if (w) (d.warnings ??= []).push(...w);
    d.frames++;
    if (f.incomplete !== undefined && d.undecodable === undefined) {
      d.undecodable = f.incomplete;
      if (f.refused === true) (d.warnings ??= []).push(warning('WARN_WS_MEMORY', f.incomplete, f.streamOffset));
    }
    if (d.undecodable === undefined) {
      if (this.size + f.payload.length > this.options.maxMessageSize) {
        d.undecodable = `message is over the ${this.options.maxMessageSize}-byte cap`;
        this.dropParts();
      } else if (!(f.fin && this.parts.length === 0) && !this.drawPart(f.payload.length)) {
        // A message of several frames is held until its last: drawn on the budget, or given up.
        d.undecodable = `the memory budget refused ${f.payload.length} bytes to hold the message's fragments`;
        (d.warnings ??= []).push(warning('WARN_WS_MEMORY', d.undecodable, f.streamOffset));
        this.dropParts();
      } else {
        // A view of the caller's chunk survives the call only when it is used before returning.
        const part = f.owned || (f.fin && this.parts.length === 0) ? f.payload : copyBytes(f.payload);
        if (this.parts.length === 0) this.parts = [part];
        else this.parts.push(part);
        this.size += f.payload.length;
      }
    }
    if (f.fin) this.finishMessage(f);
  }

  /**
   * The connection ended: a message still waiting for its final fragment is reported as such, and
   * warnings no message took are emitted as a `ws.warning` (tagged `ts`, `frame`).
   */
  end(ts = 0n, frame = 0): void {
    this.abandon('the connection ended before the final fragment');
    this.inflater?.close();
    this.dropParts();
    // Findings no later message took are a record of their own, never dropped.
    if (this.carried !== undefined) {
      const warnings = this.carried;
      this.carried = undefined;
      this.owner.emit({ type: 'ws.warning', connection: this.owner.connection, dir: this.dir, firstTs: ts, lastTs: ts, firstFrame: frame, lastFrame: frame, warnings });
    }
  }

  private startMessage(opcode: number, f: ParsedFrame): void {
    this.opcode = opcode;
    this.dropParts();
    this.size = 0;
    const d = this.data;
    d.kind = KIND[opcode]!;
    d.compressed = false;
    d.frames = 0;
    d.firstTs = f.firstTs;
    d.firstFrame = f.firstFrame;
    d.undecodable = undefined;
    d.warnings = undefined;
  }

  /** Reports an unfinished data message as undecodable and forgets it. */
  private abandon(reason: string): void {
    if (this.opcode < 0) return;
    const d = this.data;
    if (d.compressed) this.inflater?.reset();
    if (d.frames > 0) {
      d.payload = EMPTY_BYTES;
      d.lastTs = d.firstTs;
      d.lastFrame = d.firstFrame;
      d.undecodable ??= reason;
      this.emitMessage(d);
    }
    this.reset();
  }

  /** Draws `bytes` for a part held until the message's last frame. */
  private drawPart(bytes: number): boolean {
    const m = this.options.memory;
    if (m === undefined) return true;
    if (!m.take(bytes)) return false;
    this.partsDrawn += bytes;
    return true;
  }

  /** Forgets the parts held, and gives back what they drew. */
  private dropParts(): void {
    this.parts = NO_PARTS;
    if (this.partsDrawn > 0) this.options.memory?.release(this.partsDrawn);
    this.partsDrawn = 0;
  }

  private reset(): void {
    this.opcode = -1;
    this.dropParts();
    this.size = 0;
    this.data.warnings = undefined;
    this.data.undecodable = undefined;
  }

  private finishMessage(last: ParsedFrame): void {
    const d = this.data;
    let payload: Uint8Array = EMPTY_BYTES;
    if (d.undecodable === undefined) {
      if (d.compressed) {
        // The inflater reads the parts as they are: joining them first would be a copy for nothing.
        const r = this.inflater!.inflate(this.parts);
        if (r.ok) {
          payload = r.data;
          if (r.unknownBytes) {
            d.unknownBytes = r.unknownBytes;
            d.unknown = r.unknown;
          }
        } else {
          d.undecodable =
            this.options.compression === 'unknown' ? `compressed (RSV1), and the handshake was not captured: ${r.reason}` : r.reason;
          if (r.refused === true) (d.warnings ??= []).push(warning('WARN_WS_MEMORY', r.reason, last.streamOffset));
        }
      } else if (this.parts.length === 1) {
        // One frame: its payload is the message's, copied only if it is a view of the caller's chunk.
        payload = last.owned ? this.parts[0]! : copyBytes(this.parts[0]!);
      } else if (this.parts.length > 1) payload = concatBytes(this.parts, this.size);
    } else if (d.compressed) {
      // A message the inflater never saw breaks a shared context (takeover): start afresh, and let
      // inflate itself tell whether later messages needed what was lost.
      this.inflater?.reset();
    }
    // The compressed parts are not needed any more: only the message is held while it goes out.
    this.dropParts();
    d.payload = payload;
    d.lastTs = last.lastTs;
    d.lastFrame = last.lastFrame;
    this.emitMessage(d);
    // Handed on: what its inflation drew is given back (a consumer that keeps it keeps it outside).
    this.inflater?.releaseOutput();
    this.reset();
  }

  /**
   * Makes the `ws.message` of a draft, with the whole-message checks (UTF-8 text, close payload)
   * and the carried warnings first, and hands it to the owner. The draft is consumed: it keeps no
   * reference to the message's payload or warnings.
   */
  private emitMessage(d: MessageDraft): void {
    const kind = d.kind;
    const payload = d.payload;
    const undecodable = d.undecodable;
    let warnings = d.warnings;
    const unknownBytes = d.unknownBytes;
    const unknown = d.unknown;
    d.payload = EMPTY_BYTES;
    d.warnings = undefined;
    d.unknownBytes = 0;
    d.unknown = undefined;
    if (this.carried) {
      warnings = warnings ? [...this.carried, ...warnings] : this.carried;
      this.carried = undefined;
    }
    let lazyText = false;
    let validUtf8 = false;
    let closeCode: number | undefined;
    let closeReason: string | undefined;
    let partialText: string | undefined;
    if (undecodable === undefined && unknownBytes > 0) {
      // Bytes copied from history that was not captured: the rest is exact; unknown bytes read as
      // 0 in the payload and as U+FFFD in the text; the whole-message checks cannot be made.
      if (kind === 'text') partialText = textWithUnknown(payload, unknown!);
    } else if (undecodable === undefined) {
      if (kind === 'text') {
        // Validity now (a warning rides on the message, the JSON writer relies on it); the text
        // itself only when read.
        lazyText = true;
        validUtf8 = isUtf8(payload);
        if (!validUtf8) (warnings ??= []).push(INVALID_UTF8_TEXT);
      } else if (kind === 'close') {
        warnings = closeViolations(payload, warnings);
        if (payload.length >= 2) {
          closeCode = closeCodeOf(payload);
          closeReason = utf8Text(payload.subarray(2));
        }
      }
    }
    // Built in the order of the type's fields (`text` after `payload`), as one literal was before.
    const message = {
      type: 'ws.message',
      connection: this.owner.connection,
      dir: this.dir,
      firstTs: d.firstTs,
      lastTs: d.lastTs,
      firstFrame: d.firstFrame,
      lastFrame: d.lastFrame,
      kind,
      payload,
    } as Writable<WebSocketMessage>;
    if (lazyText) defineLazyText(message, validUtf8);
    else message.text = partialText;
    message.closeCode = closeCode;
    message.closeReason = closeReason;
    message.compressed = d.compressed;
    message.frames = d.frames;
    message.undecodable = undecodable;
    if (unknownBytes > 0 && undecodable === undefined) {
      message.partial = true;
      message.unknownBytes = unknownBytes;
    }
    message.warnings = warnings ?? NO_WARNINGS;
    message.protocol = this.options.protocol;
    this.owner.emitMessage(message);
  }

  private emitFrame(f: ParsedFrame): void {
    const frame: WebSocketFrame = {
      type: 'ws.frame',
      connection: this.owner.connection,
      dir: this.dir,
      firstTs: f.firstTs,
      lastTs: f.lastTs,
      firstFrame: f.firstFrame,
      lastFrame: f.lastFrame,
      fin: f.fin,
      rsv: f.rsv,
      opcode: f.opcode,
      masked: f.masked,
      maskKey: f.maskKey,
      payloadLength: f.payloadLength,
      headerLength: f.headerLength,
      streamOffset: f.streamOffset,
      payload: f.owned ? f.payload : copyBytes(f.payload),
      incomplete: f.incomplete,
    };
    this.owner.emit(frame);
  }
}



/** A partial text: the payload decoded as UTF-8, each unknown byte (marked in `unknown`) as U+FFFD. */
function textWithUnknown(payload: Uint8Array, unknown: Uint8Array): string {
  const marked = Uint8Array.from(payload);
  // 0xFF never occurs in UTF-8: the decoder makes each one U+FFFD.
  for (let i = 0; i < marked.length; i++) if (unknown[i]) marked[i] = 0xff;
  return utf8Text(marked);
}
