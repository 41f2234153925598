import {
  concatBytes,
  copyBytes,
  type Diagnostic,
  type Direction,
  type ProbeResult,
  type StreamContext,
  type StreamDissector,
  type StreamDissectorFactory,
  type StreamErrorEvent,
} from '@netrx/core';
import { DEFAULT_HTTP_LIMITS, HttpMessageParser, type HttpParserLimits, type HttpParserSink, type ParsedHttpMessage } from './http-message-parser.js';
import { probeStartLine } from './http-probe.js';
import { headerValue, type HttpRequest, type HttpResponse, type HttpUpgrade } from './types.js';

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

/** Whether a request asks to switch protocols: `Upgrade: X` with `Connection: upgrade` (RFC 9110 §7.8). */
function upgradeToken(req: ParsedHttpMessage): string | undefined {
  const upgrade = headerValue(req.head.headers, 'upgrade');
  if (upgrade === undefined) return undefined;
  let connectionUpgrade = false;
  for (const h of req.head.headers) {
    if (h.name.toLowerCase() !== 'connection') continue;
    for (const t of h.value.split(',')) if (t.trim().toLowerCase() === 'upgrade') connectionUpgrade = true;
  }
  if (!connectionUpgrade) return undefined;
  // The first protocol listed, without a version ("websocket", "h2c"), lower-cased.
  const first = upgrade.split(',')[0]!.trim().toLowerCase();
  return first === '' ? undefined : first;
}

/** Client bytes held while an upgrade waits for its answer (a copy), or a hole among them (`bytes` undefined). */
interface Held {
  readonly bytes: Uint8Array | undefined;
  readonly gap: number;
  readonly ts: bigint;
  readonly frame: number;
}

/** What events are stamped with: connection, direction, first and last times and frames. */
type EventBase = Pick<HttpResponse, 'connection' | 'dir' | 'firstTs' | 'lastTs' | 'firstFrame' | 'lastFrame'>;

/**
 * A `101` that came while no request was waiting for an answer: captured before its request
 * (the capture point reordered the two directions). It waits for the client's request.
 */
interface Early {
  readonly msg: ParsedHttpMessage;
  readonly base: EventBase;
  /** Server bytes after the 101 (copies), and any hole among them. */
  readonly held: Held[];
  heldBytes: number;
  /** Whether a hole is among `held`: bytes after it are counted, not kept. */
  cut: boolean;
  /** Client bytes not yet known to begin a request (the parser was between messages), or undefined once they do. */
  probe: Held[] | undefined;
  probeBytes: number;
  /** Client bytes read by the request parser since, with no request complete yet. */
  scanned: number;
}

/** Most client bytes looked at to tell whether they begin a request line. */
const MAX_PROBE = 4096;

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
    return this.owner.pendingRequest()?.method;
  }
  requestVersion(): string | undefined {
    return this.owner.pendingRequest()?.version;
  }
}

/**
 * HTTP/1.x on one TCP connection: parses both directions, emits `http.request` and
 * `http.response` events (responses paired with requests first-in first-out), and hands the
 * connection over after a `101 Switching Protocols` that answers an upgrade request.
 *
 * After an upgrade (or CONNECT) request the client's further bytes are held until the response
 * decides: a 101 (or a 2xx to CONNECT) gives them to the next dissector, anything else (400, 426…)
 * gives them back to HTTP, and the connection goes on as HTTP.
 *
 * A `101` that comes while no request is waiting (its request was captured after it: the capture
 * point saw the two directions out of order) is held, with the server bytes after it, until the
 * client's request arrives; then they pair and the switch is made as usual. If the client's bytes
 * are not a request, are missing, run past the cap, or the connection ends first, the `101` is
 * emitted unpaired with `WARN_HTTP_UPGRADE_UNPAIRED` and HTTP stops on the connection.
 */
export class HttpStreamDissector implements StreamDissector {
  private readonly c2s: HttpMessageParser;
  private readonly s2c: HttpMessageParser;
  /** Requests still waiting for their final response, oldest first. */
  private readonly pending: HttpRequest[] = [];
  /** The upgrade or CONNECT request whose answer decides what the held client bytes are. */
  private asking: { readonly request: HttpRequest; readonly token: string | undefined } | undefined;
  private held: Held[] = [];
  private heldBytes = 0;
  /** Set by a committed 101: the switch is made once the s2c parser returns, knowing what is left. */
  private switching: { readonly init: HttpUpgrade } | undefined;
  /** A 101 waiting for the request it answers. */
  private early: Early | undefined;
  private stopped = false;
  private readonly ts: Record<Direction, bigint> = { c2s: 0n, s2c: 0n };
  private readonly frame: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private readonly firstTs: Record<Direction, bigint> = { c2s: 0n, s2c: 0n };
  private readonly firstFrame: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private readonly maxHeldBytes: number;
  private readonly maxPending: number;

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
    this.maxPending = options.maxPending ?? 128;
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
      this.holdEarly(bytes, ts, frame);
      return;
    }
    const used = this.s2c.write(bytes);
    if (this.early) this.holdEarly(bytes.subarray(used), ts, frame);
    else if (this.switching) this.commitSwitch([{ bytes: bytes.subarray(used), gap: 0, ts, frame }]);
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    if (this.stopped) return;
    this.ts[dir] = ts;
    this.frame[dir] = frame;
    if (this.early) {
      if (dir === 'c2s') this.giveUpEarly(`${length} client bytes were not captured where its request would be`);
      else {
        this.early.held.push({ bytes: undefined, gap: length, ts, frame });
        this.early.cut = true;
      }
      return;
    }
    if (dir === 'c2s' && this.asking) {
      this.held.push({ bytes: undefined, gap: length, ts, frame });
      return;
    }
    if (dir === 's2c') {
      const wasInStep = !this.s2c.resyncing;
      this.s2c.gap(length);
      // Responses were lost with the framing: which request the next one answers is unknown.
      if (wasInStep && this.s2c.resyncing) this.pending.length = 0;
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

  /** @internal */
  onBegin(dir: Direction, _offset: number): void {
    this.firstTs[dir] = this.ts[dir];
    this.firstFrame[dir] = this.frame[dir];
  }

  /** @internal The request the next response answers, if it was seen. */
  pendingRequest(): HttpRequest | undefined {
    return this.pending[0];
  }

  /** @internal Returns true to pause the request parser: an upgrade or CONNECT waits for its answer. */
  onRequest(msg: ParsedHttpMessage): boolean {
    const head = msg.head;
    if (head.kind !== 'request') return false;
    const request: HttpRequest = {
      type: 'http.request',
      ...this.eventBase('c2s'),
      ...messageFields(msg),
      method: head.method,
      target: head.target,
    };
    if (this.pending.length >= this.maxPending) this.pending.shift();
    this.pending.push(request);
    this.ctx.emit(request);
    const token = upgradeToken(msg);
    if (token === undefined && head.method !== 'CONNECT') return false;
    this.asking = { request, token };
    return true;
  }

  /** @internal Returns true to pause the response parser at a committed switch, or at a 101 that waits for its request. */
  onResponse(msg: ParsedHttpMessage): boolean {
    const head = msg.head;
    if (head.kind !== 'response') return false;
    if (head.status === 101 && this.pending.length === 0 && this.asking === undefined && !this.c2s.done && !this.c2s.paused) {
      // No request to answer yet: the client's may have been captured after this (see the class doc).
      this.early = { msg, base: this.eventBase('s2c'), held: [], heldBytes: 0, cut: false, probe: this.c2s.idle ? [] : undefined, probeBytes: 0, scanned: 0 };
      return true;
    }
    return this.answer(msg, this.eventBase('s2c'));
  }

  /** Emits a response paired with the oldest pending request and decides what it means for the connection. */
  private answer(msg: ParsedHttpMessage, base: EventBase): boolean {
    const head = msg.head;
    if (head.kind !== 'response') return false;
    // 1xx other than 101 are interim: the request still waits for its final response (RFC 9110 §15.2).
    const interim = head.status >= 100 && head.status < 200 && head.status !== 101;
    const request = interim ? this.pending[0] : this.pending.shift();
    const response: HttpResponse = {
      type: 'http.response',
      ...base,
      ...messageFields(msg),
      status: head.status,
      reason: head.reason,
      request,
    };
    this.ctx.emit(response);
    if (interim) return false;
    const asking = this.asking;
    const answersAsking = asking !== undefined && request === asking.request;
    const s = head.status;
    if (s === 101) {
      if (answersAsking && asking.token !== undefined) {
        // RFC 9110 §7.8: the server names the protocol it switches to in its own Upgrade header.
        const chosen = headerValue(head.headers, 'upgrade')?.split(',')[0]?.trim().toLowerCase() || asking.token;
        this.switching = { init: { protocol: chosen, request, response } };
        return true;
      }
      // Switched to a protocol we cannot name (its request was not captured): not HTTP any more.
      this.stopAll();
      return true;
    }
    if (!answersAsking) return false;
    if (s >= 200 && s < 300 && asking.request.method === 'CONNECT') {
      // A tunnel (RFC 9110 §9.3.6): what follows is not HTTP, and there is no table to hand it to.
      this.stopAll();
      return true;
    }
    // Refused (400, 426…): the connection stays HTTP and the held client bytes are requests again.
    this.release();
    return false;
  }

  /** @internal A fatal violation: report it and stop dissecting the connection. */
  onError(dir: Direction, diagnostic: Diagnostic): void {
    if (this.early) this.giveUpEarly('the client\'s stream could not be parsed');
    const event: StreamErrorEvent = {
      type: 'stream.error',
      connection: this.ctx.connection,
      dir,
      firstTs: this.ts[dir],
      lastTs: this.ts[dir],
      firstFrame: this.frame[dir],
      lastFrame: this.frame[dir],
      dissector: 'http',
      diagnostic,
    };
    this.ctx.emit(event);
    this.stopAll();
  }

  // ---- internals -----------------------------------------------------------------------------

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

  /** Client bytes while no 101 waits for a request: to the request parser, or held while an upgrade waits. */
  private client(bytes: Uint8Array, ts: bigint, frame: number): void {
    if (this.asking) this.hold(bytes, ts, frame);
    else {
      const used = this.c2s.write(bytes);
      if (used < bytes.length && this.asking) this.hold(bytes.subarray(used), ts, frame);
    }
  }

  /** Client bytes while a 101 waits for its request: probed, parsed, then paired once a request is complete. */
  private earlyClient(bytes: Uint8Array, ts: bigint, frame: number): void {
    const e = this.early!;
    let chunks: readonly Held[];
    if (e.probe) {
      // Between messages: only a request line may come now; anything else is the new protocol.
      e.probe.push({ bytes: copyBytes(bytes), gap: 0, ts, frame });
      e.probeBytes += bytes.length;
      const seen = concatBytes(e.probe.map((h) => h.bytes!), e.probeBytes);
      const answer = probeStartLine(seen.length > MAX_PROBE ? seen.subarray(0, MAX_PROBE) : seen, 'request');
      if (answer === 'need-more' && e.probeBytes < MAX_PROBE) return;
      if (answer !== 'match') {
        this.giveUpEarly('the client\'s bytes after it do not begin with a request line');
        return;
      }
      chunks = e.probe;
      e.probe = undefined;
    } else chunks = [{ bytes, gap: 0, ts, frame }];
    let n = 0;
    for (const h of chunks) {
      this.ts.c2s = h.ts;
      this.frame.c2s = h.frame;
      this.client(h.bytes!, h.ts, h.frame);
      if (this.early !== e) return; // the request parser failed (onError settled it)
      n += h.bytes!.length;
    }
    if (this.pending.length > 0) {
      this.early = undefined;
      this.answer(e.msg, e.base);
      if (this.switching) this.commitSwitch(e.held);
      return;
    }
    e.scanned += n;
    if (e.scanned > this.maxHeldBytes) this.giveUpEarly(`${e.scanned} client bytes after it held no complete request (cap ${this.maxHeldBytes})`);
  }

  /** Server bytes after a 101 that waits for its request. */
  private holdEarly(bytes: Uint8Array, ts: bigint, frame: number): void {
    const e = this.early!;
    if (bytes.length === 0) return;
    if (e.heldBytes + bytes.length > this.maxHeldBytes) {
      this.giveUpEarly(`more than ${this.maxHeldBytes} server bytes came after it before the request (the cap)`);
      return;
    }
    e.heldBytes += bytes.length;
    // After a hole the bytes cannot be handed over: count them, keep none.
    e.held.push(e.cut ? { bytes: undefined, gap: bytes.length, ts, frame } : { bytes: copyBytes(bytes), gap: 0, ts, frame });
  }

  /**
   * The 101 that waited will not be paired: emit it as it is (unpaired, as a 101 whose request was
   * not captured always was) with a warning, and stop HTTP on the connection.
   */
  private giveUpEarly(why: string): void {
    const e = this.early!;
    this.early = undefined;
    const warning: Diagnostic = {
      code: 'WARN_HTTP_UPGRADE_UNPAIRED',
      severity: 'warning',
      message: `a 101 Switching Protocols came before any request it could answer and ${why}: HTTP dissection stops here and the connection is not handed over`,
      offset: e.msg.streamOffset,
    };
    this.answer({ ...e.msg, diagnostics: [...e.msg.diagnostics, warning] }, e.base);
    this.switching = undefined;
    this.stopAll();
  }

  private hold(bytes: Uint8Array, ts: bigint, frame: number): void {
    if (bytes.length === 0) return;
    // Past the cap the bytes are dropped, and told onwards as a hole.
    if (this.heldBytes + bytes.length > this.maxHeldBytes) this.held.push({ bytes: undefined, gap: bytes.length, ts, frame });
    else {
      this.held.push({ bytes: copyBytes(bytes), gap: 0, ts, frame });
      this.heldBytes += bytes.length;
    }
  }

  /** Gives the held client bytes back to the request parser (the upgrade was refused or never answered). */
  private release(): void {
    const held = this.held;
    this.asking = undefined;
    this.held = [];
    this.heldBytes = 0;
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
        this.hold(h.bytes.subarray(used), h.ts, h.frame);
        for (const rest of held.slice(k + 1)) {
          if (rest.bytes === undefined) this.held.push(rest);
          else this.hold(rest.bytes, rest.ts, rest.frame);
        }
        break;
      }
    }
    this.ts.c2s = savedTs;
    this.frame.c2s = savedFrame;
  }

  /** Hands the connection over: the held client bytes and `s2cHeld` (the server's bytes after the 101) go first. */
  private commitSwitch(s2cHeld: readonly Held[]): void {
    const { init } = this.switching!;
    this.switching = undefined;
    const factory = this.ctx.registry.hasTable('http.upgrade') ? this.ctx.registry.table('http.upgrade').get(init.protocol) : undefined;
    const c2s = this.held;
    this.stopAll();
    if (!factory) return;
    const leftover: { c2s?: Uint8Array; s2c?: Uint8Array } = {};
    for (const [dir, held] of [['c2s', c2s], ['s2c', s2cHeld]] as const) {
      const bytes = join(held);
      if (bytes && bytes.length > 0) leftover[dir] = bytes;
      this.reportCut(dir, held, init.protocol);
    }
    this.ctx.switchTo(factory, init, leftover);
  }

  /** Held bytes from the first hole on cannot be handed over (a leftover has no holes): say so. */
  private reportCut(dir: Direction, held: readonly Held[], protocol: string): void {
    const at = held.findIndex((h) => h.bytes === undefined);
    if (at < 0) return;
    let lost = 0;
    for (let k = at; k < held.length; k++) lost += held[k]!.bytes?.length ?? held[k]!.gap;
    const first = held[at]!;
    const last = held[held.length - 1]!;
    this.ctx.emit({
      type: 'stream.error',
      connection: this.ctx.connection,
      dir,
      firstTs: first.ts,
      lastTs: last.ts,
      firstFrame: first.frame,
      lastFrame: last.frame,
      dissector: 'http',
      diagnostic: {
        code: 'WARN_HTTP_UPGRADE_BYTES_LOST',
        severity: 'warning',
        message: `${lost} bytes held until the upgrade was decided had a hole (missing or over the cap): ${protocol} gets only those before it`,
      },
    });
  }

  private stopAll(): void {
    this.stopped = true;
    this.asking = undefined;
    this.early = undefined;
    this.held = [];
    this.heldBytes = 0;
    this.c2s.stop();
    this.s2c.stop();
  }
}

/**
 * The held client bytes up to the first hole, joined: what the next dissector can take as one
 * piece (the leftover of `switchTo` has no way to say that bytes are missing).
 */
function join(held: readonly Held[]): Uint8Array | undefined {
  let n = 0;
  let end = 0;
  for (; end < held.length && held[end]!.bytes !== undefined; end++) n += held[end]!.bytes!.length;
  if (end === 1) return held[0]!.bytes;
  if (n === 0) return undefined;
  const out = new Uint8Array(n);
  let o = 0;
  for (let k = 0; k < end; k++) {
    out.set(held[k]!.bytes!, o);
    o += held[k]!.bytes!.length;
  }
  return out;
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

/** The fields requests and responses share, from a parsed message. */
function messageFields(msg: ParsedHttpMessage) {
  return {
    version: msg.head.version,
    headers: msg.head.headers,
    rawHead: msg.rawHead,
    body: msg.body,
    bodyLength: msg.bodyLength,
    trailers: msg.trailers,
    streamOffset: msg.streamOffset,
    diagnostics: msg.diagnostics.length ? msg.diagnostics : undefined,
  };
}
