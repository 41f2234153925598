import type { Prng } from './prng.js';

const WORDS = (
  'hi all hello world chat room the quick brown fox jumps over lazy dog message user server ' +
  'client socket frame deflate window stream packet ping pong latency online offline typing ' +
  'joined left welcome bye ok yes no maybe tomorrow today tonight coffee lunch meeting deploy ' +
  'release bug fix test build green red ship it 你好 世界 ！ café naïve über 🙂 🚀 ñandú'
).split(' ');

/**
 * Payload material for generated messages: a pool of chat-like UTF-8 text (words cut only at word
 * boundaries, so any slice is valid UTF-8) and a pool of random bytes for binary messages.
 */
export class MessageContent {
  private readonly text: Uint8Array;
  /** Offsets where a word starts in {@link text}. */
  private readonly starts: Uint32Array;
  private readonly random: Uint8Array;
  private readonly enc = new TextEncoder();

  constructor(rng: Prng, poolBytes = 1 << 20) {
    const parts: string[] = [];
    let n = 0;
    while (n < poolBytes) {
      const w = WORDS[rng.int(0, WORDS.length - 1)]!;
      parts.push(w);
      n += Buffer.byteLength(w) + 1;
    }
    this.text = this.enc.encode(parts.join(' ') + ' ');
    const starts: number[] = [0];
    for (let i = 0; i < this.text.length - 1; i++) if (this.text[i] === 0x20) starts.push(i + 1);
    this.starts = Uint32Array.from(starts);
    this.random = rng.fill(new Uint8Array(poolBytes));
  }

  /**
   * A chat message in JSON of about `size` bytes (at least the envelope's), valid UTF-8:
   * `{"type":"say","from":"user7","content":"…"}`.
   */
  chat(rng: Prng, from: number, size: number): Uint8Array {
    const head = this.enc.encode(`{"type":"say","from":"user${from}","content":"`);
    const want = Math.max(0, size - head.length - 2);
    const s = this.starts;
    const i = rng.int(0, s.length - 1);
    const start = s[i]!;
    // Extend to the first word boundary at or after `want` bytes (shorter near the pool's end).
    let j = i;
    while (j + 1 < s.length && s[j]! - start < want) j++;
    const end = s[j]!;
    const out = new Uint8Array(head.length + (end - start) + 2);
    out.set(head, 0);
    out.set(this.text.subarray(start, end), head.length);
    out[out.length - 2] = 0x22; // "
    out[out.length - 1] = 0x7d; // }
    return out;
  }

  /** `size` random bytes (a view into the pool; `size` is capped at the pool size). */
  binary(rng: Prng, size: number): Uint8Array {
    const n = Math.min(size, this.random.length);
    const at = rng.int(0, this.random.length - n);
    return this.random.subarray(at, at + n);
  }
}
