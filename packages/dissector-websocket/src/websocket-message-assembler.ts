import { isUtf8 } from 'node:buffer';
import { concatBytes, copyBytes, type AppEvent, type Connection, type Diagnostic, type Direction } from '@netrx/core';
import { MessageInflater } from './permessage-deflate.js';
import { Opcode, type WebSocketFrame, type WebSocketMessage, type WebSocketMessageKind } from './types.js';
import { isControlOpcode } from './websocket-frame-header.js';
import type { FrameSink, ParsedFrame } from './websocket-frame-parser.js';
import { defineLazyText } from './lazy-text.js';
import { decodeUtf8, isValidCloseCode, warning } from './websocket-validation.js';

/** Whether permessage-deflate is on for a direction: negotiated, not negotiated, or unknown (no handshake). */
export type CompressionState = 'negotiated' | 'none' | 'unknown';

/** What an assembler needs from the connection it belongs to. */
export interface AssemblerOwner {
  /** The connection as currently understood (roles may be corrected by masking when not known). */
  readonly connection: Connection;
  /** Called with each frame's masking before it is validated: lets the owner settle unknown roles. */
  noteMasking(assembler: WebSocketMessageAssembler, masked: boolean): void;
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
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

const NO_WARNINGS: readonly Diagnostic[] = Object.freeze([]);
const EMPTY: Uint8Array = new Uint8Array(0);

const KIND: Record<number, WebSocketMessageKind> = {
  [Opcode.TEXT]: 'text',
  [Opcode.BINARY]: 'binary',
  [Opcode.CLOSE]: 'close',
  [Opcode.PING]: 'ping',
  [Opcode.PONG]: 'pong',
};

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

  // The data message being assembled (opcode -1: none).
  private opcode = -1;
  private parts: Uint8Array[] = [];
  private size = 0;
  private compressed = false;
  private frames = 0;
  private firstTs = 0n;
  private firstFrame = 0;
  private undecodable: string | undefined;
  private warnings: Diagnostic[] | undefined;
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
    this.inflater = options.compression === 'none' ? undefined : new MessageInflater(options.maxMessageSize, options.fromStart);
  }

  /** Attaches a warning to the next message of this direction. */
  carry(d: Diagnostic): void {
    (this.carried ??= []).push(d);
  }

  onLostSync(diagnostic: Diagnostic): void {
    this.complete = false;
    this.carry(diagnostic);
    this.abandon('bytes of the message were not captured');
    // Context takeover: what the peer compressed in the gap is history we no longer have.
    this.inflater?.reset();
  }

  onResync(skipped: number): void {
    if (skipped > 0) this.carry(warning('WARN_WS_RESYNC', `frames found again after ${skipped} bytes that could not be parsed`));
  }

  onFrame(f: ParsedFrame): void {
    this.owner.noteMasking(this, f.masked);
    if (this.options.frames) this.emitFrame(f);

    const control = isControlOpcode(f.opcode);
    let w: Diagnostic[] | undefined;
    const clientSide = this.dir === 'c2s';
    // RFC 6455 §5.1: a client masks every frame, a server masks none.
    if (clientSide && !f.masked) (w ??= []).push(warning('WARN_WS_CLIENT_UNMASKED', 'client frame is not masked (RFC 6455 §5.1)', f.streamOffset));
    if (!clientSide && f.masked) (w ??= []).push(warning('WARN_WS_SERVER_MASKED', 'server frame is masked (RFC 6455 §5.1)', f.streamOffset));
    if (f.rsv & 3) (w ??= []).push(warning('WARN_WS_RSV', `RSV2/RSV3 set (0x${f.rsv.toString(16)}) without a negotiated extension (RFC 6455 §5.2)`, f.streamOffset));
    if (f.rsv & 4) {
      if (this.options.compression === 'none') {
        (w ??= []).push(warning('WARN_WS_RSV', 'RSV1 set, but no extension was negotiated (RFC 6455 §5.2)', f.streamOffset));
      } else if (control || f.opcode === Opcode.CONTINUATION) {
        // RFC 7692 §6.1: only the first frame of a data message may carry the "compressed" bit.
        (w ??= []).push(warning('WARN_WS_RSV', `RSV1 set on a ${control ? 'control' : 'continuation'} frame (RFC 7692 §6.1)`, f.streamOffset));
      }
    }

    if (control) {
      // §5.5: control frames are at most 125 bytes and never fragmented; they may come between fragments.
      if (f.payloadLength > 125) (w ??= []).push(warning('WARN_WS_CONTROL_TOO_LONG', `control frame of ${f.payloadLength} bytes (at most 125, RFC 6455 §5.5)`, f.streamOffset));
      if (!f.fin) (w ??= []).push(warning('WARN_WS_CONTROL_FRAGMENTED', 'control frame without FIN (RFC 6455 §5.5)', f.streamOffset));
      const payload = f.owned ? f.payload : copyBytes(f.payload);
      this.emitMessage(KIND[f.opcode]!, payload, false, 1, f.firstTs, f.firstFrame, f, w, f.incomplete);
      return;
    }

    if (f.opcode === Opcode.CONTINUATION) {
      if (this.opcode < 0) {
        // No first fragment: the message began before the capture or a gap. Its frames are
        // counted and it is reported, as binary since its opcode is unknown.
        this.startMessage(Opcode.BINARY, f);
        this.undecodable = this.complete
          ? 'continuation frame with no message to continue (RFC 6455 §5.4)'
          : 'the message began before the capture or a gap: its first fragment is missing';
        if (this.complete) (w ??= []).push(warning('WARN_WS_UNEXPECTED_CONTINUATION', this.undecodable, f.streamOffset));
      }
    } else {
      if (this.opcode >= 0) {
        // §5.4: fragments of one message are not interleaved with another data message.
        this.carry(warning('WARN_WS_INTERRUPTED_MESSAGE', 'a new data message began before the previous one ended (RFC 6455 §5.4)', f.streamOffset));
        this.abandon('a new message began before this one ended');
      }
      this.startMessage(f.opcode, f);
      this.compressed = (f.rsv & 4) !== 0;
      if (this.compressed && this.options.compression === 'none') this.undecodable = 'RSV1 (compressed) set, but no extension was negotiated in the handshake';
    }
    if (w) (this.warnings ??= []).push(...w);
    this.frames++;
    if (f.incomplete !== undefined && this.undecodable === undefined) this.undecodable = f.incomplete;
    if (this.undecodable === undefined) {
      if (this.size + f.payload.length > this.options.maxMessageSize) {
        this.undecodable = `message is over the ${this.options.maxMessageSize}-byte cap`;
        this.parts = [];
      } else {
        // A view of the caller's chunk survives the call only when it is used before returning.
        this.parts.push(f.owned || (f.fin && this.parts.length === 0) ? f.payload : copyBytes(f.payload));
        this.size += f.payload.length;
      }
    }
    if (f.fin) this.finishMessage(f);
  }

  /** The connection ended: a message still waiting for its final fragment is reported as such. */
  end(): void {
    this.abandon('the connection ended before the final fragment');
    this.inflater?.close();
  }

  private startMessage(opcode: number, f: ParsedFrame): void {
    this.opcode = opcode;
    this.parts = [];
    this.size = 0;
    this.compressed = false;
    this.frames = 0;
    this.firstTs = f.firstTs;
    this.firstFrame = f.firstFrame;
    this.undecodable = undefined;
    this.warnings = undefined;
  }

  /** Reports an unfinished data message as undecodable and forgets it. */
  private abandon(reason: string): void {
    if (this.opcode < 0) return;
    if (this.compressed) this.inflater?.reset();
    if (this.frames > 0) {
      this.emitMessage(KIND[this.opcode]!, EMPTY, this.compressed, this.frames, this.firstTs, this.firstFrame, undefined, this.warnings, this.undecodable ?? reason);
    }
    this.reset();
  }

  private reset(): void {
    this.opcode = -1;
    this.parts = [];
    this.size = 0;
    this.warnings = undefined;
    this.undecodable = undefined;
  }

  private finishMessage(last: ParsedFrame): void {
    let undecodable = this.undecodable;
    let payload: Uint8Array = EMPTY;
    if (undecodable === undefined) {
      if (this.compressed) {
        // The inflater reads the parts as they are: joining them first would be a copy for nothing.
        const r = this.inflater!.inflate(this.parts);
        if (r.ok) payload = r.data;
        else {
          undecodable =
            this.options.compression === 'unknown' ? `compressed (RSV1), and the handshake was not captured: ${r.reason}` : r.reason;
        }
      } else if (this.parts.length === 1) {
        // One frame: its payload is the message's, copied only if it is a view of the caller's chunk.
        payload = last.owned ? this.parts[0]! : copyBytes(this.parts[0]!);
      } else if (this.parts.length > 1) payload = concatBytes(this.parts, this.size);
    } else if (this.compressed) {
      // A message the inflater never saw breaks a shared context (takeover): start afresh, and let
      // inflate itself tell whether later messages needed what was lost.
      this.inflater?.reset();
    }
    this.emitMessage(KIND[this.opcode]!, payload, this.compressed, this.frames, this.firstTs, this.firstFrame, last, this.warnings, undecodable);
    this.reset();
  }

  private emitMessage(
    kind: WebSocketMessageKind,
    payload: Uint8Array,
    compressed: boolean,
    frames: number,
    firstTs: bigint,
    firstFrame: number,
    last: ParsedFrame | undefined,
    w: Diagnostic[] | undefined,
    undecodable: string | undefined,
  ): void {
    let warnings: Diagnostic[] | undefined = w;
    if (this.carried) {
      warnings = w ? [...this.carried, ...w] : this.carried;
      this.carried = undefined;
    }
    let lazyText = false;
    let closeCode: number | undefined;
    let closeReason: string | undefined;
    if (undecodable === undefined) {
      if (kind === 'text') {
        // Validity now (a warning rides on the message); the text itself only when read.
        lazyText = true;
        if (!isUtf8(payload)) (warnings ??= []).push(warning('WARN_WS_INVALID_UTF8', 'text message is not valid UTF-8 (RFC 6455 §8.1)'));
      } else if (kind === 'close') {
        if (payload.length === 1) (warnings ??= []).push(warning('WARN_WS_CLOSE_PAYLOAD', 'close frame with a 1-byte payload (RFC 6455 §5.5.1)'));
        if (payload.length >= 2) {
          closeCode = (payload[0]! << 8) | payload[1]!;
          const d = decodeUtf8(payload.subarray(2));
          closeReason = d.text;
          if (!isValidCloseCode(closeCode)) (warnings ??= []).push(warning('WARN_WS_CLOSE_CODE', `close code ${closeCode} may not be sent (RFC 6455 §7.4)`));
          if (!d.valid) (warnings ??= []).push(warning('WARN_WS_INVALID_UTF8', 'close reason is not valid UTF-8 (RFC 6455 §5.5.1)'));
        }
      }
    }
    // Built in the order of the type's fields (`text` after `payload`), as one literal was before.
    const message = {
      type: 'ws.message',
      connection: this.owner.connection,
      dir: this.dir,
      firstTs,
      lastTs: last?.lastTs ?? firstTs,
      firstFrame,
      lastFrame: last?.lastFrame ?? firstFrame,
      kind,
      payload,
    } as Writable<WebSocketMessage>;
    if (lazyText) defineLazyText(message);
    else message.text = undefined;
    message.closeCode = closeCode;
    message.closeReason = closeReason;
    message.compressed = compressed;
    message.frames = frames;
    message.undecodable = undecodable;
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


