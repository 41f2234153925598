import type { Diagnostic, Direction, ProbeResult, StreamContext, StreamDissector, StreamDissectorFactory } from '@netrx/core';
import { Early101 } from './http-early-101.js';
import { emitStreamError, requestEvent, responseEvent, type EventBase } from './http-events.js';
import { DEFAULT_HTTP_LIMITS, HttpMessageParser, type HttpParserLimits, type HttpParserSink, type ParsedHttpMessage } from './http-message-parser.js';
import { isInterim, PendingRequests } from './http-pairing.js';
import { probeStartLine } from './http-start-line.js';
import { answerAsking, handOver, HeldBytes, upgradeToken, type Asking, type HeldChunk } from './http-upgrade-hold.js';
import type { HttpUpgrade } from './types.js';

/** Options of {@link createHttpDissectorFactory}. */
export interface HttpDissectorOptions extends Partial<HttpParserLimits> {
  /**
   * Most client bytes held after an upgrade or CONNECT request until its answer (default 256 KiB);
   * also the most server bytes held after a `101` that came before its request, and the most
   * client bytes read while waiting for that request.
   */
  readonly maxHeldBytes?: number;
  /**
   * Most requests waiting for their responses per connection (default 128: pipelines are short,
   * and a capture of one direction only would otherwise keep every request); older ones are forgotten.
   */
  readonly maxPending?: number;
}

/** One direction's sink: forwards to the dissector with the direction fixed, created once per connection. */
class DirectionSink implements HttpParserSink {
  constructor(
    private readonly owner: HttpStreamDissector,
    private readonly dir: Direction,
  ) {}
  begin(streamOffset: number): void {
    this.owner.onBegin(this.dir, streamOffset);
  }
  message(msg: ParsedHttpMessage): boolean {
    return this.dir === 'c2s' ? this.owner.onRequest(msg) : this.owner.onResponse(msg);
  }
  error(d: Diagnostic): void {
    this.owner.onError(this.dir, d);
  }
  requestMethod(): string | undefined {
    return this.owner.pending.next?.method;
  }
  requestVersion(): string | undefined {
    return this.owner.pending.next?.version;
  }
}

/**
 * HTTP/1.x on one TCP connection: parses both directions, emits `http.request` and
 * `http.response` events (responses paired with requests first-in first-out, `http-pairing.ts`),
 * and hands the connection over after a `101 Switching Protocols` that answers an upgrade request.
 *
 * After an upgrade (or CONNECT) request the client's further bytes are held until the response
 * decides (`http-upgrade-hold.ts`): a 101 (or a 2xx to CONNECT) gives them to the next dissector,
 * anything else (400, 426…) gives them back to HTTP, and the connection goes on as HTTP.
 *
 * A `101` that comes while no request is waiting (its request was captured after it: the capture
 * point saw the two directions out of order) is held, with the server bytes after it, until the
 * client's request arrives (`http-early-101.ts`); then they pair and the switch is made as usual.
 * If the client's bytes are not a request, are missing, run past the cap, or the connection ends
 * first, the `101` is emitted unpaired with `WARN_HTTP_UPGRADE_UNPAIRED` and HTTP stops on the
 * connection.
 *
 * Internal: made by {@link createHttpDissectorFactory}; the `on*` methods are for its parsers' sinks.
 */
export class HttpStreamDissector implements StreamDissector {
  private readonly c2s: HttpMessageParser;
  private readonly s2c: HttpMessageParser;
  /** Requests still waiting for their final response. */
  readonly pending: PendingRequests;
  /** The upgrade or CONNECT request whose answer decides what the held client bytes are. */
  private asking: Asking | undefined;
  private readonly held: HeldBytes;
  /** Set by a committed 101: the switch is made once the s2c parser returns, knowing what is left. */
  private switching: { readonly init: HttpUpgrade } | undefined;
  /** A 101 waiting for the request it answers. */
  private early: Early101 | undefined;
  private stopped = false;
  private readonly ts: Record<Direction, bigint> = { c2s: 0n, s2c: 0n };
  private readonly frame: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private readonly firstTs: Record<Direction, bigint> = { c2s: 0n, s2c: 0n };
  private readonly firstFrame: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private readonly maxHeldBytes: number;

  constructor(
    private readonly ctx: StreamContext,
    options: HttpDissectorOptions = {},
  ) {
    const limits: HttpParserLimits = {
      maxHeadBytes: options.maxHeadBytes ?? DEFAULT_HTTP_LIMITS.maxHeadBytes,
      maxHeaders: options.maxHeaders ?? DEFAULT_HTTP_LIMITS.maxHeaders,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_HTTP_LIMITS.maxBodyBytes,
    };
    this.maxHeldBytes = options.maxHeldBytes ?? 256 * 1024;
    this.held = new HeldBytes(this.maxHeldBytes, ctx.budget);
    this.pending = new PendingRequests(options.maxPending ?? 128);
    // Without a SYN the stream may begin inside a message: search for a start line first.
    const midstream = ctx.connection.clientBy !== 'syn';
    this.c2s = new HttpMessageParser('request', new DirectionSink(this, 'c2s'), limits, { midstream });
    this.s2c = new HttpMessageParser('response', new DirectionSink(this, 's2c'), limits, { midstream });
  }

  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    if (this.stopped) return;
    this.ts[dir] = ts;
    this.frame[dir] = frame;
    if (dir === 'c2s') {
      if (this.early) this.earlyClient(bytes, ts, frame);
      else this.client(bytes, ts, frame);
      return;
    }
    if (this.early) {
      this.earlyServer(bytes, ts, frame);
      return;
    }
    const used = this.s2c.write(bytes);
    if (this.early) this.earlyServer(bytes.subarray(used), ts, frame);
    else if (this.switching) this.commitSwitch([{ bytes: bytes.subarray(used), gap: 0, ts, frame }]);
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    if (this.stopped) return;
    this.ts[dir] = ts;
    this.frame[dir] = frame;
    if (this.early) {
      if (dir === 'c2s') this.giveUpEarly(`${length} client bytes were not captured where its request would be`);
      else this.early.serverGap(length, ts, frame);
      return;
    }
    if (dir === 'c2s' && this.asking) {
      this.held.gap(length, ts, frame);
      return;
    }
    if (dir === 's2c') {
      const wasInStep = !this.s2c.resyncing;
      this.s2c.gap(length);
      // Responses were lost with the framing: which request the next one answers is unknown.
      if (wasInStep && this.s2c.resyncing) this.pending.clear();
      if (this.switching) this.commitSwitch([]);
      return;
    }
    this.c2s.gap(length);
  }

  end(ts: bigint, frame: number): void {
    if (this.stopped) return;
    this.ts.c2s = this.ts.s2c = ts;
    this.frame.c2s = this.frame.s2c = frame;
    if (this.early) {
      this.giveUpEarly('the connection ended before the client sent a request');
      return;
    }
    // The answer never came: the held client bytes are HTTP after all.
    if (this.asking) this.release();
    this.c2s.finish();
    this.s2c.finish();
    this.stopped = true;
  }

  // ---- called by the sinks ----------------------------------------------------------------

  /** @internal A message's first byte came now. */
  onBegin(dir: Direction, _offset: number): void {
    this.firstTs[dir] = this.ts[dir];
    this.firstFrame[dir] = this.frame[dir];
  }

  /** @internal Returns true to pause the request parser: an upgrade or CONNECT waits for its answer. */
  onRequest(msg: ParsedHttpMessage): boolean {
    const head = msg.head;
    if (head.kind !== 'request') return false;
    const request = requestEvent(msg, head, this.eventBase('c2s'));
    this.pending.add(request);
    this.ctx.emit(request);
    const token = upgradeToken(head);
    if (token === undefined && head.method !== 'CONNECT') return false;
    this.asking = { request, token };
    return true;
  }

  /** @internal Returns true to pause the response parser at a committed switch, or at a 101 that waits for its request. */
  onResponse(msg: ParsedHttpMessage): boolean {
    const head = msg.head;
    if (head.kind !== 'response') return false;
    if (head.status === 101 && this.pending.size === 0 && this.asking === undefined && !this.c2s.done && !this.c2s.paused) {
      // No request to answer yet: the client's may have been captured after this (see the class doc).
      this.early = new Early101(msg, this.eventBase('s2c'), this.c2s.idle, this.maxHeldBytes, this.ctx.budget);
      return true;
    }
    return this.answer(msg, this.eventBase('s2c'));
  }

  /** @internal A fatal violation: report it and stop dissecting the connection. */
  onError(dir: Direction, diagnostic: Diagnostic): void {
    if (this.early) this.giveUpEarly('the client\'s stream could not be parsed');
    const at = { firstTs: this.ts[dir], lastTs: this.ts[dir], firstFrame: this.frame[dir], lastFrame: this.frame[dir] };
    emitStreamError(this.ctx, dir, at, diagnostic);
    this.stopAll();
  }

  // ---- pairing and what an answer means -----------------------------------------------------

  /** Emits a response paired with the oldest pending request and acts on what it means for the connection. */
  private answer(msg: ParsedHttpMessage, base: EventBase): boolean {
    const head = msg.head;
    if (head.kind !== 'response') return false;
    const request = this.pending.answer(head.status);
    const response = responseEvent(msg, head, base, request);
    this.ctx.emit(response);
    if (isInterim(head.status)) return false;
    const decided = answerAsking(this.asking, request, head);
    switch (decided.kind) {
      case 'switch':
        // `answerAsking` switches only for the asking request: `request` is it.
        this.switching = { init: { protocol: decided.protocol, request: request!, response } };
        return true;
      case 'stop':
        this.stopAll();
        return true;
      case 'release':
        this.release();
        return false;
      case 'none':
        return false;
    }
  }

  private eventBase(dir: Direction): EventBase {
    return {
      connection: this.ctx.connection,
      dir,
      firstTs: this.firstTs[dir],
      lastTs: this.ts[dir],
      firstFrame: this.firstFrame[dir],
      lastFrame: this.frame[dir],
    };
  }

  // ---- holding client bytes across an upgrade -------------------------------------------------

  /** Client bytes while no 101 waits for a request: to the request parser, or held while an upgrade waits. */
  private client(bytes: Uint8Array, ts: bigint, frame: number): void {
    if (this.asking) this.held.hold(bytes, ts, frame);
    else {
      const used = this.c2s.write(bytes);
      if (used < bytes.length && this.asking) this.held.hold(bytes.subarray(used), ts, frame);
    }
  }

  /** Gives the held client bytes back to the request parser (the upgrade was refused or never answered). */
  private release(): void {
    const held = this.held.take();
    this.asking = undefined;
    this.c2s.resume();
    const savedTs = this.ts.c2s;
    const savedFrame = this.frame.c2s;
    for (let k = 0; k < held.length; k++) {
      const h = held[k]!;
      this.ts.c2s = h.ts;
      this.frame.c2s = h.frame;
      if (h.bytes === undefined) {
        this.c2s.gap(h.gap);
        continue;
      }
      const used = this.c2s.write(h.bytes);
      if (this.asking) {
        // Another upgrade request among the held bytes: hold the rest again.
        this.held.hold(h.bytes.subarray(used), h.ts, h.frame, true);
        for (let r = k + 1; r < held.length; r++) this.held.restore(held[r]!);
        break;
      }
    }
    this.ts.c2s = savedTs;
    this.frame.c2s = savedFrame;
  }

  /** Hands the connection over: the held client bytes and `s2cHeld` (the server's bytes after the 101) go first. */
  private commitSwitch(s2cHeld: readonly HeldChunk[]): void {
    const { init } = this.switching!;
    this.switching = undefined;
    const c2sHeld = this.held.take();
    this.stopAll();
    handOver(this.ctx, init, { c2s: c2sHeld, s2c: s2cHeld });
  }

  // ---- a 101 captured before its request ------------------------------------------------------

  /** Client bytes while a 101 waits for its request: probed, parsed, then paired once a request is complete. */
  private earlyClient(bytes: Uint8Array, ts: bigint, frame: number): void {
    const e = this.early!;
    const chunks = e.clientBytes(bytes, ts, frame);
    if (typeof chunks === 'string') {
      this.giveUpEarly(chunks);
      return;
    }
    let n = 0;
    for (const h of chunks) {
      this.ts.c2s = h.ts;
      this.frame.c2s = h.frame;
      this.client(h.bytes!, h.ts, h.frame);
      if (this.early !== e) return; // the request parser failed (onError settled it)
      n += h.bytes!.length;
    }
    if (this.pending.size > 0) {
      this.dropEarly();
      this.answer(e.msg, e.base);
      if (this.switching) this.commitSwitch(e.held);
      return;
    }
    const why = e.scannedClient(n);
    if (why !== undefined) this.giveUpEarly(why);
  }

  /** Server bytes after a 101 that waits for its request. */
  private earlyServer(bytes: Uint8Array, ts: bigint, frame: number): void {
    const why = this.early!.serverBytes(bytes, ts, frame);
    if (why !== undefined) this.giveUpEarly(why);
  }

  /**
   * The 101 that waited will not be paired: emit it as it is (unpaired, as a 101 whose request was
   * not captured always was) with a warning, and stop HTTP on the connection.
   */
  private giveUpEarly(why: string): void {
    const e = this.early!;
    this.dropEarly();
    this.answer(e.unpaired(why), e.base);
    this.switching = undefined;
    this.stopAll();
  }

  /** Lets go of the 101 that waited, giving back what it held to the budget. */
  private dropEarly(): void {
    this.early?.release();
    this.early = undefined;
  }

  private stopAll(): void {
    this.stopped = true;
    this.asking = undefined;
    this.dropEarly();
    this.held.take();
    this.c2s.stop();
    this.s2c.stop();
  }
}

/**
 * Creates the `'http'` stream dissector factory, with caps other than the defaults.
 *
 * It resumes after gaps: HTTP frames its bodies by length, so a hole inside a body is counted
 * and parsing goes on after it (a large download with a lost segment keeps its later messages);
 * a hole in a head or in chunk framing makes the parser search for the next start line, as it
 * does on a connection picked up midstream.
 *
 * @example
 * ```ts
 * const factory = createHttpDissectorFactory({ maxBodyBytes: 0 }); // count bodies, keep none
 * registry.table('tcp.port').add(8000, factory);
 * ```
 */
export function createHttpDissectorFactory(options: HttpDissectorOptions = {}): StreamDissectorFactory {
  return {
    name: 'http',
    resumesAfterGap: true,
    probeBytes: 2048,
    probe(bytes: Uint8Array): ProbeResult {
      return probeStartLine(bytes);
    },
    create(ctx: StreamContext): StreamDissector {
      return new HttpStreamDissector(ctx, options);
    },
  };
}

/** The `'http'` stream dissector factory with the default caps: HTTP/1.x on a TCP connection. */
export const httpDissector: StreamDissectorFactory = createHttpDissectorFactory();
