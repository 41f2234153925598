import {
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
  /** Most client bytes held after an upgrade or CONNECT request until its answer (default 256 KiB). */
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
      if (this.asking) this.hold(bytes, ts, frame);
      else {
        const used = this.c2s.write(bytes);
        if (used < bytes.length && this.asking) this.hold(bytes.subarray(used), ts, frame);
      }
      return;
    }
    const used = this.s2c.write(bytes);
    if (this.switching) this.commitSwitch(bytes.subarray(used));
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    if (this.stopped) return;
    this.ts[dir] = ts;
    this.frame[dir] = frame;
    if (dir === 'c2s' && this.asking) {
      this.held.push({ bytes: undefined, gap: length, ts, frame });
      return;
    }
    if (dir === 's2c') {
      const wasInStep = !this.s2c.resyncing;
      this.s2c.gap(length);
      // Responses were lost with the framing: which request the next one answers is unknown.
      if (wasInStep && this.s2c.resyncing) this.pending.length = 0;
      if (this.switching) this.commitSwitch(new Uint8Array(0));
      return;
    }
    this.c2s.gap(length);
  }

  end(ts: bigint, frame: number): void {
    if (this.stopped) return;
    this.ts.c2s = this.ts.s2c = ts;
    this.frame.c2s = this.frame.s2c = frame;
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
      version: head.version,
      headers: head.headers,
      rawHead: msg.rawHead,
      body: msg.body,
      bodyLength: msg.bodyLength,
      trailers: msg.trailers,
      streamOffset: msg.streamOffset,
      diagnostics: msg.diagnostics.length ? msg.diagnostics : undefined,
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

  /** @internal Returns true to pause the response parser at a committed switch. */
  onResponse(msg: ParsedHttpMessage): boolean {
    const head = msg.head;
    if (head.kind !== 'response') return false;
    // 1xx other than 101 are interim: the request still waits for its final response (RFC 9110 §15.2).
    const interim = head.status >= 100 && head.status < 200 && head.status !== 101;
    const request = interim ? this.pending[0] : this.pending.shift();
    const response: HttpResponse = {
      type: 'http.response',
      ...this.eventBase('s2c'),
      version: head.version,
      headers: head.headers,
      rawHead: msg.rawHead,
      body: msg.body,
      bodyLength: msg.bodyLength,
      trailers: msg.trailers,
      streamOffset: msg.streamOffset,
      diagnostics: msg.diagnostics.length ? msg.diagnostics : undefined,
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

  private eventBase(dir: Direction) {
    return {
      connection: this.ctx.connection,
      dir,
      firstTs: this.firstTs[dir],
      lastTs: this.ts[dir],
      firstFrame: this.firstFrame[dir],
      lastFrame: this.frame[dir],
    };
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

  private commitSwitch(s2cLeftover: Uint8Array): void {
    const { init } = this.switching!;
    this.switching = undefined;
    const factory = this.ctx.registry.hasTable('http.upgrade') ? this.ctx.registry.table('http.upgrade').get(init.protocol) : undefined;
    const c2sLeftover = join(this.held);
    this.stopAll();
    if (!factory) return;
    const leftover: { c2s?: Uint8Array; s2c?: Uint8Array } = {};
    if (c2sLeftover && c2sLeftover.length > 0) leftover.c2s = c2sLeftover;
    if (s2cLeftover.length > 0) leftover.s2c = s2cLeftover;
    this.ctx.switchTo(factory, init, leftover);
  }

  private stopAll(): void {
    this.stopped = true;
    this.asking = undefined;
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
