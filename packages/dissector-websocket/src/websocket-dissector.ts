import type {
  AppEvent,
  Connection,
  Diagnostic,
  Direction,
  Registry,
  StreamContext,
  StreamDissector,
  StreamDissectorFactory,
} from '@netrx/core';
import type { HttpHeader, HttpUpgrade } from '@netrx/dissector-http';
import { looksLikeHttpRequest } from '@netrx/dissector-http';
import { ConnectionMemory } from './connection-memory.js';
import { parsePerMessageDeflate, type DeflateParams } from './permessage-deflate-params.js';
import type { DecodedPayload, WebSocketMessage, WebSocketOptions, WebSocketPayloadDissector } from './types.js';
import { WebSocketFrameParser } from './websocket-frame-parser.js';
import { SECURITY_BITS_HEURISTIC, SECURITY_BITS_RESYNC } from './frame-evidence.js';
import { probeWebSocket, WS_PROBE_BYTES } from './websocket-probe.js';
import { WebSocketStreamProbe } from './websocket-stream-probe.js';
import { WebSocketMessageAssembler, type AssemblerOwner, type CompressionState } from './websocket-message-assembler.js';
import { handshakeViolation, warning } from './websocket-validation.js';

/** Default of `maxFramePayload` and `maxMessageSize` (after inflation): 64 MiB. */
export const DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024;
/** Most payload bytes, and events, held while a connection is not confirmed (see `out`). */
const HOLD_CAP = 4 * 1024 * 1024;
const HOLD_MAX = 4096;

/** The handshake, as far as the dissector needs it. */
interface Handshake {
  readonly compression: Record<Direction, CompressionState>;
  readonly protocol?: string;
  readonly deflate?: DeflateParams;
  readonly diagnostics: Diagnostic[];
  /** When the 101 response ended (its last frame), for findings emitted at once. */
  readonly ts: bigint;
  readonly frame: number;
}

function values(headers: readonly HttpHeader[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

/** Reads what matters from a captured upgrade: permessage-deflate, the subprotocol, the accept key. */
function readHandshake(init: HttpUpgrade): Handshake {
  const req = init.request?.headers ?? [];
  const res = init.response.headers;
  const { params, diagnostics } = parsePerMessageDeflate(values(res, 'sec-websocket-extensions'));
  const finding = handshakeViolation(values(req, 'sec-websocket-key')[0], values(res, 'sec-websocket-accept')[0], Boolean(init.request));
  if (finding) diagnostics.push(finding);
  const c: CompressionState = params ? 'negotiated' : 'none';
  const protocol = values(res, 'sec-websocket-protocol')[0]?.trim() || undefined;
  return { compression: { c2s: c, s2c: c }, protocol, deflate: params, diagnostics, ts: init.response.lastTs, frame: init.response.lastFrame };
}

function isUpgrade(init: unknown): init is HttpUpgrade {
  return typeof init === 'object' && init !== null && 'response' in init && 'protocol' in init;
}

/**
 * The WebSocket dissector of one connection: a frame parser and a message assembler per direction.
 * After a captured handshake it knows where frames start, whether permessage-deflate is on and
 * which side masks; without one (midstream, decode-as, heuristic) it searches for frames, tells
 * the client by its masking, and inflates what it can prove right. Forced onto a connection that
 * starts with an HTTP request, it lets the `http` dissector read the upgrade first.
 */
export class WebSocketStreamDissector implements StreamDissector, AssemblerOwner {
  connection: Connection;
  private readonly parsers: Record<Direction, WebSocketFrameParser>;
  private readonly assemblers: Record<Direction, WebSocketMessageAssembler>;
  /** Whether the roles are settled (a handshake, a SYN, decode-as, or the first masked frame proven). */
  private rolesKnown: boolean;
  private readonly payloadDissector: WebSocketPayloadDissector | undefined;
  private readonly payloadHeuristics: readonly WebSocketPayloadDissector[];
  /** No handshake was given and no byte has arrived yet. */
  private awaitingFirstBytes: boolean;
  /** Whether the connection is known to be WebSocket: a handshake, or proven masked frames (see `out`). */
  private confirmed: boolean;
  private held: AppEvent[] = [];
  private heldBytes = 0;
  private heldDropped = 0;
  /** The connection's share of the pipeline's memory budget; all of it is given back at `end`. */
  private readonly memory: ConnectionMemory;

  constructor(
    private readonly ctx: StreamContext,
    init: unknown,
    options: WebSocketOptions = {},
  ) {
    this.connection = ctx.connection;
    const hs = isUpgrade(init) ? readHandshake(init) : undefined;
    this.awaitingFirstBytes = hs === undefined;
    this.confirmed = hs !== undefined;
    // A decode-as rule names the server's port: without a SYN, it settles the roles (the
    // reassembler guessed them by port or by a first header that looked masked).
    const forced = hs === undefined && ctx.connection.clientBy !== 'syn' ? decodeAsServer(ctx.registry, ctx.connection) : undefined;
    if (forced === 'client') this.connection = { ...ctx.connection, client: ctx.connection.server, server: ctx.connection.client, clientBy: 'decode-as' };
    else if (forced === 'server') this.connection = { ...ctx.connection, clientBy: 'decode-as' };
    // Otherwise (guessed by port, or by a first header that looked masked) the masking of proven
    // frames settles them (RFC 6455 §5.1).
    this.rolesKnown = hs !== undefined || forced !== undefined || ctx.connection.clientBy === 'syn';
    /** Wire direction → direction reported (they differ when decode-as swapped the roles). */
    const reported = (dir: Direction): Direction => (forced === 'client' ? (dir === 'c2s' ? 's2c' : 'c2s') : dir);
    const maxFramePayload = options.maxFramePayload ?? DEFAULT_MAX_MESSAGE;
    const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE;
    this.memory = new ConnectionMemory(ctx.budget);
    const memory = this.memory;
    const make = (dir: Direction): [WebSocketFrameParser, WebSocketMessageAssembler] => {
      const compression = hs ? hs.compression[dir] : 'unknown';
      // RFC 7692 §7.1: the client's parameters govern what the client sends (c2s), the server's s2c.
      const dp = hs?.deflate;
      const deflate =
        dp && (dir === 'c2s' ? { windowBits: dp.clientMaxWindowBits, noContextTakeover: dp.clientNoContextTakeover } : { windowBits: dp.serverMaxWindowBits, noContextTakeover: dp.serverNoContextTakeover });
      const a = new WebSocketMessageAssembler(this, reported(dir), {
        compression,
        maxMessageSize,
        frames: options.frames ?? false,
        protocol: hs?.protocol,
        fromStart: hs !== undefined,
        deflate,
        memory,
      });
      const p = new WebSocketFrameParser(a, {
        maxFramePayload,
        startInSync: hs !== undefined,
        allowRsv1: compression !== 'none',
        // After a handshake, the masking rule helps find frames again after a gap; without one,
        // the search tries both and the first proven chain settles the direction's role.
        expectMask: hs || forced ? reported(dir) === 'c2s' : undefined,
        // The SYN was seen and no handshake: the stream's first byte starts a frame or none does.
        atStreamStart: hs === undefined && ctx.connection.clientBy === 'syn',
        // Until frames are proven somewhere in the connection, it is not known to be WebSocket
        // (decode-as forces it onto bytes of any kind): demand the heuristic's evidence.
        securityBits: hs ? SECURITY_BITS_RESYNC : SECURITY_BITS_HEURISTIC,
        memory,
      });
      return [p, a];
    };
    const [pc, ac] = make('c2s');
    const [ps, as] = make('s2c');
    this.parsers = { c2s: pc, s2c: ps };
    this.assemblers = { c2s: ac, s2c: as };
    // The handshake's findings, now: the client may never send a message for them to ride on.
    if (hs !== undefined && hs.diagnostics.length > 0) {
      ctx.emit({ type: 'ws.warning', connection: this.connection, dir: ac.dir, firstTs: hs.ts, lastTs: hs.ts, firstFrame: hs.frame, lastFrame: hs.frame, warnings: hs.diagnostics });
    }
    const registry = ctx.registry;
    this.payloadDissector = lookupPayloadDissector(registry, hs?.protocol, this.connection.server.port);
    this.payloadHeuristics = registry.hasTable('ws.port') ? registry.heuristics('ws').active : [];
  }

  data(dir: Direction, bytes: Uint8Array, ts: bigint, frame: number): void {
    if (this.awaitingFirstBytes) {
      this.awaitingFirstBytes = false;
      // Forced onto a connection (decode-as) whose handshake was captured: let HTTP read the
      // upgrade; its 101 hands the connection back to us with the handshake.
      const http = looksLikeHttpRequest(bytes) ? this.ctx.registry.byName<StreamDissectorFactory>('http') : undefined;
      if (http !== undefined) {
        this.ctx.switchTo(http, undefined, { [dir]: bytes });
        return;
      }
    }
    this.parsers[dir].write(bytes, ts, frame);
  }

  gap(dir: Direction, length: number, ts: bigint, frame: number): void {
    this.parsers[dir].gap(length, ts, frame);
  }

  end(ts: bigint, frame: number): void {
    for (const dir of ['c2s', 's2c'] as const) {
      this.parsers[dir].end(ts, frame);
      this.assemblers[dir].end(ts, frame);
    }
    if (!this.confirmed && (this.held.length > 0 || this.heldDropped > 0)) {
      const n = this.held.filter((e) => e.type === 'ws.message').length + this.heldDropped;
      const first = this.held[0];
      this.held = [];
      this.memory.release(this.heldBytes);
      this.heldBytes = 0;
      this.emitUnconfirmed(
        `${n} messages of unmasked frames were not shown: no masked (client) frames were proven on the other side, and unmasked frames alone also fit length-prefixed protocols`,
        first,
        ts,
        frame,
      );
    }
    // Whatever is still drawn (a context, a message in pieces) is freed with the connection.
    this.memory.releaseAll();
  }

  private emitUnconfirmed(message: string, about: AppEvent | undefined, ts?: bigint, frame?: number): void {
    const c = about?.connection ?? this.connection;
    this.ctx.emit({
      type: 'ws.warning',
      connection: c,
      dir: about?.dir ?? 's2c',
      firstTs: about?.firstTs ?? ts ?? 0n,
      lastTs: ts ?? about?.lastTs ?? 0n,
      firstFrame: about?.firstFrame ?? frame ?? 0,
      lastFrame: frame ?? about?.lastFrame ?? 0,
      warnings: [warning('WARN_WS_UNCONFIRMED', message)],
    });
  }

  /** Whether the roles are settled: until then an unmasked frame is not judged a client's (see `noteMasking`). */
  get rolesSettled(): boolean {
    return this.rolesKnown;
  }

  noteMasking(assembler: WebSocketMessageAssembler, masked: boolean): void {
    if (this.rolesKnown) return;
    // RFC 6455 §5.1: only clients mask, so a masked frame settles a guessed role. Unmasked frames
    // alone settle nothing: length-prefixed protocols read as unmasked frames too, and their side
    // would be named the server (an MQTT client calling its broker on 1883 the server).
    if (!masked) return;
    this.rolesKnown = true;
    if (assembler.dir === 'c2s') return;
    const c = this.connection;
    this.connection = { ...c, client: c.server, server: c.client, clientBy: 'ws-mask' };
    this.assemblers.c2s.dir = 's2c';
    this.assemblers.s2c.dir = 'c2s';
    // What is held was made under the guessed roles: it follows them (once, when they change).
    const flip = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');
    this.held = this.held.map((e) => ({ ...e, connection: this.connection, dir: flip((e as { dir: Direction }).dir) }) as AppEvent);
  }

  noteSearchMasking(assembler: WebSocketMessageAssembler, masked: boolean): void {
    // RFC 6455 §5.1: one side masks, the other does not.
    const other = assembler === this.assemblers.c2s ? 's2c' : 'c2s';
    this.parsers[other].setExpectMask(!masked);
    // Only proven masked frames (random keys: strong evidence) show the connection is WebSocket:
    // then its roles are settled, what was held goes out (named by the settled roles) and a lost
    // frame start is searched for with the resynchronisation's evidence. An unmasked chain keeps
    // the heuristic's evidence in both directions (S = 32, as until confirmed).
    if (!masked) return;
    this.noteMasking(assembler, true);
    this.confirm();
    this.parsers.c2s.securityBits = this.parsers.s2c.securityBits = SECURITY_BITS_RESYNC;
  }

  emit(event: AppEvent): void {
    this.ctx.emit(event);
  }

  emitMessage(message: WebSocketMessage): void {
    if (message.undecodable === undefined && (this.payloadDissector || this.payloadHeuristics.length)) {
      const decoded = decodePayload(message, this.payloadDissector, this.payloadHeuristics);
      if (decoded) {
        this.out({ ...message, decoded });
        return;
      }
    }
    this.out(message);
  }

  /**
   * Emits a message or frame, or holds it while the connection is not confirmed: without a
   * handshake, only a proven chain of masked frames (a client's, RFC 6455 §5.1: random keys make
   * it strong evidence) confirms a connection. Unmasked frames alone also fit length-prefixed
   * protocols (ten MQTT SUBSCRIBEs read as binary frames), so what they carry is held, bounded,
   * until the other side's masked frames are proven, and dropped, with a warning, if they never are.
   */
  private out(event: AppEvent): void {
    if (this.confirmed) {
      this.ctx.emit(event);
      return;
    }
    const size = event.type === 'ws.message' ? event.payload.length : event.type === 'ws.frame' ? event.payload.length : 0;
    // Held between packets: drawn on the memory budget, or dropped and counted as over the hold.
    if (this.heldBytes + size > HOLD_CAP || this.held.length >= HOLD_MAX || !this.memory.take(size)) {
      this.heldDropped++;
      return;
    }
    this.held.push(event);
    this.heldBytes += size;
  }

  /** The connection is WebSocket: what was held goes out, in order. */
  private confirm(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    const held = this.held;
    this.held = [];
    this.memory.release(this.heldBytes);
    this.heldBytes = 0;
    for (const e of held) this.ctx.emit(e);
    if (this.heldDropped > 0) {
      this.emitUnconfirmed(`${this.heldDropped} messages or frames over the ${HOLD_CAP}-byte hold (or refused by the memory budget) were not shown before the other side's masked frames confirmed the connection`, held[0]);
      this.heldDropped = 0;
    }
  }
}

/**
 * Which of the connection's ports a decode-as rule on `tcp.port` names for `websocket`: the
 * server's as the connection has it, the client's (the roles are the other way round), or neither.
 */
function decodeAsServer(registry: Registry, c: Connection): 'server' | 'client' | undefined {
  if (!registry.hasDecodeAs('tcp.port')) return undefined;
  const named = (port: number): boolean => registry.decodeAs('tcp.port', port)?.name === 'websocket';
  if (named(c.server.port)) return 'server';
  return named(c.client.port) ? 'client' : undefined;
}

function lookupPayloadDissector(registry: Registry, protocol: string | undefined, serverPort: number): WebSocketPayloadDissector | undefined {
  if (!registry.hasTable('ws.protocol')) return undefined;
  return (protocol !== undefined ? registry.table('ws.protocol').get(protocol) : undefined) ?? registry.table('ws.port').get(serverPort);
}

function decodePayload(
  m: WebSocketMessage,
  table: WebSocketPayloadDissector | undefined,
  heuristics: readonly WebSocketPayloadDissector[],
): DecodedPayload | undefined {
  for (const d of table ? [table] : heuristics) {
    let value: unknown;
    try {
      value = d.decode(m);
    } catch {
      value = undefined;
    }
    if (value === undefined) continue;
    if (d.summarize === undefined) return { protocol: d.name, value };
    let summary: unknown;
    try {
      summary = d.summarize(value, m);
    } catch {
      summary = undefined;
    }
    return typeof summary === 'string' ? { protocol: d.name, value, summary } : { protocol: d.name, value };
  }
  return undefined;
}

/**
 * Makes the WebSocket stream-dissector factory (name `websocket`): registered in `http.upgrade`
 * under `websocket`, in the `tcp` heuristics (its `probe` recognises frames), and usable by
 * decode-as (`tcp.port==7272,websocket`).
 *
 * @example
 * ```ts
 * const registry = createRegistry([corePlugin, tcpPlugin, httpPlugin, websocketPlugin]);
 * registry.addDecodeAs('tcp.port==7272,websocket');
 * ```
 */
export function createWebSocketFactory(options: WebSocketOptions = {}): StreamDissectorFactory {
  return {
    name: 'websocket',
    resumesAfterGap: true,
    probe: probeWebSocket,
    probeBytes: WS_PROBE_BYTES,
    createProbe: (connection) => new WebSocketStreamProbe(connection),
    create: (ctx, init) => new WebSocketStreamDissector(ctx, init, options),
  };
}
