/** Out-of-order bytes waiting in a {@link SegmentList}: a copy, with the segment's time and frame. */
export class Segment {
  /** The next segments at each level of the list (level 0: the very next one). */
  readonly forward: (Segment | undefined)[];

  constructor(
    /** Stream offset of the first byte. */
    readonly offset: number,
    readonly bytes: Uint8Array,
    readonly ts: bigint,
    readonly frame: number,
    levels: number,
  ) {
    this.forward = new Array<Segment | undefined>(levels).fill(undefined);
  }

  /** Stream offset just past the last byte. */
  get end(): number {
    return this.offset + this.bytes.length;
  }
}

/** Most levels: 4^16 segments before the list stops being logarithmic, far over any cap. */
const MAX_LEVEL = 16;

/**
 * The out-of-order segments of one direction, sorted by offset and never overlapping: a skip list
 * (Pugh 1990), so an insert anywhere costs O(log n) expected, appending behind the last segment
 * and taking the first cost O(1) (expected), and walking on from a segment is a pointer step. A sorted array
 * consumed with `splice(0, n)` made N one-byte segments each behind a hole cost O(N²) (55 s of
 * CPU at 200,000); this is the structure gopacket's reassembly keeps as a linked list, with the
 * levels added so that a crafted order (segments arriving last-first) cannot make inserts linear.
 *
 * Levels are drawn at random (p = 1/4), so a capture cannot be made to build a degenerate list.
 * Segments are not merged: each keeps the time and frame its `data` event reports.
 */
export class SegmentList {
  /**
   * The head's forward pointers: `head[0]` is the first segment. Grown a level at a time (a
   * connection holding a few segments keeps short arrays).
   */
  private readonly head: (Segment | undefined)[] = [undefined];
  /** The last segment of each level: `tails[0]` is the last segment. Appending needs no search. */
  private readonly tails: (Segment | undefined)[] = [undefined];
  private level = 1;
  /** Segments held. */
  size = 0;

  /** The first segment (lowest offset), or undefined. */
  get first(): Segment | undefined {
    return this.head[0];
  }

  /** The last segment (highest offset), or undefined. */
  get last(): Segment | undefined {
    return this.tails[0];
  }

  /**
   * The first segment that ends after `off` (the one holding `off`, or else the first after it), or
   * undefined. O(log n), O(1) when `off` is at or past the last segment's start.
   */
  firstEndingAfter(off: number): Segment | undefined {
    pathList = undefined;
    const tail = this.tails[0];
    if (tail === undefined) return undefined;
    if (tail.offset <= off) return tail.end > off ? tail : undefined;
    const first = this.head[0]!;
    if (first.end > off) {
      if (first.offset >= off) this.keepPath(off, 0);
      return first;
    }
    // The last segment starting before `off` (there is one: the first), then it or the next. The
    // path is kept: an insert at `off` next (a segment overlapping nothing) needs no search.
    const x = this.searchPath(off)!;
    this.keepPath(off, this.level);
    return x.end > off ? x : x.forward[0];
  }

  /**
   * Fills {@link UPDATE} with the last segment starting before `off` at each level (undefined: the
   * head), and returns level 0's.
   */
  private searchPath(off: number): Segment | undefined {
    let x: Segment | undefined;
    for (let l = this.level - 1; l >= 0; l--) {
      let n = x === undefined ? this.head[l] : x.forward[l];
      while (n !== undefined && n.offset < off) {
        x = n;
        n = n.forward[l];
      }
      UPDATE[l] = x;
    }
    return x;
  }

  /** Marks {@link UPDATE} as the search path to `off` in this list, for its first `levels` levels (the head above). */
  private keepPath(off: number, levels: number): void {
    pathList = this;
    pathKey = off;
    pathLevels = levels;
  }

  /**
   * Adds a segment that overlaps none held. O(1) behind the last segment, O(log n) expected
   * anywhere else.
   */
  insert(offset: number, bytes: Uint8Array, ts: bigint, frame: number): Segment {
    const levels = randomLevel();
    while (this.head.length < levels) {
      this.head.push(undefined);
      this.tails.push(undefined);
    }
    if (levels > this.level) this.level = levels;
    const s = new Segment(offset, bytes, ts, frame, levels);
    const tail = this.tails[0];
    const update = UPDATE;
    if (tail === undefined || tail.offset < offset) {
      // Append: the predecessor at each level is that level's last segment.
      for (let l = 0; l < levels; l++) update[l] = this.tails[l];
    } else if (pathList === this && pathKey === offset) {
      // Found by the firstEndingAfter(offset) just before: the levels it did not search start at the head.
      for (let l = pathLevels; l < this.level; l++) update[l] = undefined;
    } else this.searchPath(offset);
    for (let l = 0; l < levels; l++) {
      const p = update[l];
      const f = p === undefined ? this.head : p.forward;
      const after = f[l];
      s.forward[l] = after;
      f[l] = s;
      if (after === undefined) this.tails[l] = s;
    }
    // Keep no segment alive through the scratch array once it is taken out.
    update.fill(undefined, 0, this.level);
    pathList = undefined;
    this.size++;
    return s;
  }

  /** Takes the first segment out. O(its levels). */
  shift(): Segment | undefined {
    const s = this.head[0];
    if (s === undefined) return undefined;
    if (pathList === this) pathList = undefined;
    const f = s.forward;
    for (let l = 0; l < f.length; l++) {
      // First at each of its levels; the last too when nothing follows it there.
      this.head[l] = f[l];
      if (f[l] === undefined) this.tails[l] = undefined;
    }
    while (this.level > 1 && this.head[this.level - 1] === undefined) this.level--;
    this.size--;
    return s;
  }

  /** Lets go of every segment. */
  clear(): void {
    if (pathList === this) pathList = undefined;
    this.head.fill(undefined);
    this.tails.fill(undefined);
    this.level = 1;
    this.size = 0;
  }
}

/**
 * Predecessors found by an insert's search, per level (undefined: the head): scratch shared by
 * every list (inserts never nest), cleared after each use.
 */
const UPDATE: (Segment | undefined)[] = new Array<Segment | undefined>(MAX_LEVEL).fill(undefined);
/** The list whose search path to {@link pathKey} {@link UPDATE} holds (for its first {@link pathLevels} levels), if any. */
let pathList: SegmentList | undefined;
let pathKey = 0;
let pathLevels = 0;

/** 1 + the number of times a fair 1-in-4 draw came up, at most {@link MAX_LEVEL}. */
function randomLevel(): number {
  // Two random bits per level from one draw: 15 levels' worth in 30 bits.
  let r = (Math.random() * 0x40000000) | 0;
  let l = 1;
  while ((r & 3) === 0 && l < MAX_LEVEL) {
    l++;
    r >>>= 2;
    if (r === 0) break;
  }
  return l;
}
