import { FrameChainSearch, type ChainVerdict } from './frame-chain-search.js';

/** What the bytes being searched may hold (see {@link FrameResync}). */
export interface FrameResyncRules {
  /** Whether the direction masks (client), does not (server), or is not known yet (both are searched). */
  readonly masked: boolean | undefined;
  /** RSV1 may be set: permessage-deflate is negotiated or may be (no handshake seen). */
  readonly rsv1: boolean;
  /** The bytes are the stream's very first (the SYN was seen, nothing lost): a frame starts there or nowhere. */
  readonly atStreamStart: boolean;
  /** Evidence demanded, in bits (`SECURITY_BITS_RESYNC` of frame-evidence.ts in a connection known to be WebSocket). */
  readonly securityBits: number;
  /** Largest payload a believed frame may claim. */
  readonly maxPayload: number;
}

/** Where frames were found: the stream offset (from the search's start) of the first believed frame's header. */
export interface FrameResyncFound {
  /** Offsets of the believed frames (the first where frames begin) and of the header after them. */
  readonly frames: readonly number[];
  readonly next: number;
  /** Whether the frames found are masked: the direction's role. */
  readonly masked: boolean;
}

/**
 * Resynchronisation: where WebSocket frames start again in bytes that begin at an unknown point
 * of one direction (a capture that starts mid-connection, bytes lost to a gap, a header no peer
 * sends). Only what RFC 6455 allows in this direction is accepted, and a start is believed only
 * when a chain of frames proves it with evidence that grows with the bytes searched
 * ({@link FrameChainSearch}, see frame-evidence.ts); Zeek stops after a gap, Wireshark trusts
 * the next plausible header, this believes nothing it cannot prove. When the direction's masking
 * is not known, a masked and an unmasked chain are searched for at once (RFC 6455 §5.1: only
 * clients mask); the first believed gives the direction its role.
 *
 * Long frames are followed by skipping (the search keeps a few hundred bytes); the caller keeps
 * what it wants to parse once frames are found.
 */
export class FrameResync {
  private searches: { readonly masked: boolean; readonly search: FrameChainSearch }[] = [];
  private done = false;

  constructor(rules: FrameResyncRules) {
    for (const masked of rules.masked === undefined ? [true, false] : [rules.masked]) {
      const search = new FrameChainSearch(
        { masked, rsv1: rules.rsv1, continuationFirst: !rules.atStreamStart, maxPayload: rules.maxPayload },
        { securityBits: rules.securityBits, starts: rules.atStreamStart ? 'first' : 'byte' },
      );
      this.searches.push({ masked, search });
    }
  }

  /** Feeds the next bytes (a view is fine); frames, once believed. Nothing more after a match or a reject. */
  push(chunk: Uint8Array): FrameResyncFound | undefined {
    if (this.done) return undefined;
    return this.decide((s) => s.push(chunk));
  }

  /** The stream ended: a chain whose last frame ends exactly here may be believed now. */
  finish(): FrameResyncFound | undefined {
    if (this.done) return undefined;
    const found = this.decide((s) => s.finish());
    this.done = true;
    return found;
  }

  /** The direction's masking became known (the other direction's frames told): search only for it. */
  restrict(masked: boolean): void {
    this.searches = this.searches.filter((s) => s.masked === masked);
    if (this.searches.length === 0) this.done = true;
  }

  /** Whether no frame can be found any more (every search rejected). */
  get rejected(): boolean {
    return this.done;
  }

  private decide(step: (s: FrameChainSearch) => ChainVerdict): FrameResyncFound | undefined {
    let best: FrameResyncFound | undefined;
    let alive = 0;
    for (const { masked, search } of this.searches) {
      const v = step(search);
      if (v.kind === 'match') {
        if (best === undefined || v.offset < best.frames[0]!) best = { frames: v.frames, next: v.next, masked };
      } else if (v.kind === 'need') alive++;
    }
    if (best !== undefined || alive === 0) this.done = true;
    return best;
  }
}
