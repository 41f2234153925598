import { concatBytes, copyBytes, type Direction, type MemoryBudget, type StreamContext } from '@netrx/core';
import { httpDiagnostic } from './http-codes.js';
import { emitStreamError } from './http-events.js';
import type { HttpRequestHead, HttpResponseHead } from './http-head.js';
import { headerListValues, splitHeaderList } from './http-header-list.js';
import { headerValue, type HttpRequest, type HttpUpgrade } from './types.js';

/**
 * Holding bytes across an Upgrade. After a request that may switch the connection to another
 * protocol (an Upgrade, or CONNECT) the client's further bytes belong to HTTP or to the next
 * protocol depending on the answer, so they are held (copied) until it comes: a `101` hands them
 * to the next dissector with the server's bytes after it, anything else gives them back to HTTP.
 */

/** Held bytes (a copy nobody else holds), or a hole among them (`bytes` undefined, `gap` long). */
export interface HeldChunk {
  readonly bytes: Uint8Array | undefined;
  readonly gap: number;
  /** Packet time and frame the bytes came in. */
  readonly ts: bigint;
  readonly frame: number;
}

/** An upgrade or CONNECT request waiting for the answer that decides what the held bytes are. */
export interface Asking {
  readonly request: HttpRequest;
  /** The protocol asked for (lower case), or undefined for CONNECT. */
  readonly token: string | undefined;
}

/**
 * Whether a request asks to switch protocols: `Upgrade: X` with `Connection: upgrade`
 * (RFC 9110 §7.8). Returns the first protocol listed, without a version ("websocket", "h2c"),
 * lower-cased.
 */
export function upgradeToken(head: HttpRequestHead): string | undefined {
  const upgrade = headerValue(head.headers, 'upgrade');
  if (upgrade === undefined) return undefined;
  if (!headerListValues(head.headers, 'connection').includes('upgrade')) return undefined;
  return splitHeaderList(upgrade)[0]?.toLowerCase();
}

/** What a final response to an {@link Asking} request means for the connection. */
export type AskingAnswer =
  /** A `101` committed the switch to this protocol. */
  | { readonly kind: 'switch'; readonly protocol: string }
  /** The connection is no longer HTTP, and there is no dissector to name (a tunnel, a 101 to a request not seen). */
  | { readonly kind: 'stop' }
  /** Refused: the connection stays HTTP, and the held client bytes are HTTP again. */
  | { readonly kind: 'release' }
  /** Nothing changes: not an answer to the asking request. */
  | { readonly kind: 'none' };

const STOP: AskingAnswer = { kind: 'stop' };
const RELEASE: AskingAnswer = { kind: 'release' };
const NONE: AskingAnswer = { kind: 'none' };

/**
 * Decides what a final response means: `request` is the one it answers (if seen), `asking` the
 * upgrade or CONNECT request waiting, if any.
 */
export function answerAsking(asking: Asking | undefined, request: HttpRequest | undefined, head: HttpResponseHead): AskingAnswer {
  const answersAsking = asking !== undefined && request === asking.request;
  if (head.status === 101) {
    if (answersAsking && asking.token !== undefined) {
      // RFC 9110 §7.8: the server names the protocol it switches to in its own Upgrade header.
      const chosen = splitHeaderList(headerValue(head.headers, 'upgrade') ?? '')[0]?.toLowerCase();
      return { kind: 'switch', protocol: chosen ?? asking.token };
    }
    // Switched to a protocol we cannot name (its request was not captured): not HTTP any more.
    return STOP;
  }
  if (!answersAsking) return NONE;
  // A tunnel (RFC 9110 §9.3.6): what follows is not HTTP, and there is no table to hand it to.
  if (head.status >= 200 && head.status < 300 && asking.request.method === 'CONNECT') return STOP;
  // Refused (400, 426…).
  return RELEASE;
}

/**
 * Client bytes held while an upgrade or CONNECT waits for its answer, with a cap, drawn on the
 * pipeline's memory budget when there is one (given back when they are taken out).
 */
export class HeldBytes {
  private chunks: HeldChunk[] = [];
  private kept = 0;

  /** `max`: most bytes kept; past it bytes are dropped and recorded as a hole. `budget`: the pipeline's (`StreamContext.budget`). */
  constructor(
    private readonly max: number,
    private readonly budget?: MemoryBudget,
  ) {}

  /**
   * Keeps `bytes`: a copy, unless `owned` (a view of a copy this hold made earlier, given back).
   * Past the cap, or when the memory budget refuses them (counted by the budget), they are
   * dropped, and told onwards as a hole.
   */
  hold(bytes: Uint8Array, ts: bigint, frame: number, owned = false): void {
    if (bytes.length === 0) return;
    if (this.kept + bytes.length > this.max || (this.budget !== undefined && !this.budget.take(bytes.length))) {
      this.chunks.push({ bytes: undefined, gap: bytes.length, ts, frame });
      return;
    }
    this.chunks.push({ bytes: owned ? bytes : copyBytes(bytes), gap: 0, ts, frame });
    this.kept += bytes.length;
  }

  /** `length` bytes were never captured. */
  gap(length: number, ts: bigint, frame: number): void {
    this.chunks.push({ bytes: undefined, gap: length, ts, frame });
  }

  /** Gives a chunk {@link take}n earlier back, as it was. */
  restore(chunk: HeldChunk): void {
    if (chunk.bytes === undefined) this.chunks.push(chunk);
    else this.hold(chunk.bytes, chunk.ts, chunk.frame, true);
  }

  /** Takes everything held out, oldest first, leaving the hold empty. */
  take(): HeldChunk[] {
    const chunks = this.chunks;
    this.chunks = [];
    // What is taken out is the taker's now: handed over (the next dissector draws its own) or parsed.
    if (this.kept > 0) this.budget?.release(this.kept);
    this.kept = 0;
    return chunks;
  }
}

/**
 * Held bytes up to the first hole, joined: what the next dissector can take as one piece (the
 * leftover of `switchTo` has no way to say that bytes are missing). Undefined when there are none.
 */
export function joinUntilHole(held: readonly HeldChunk[]): Uint8Array | undefined {
  let n = 0;
  let end = 0;
  for (; end < held.length && held[end]!.bytes !== undefined; end++) n += held[end]!.bytes!.length;
  if (n === 0) return undefined;
  return concatBytes(held.slice(0, end).map((h) => h.bytes!), n);
}

/** The bytes from the first hole on (held or missing), and the chunks they span; undefined without a hole. */
export function lostFromHole(held: readonly HeldChunk[]): { readonly bytes: number; readonly first: HeldChunk; readonly last: HeldChunk } | undefined {
  const at = held.findIndex((h) => h.bytes === undefined);
  if (at < 0) return undefined;
  let bytes = 0;
  for (let k = at; k < held.length; k++) bytes += held[k]!.bytes?.length ?? held[k]!.gap;
  return { bytes, first: held[at]!, last: held[held.length - 1]! };
}

/**
 * Hands the connection over after a committed `101`: the dissector the `http.upgrade` table names
 * for the protocol gets the held bytes of each direction first (client, then server). What came
 * from the first hole on cannot be handed over: a `WARN_HTTP_UPGRADE_BYTES_LOST` `stream.error`
 * says so. Without a dissector for the protocol nothing happens (HTTP has already stopped).
 */
export function handOver(ctx: StreamContext, init: HttpUpgrade, held: Readonly<Record<Direction, readonly HeldChunk[]>>): void {
  const factory = ctx.registry.hasTable('http.upgrade') ? ctx.registry.table('http.upgrade').get(init.protocol) : undefined;
  if (!factory) return;
  const leftover: { c2s?: Uint8Array; s2c?: Uint8Array } = {};
  for (const dir of ['c2s', 's2c'] as const) {
    const bytes = joinUntilHole(held[dir]);
    if (bytes) leftover[dir] = bytes;
    const lost = lostFromHole(held[dir]);
    if (!lost) continue;
    emitStreamError(
      ctx,
      dir,
      { firstTs: lost.first.ts, lastTs: lost.last.ts, firstFrame: lost.first.frame, lastFrame: lost.last.frame },
      httpDiagnostic('WARN_HTTP_UPGRADE_BYTES_LOST', `${lost.bytes} bytes held until the upgrade was decided had a hole (missing or over the cap): ${init.protocol} gets only those before it`),
    );
  }
  ctx.switchTo(factory, init, leftover);
}
