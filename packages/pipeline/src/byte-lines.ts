import { JSON_ESCAPE_BLOCK, writeJsonStringBody } from './json-string-body.js';
import type { LineSink } from './parallel/line-sink.js';

/** Hex is written this many input bytes per capacity check. */
const HEX_BLOCK = 32 * 1024;
/** The two hex digits of each byte value, as character codes. */
const HEX_HIGH = Uint8Array.from({ length: 256 }, (_, b) => '0123456789abcdef'.charCodeAt(b >> 4));
const HEX_LOW = Uint8Array.from({ length: 256 }, (_, b) => '0123456789abcdef'.charCodeAt(b & 15));
/** Shorter byte runs are copied one by one (a native copy costs more for a few bytes). */
const NATIVE_BYTES_MIN = 64;

/**
 * Copies `src[start, end)` into `buf` at `pos`, which has the room; returns the position after.
 * Short runs byte by byte: a view per run costs more than the copy.
 */
export function copyBytesInto(buf: Uint8Array, pos: number, src: Uint8Array, start: number, end: number): number {
  if (end - start < NATIVE_BYTES_MIN) {
    for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    return pos;
  }
  buf.set(src.subarray(start, end), pos);
  return pos + (end - start);
}

/**
 * Writes a non-negative integer's decimal digits (as `String(n)`), zero-padded to `width`, into
 * `buf` at `pos`, which has the room (16 bytes hold any safe integer); returns the position after.
 */
export function writeDigits(buf: Uint8Array, pos: number, n: number, width = 1): number {
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  if (len < width) len = width;
  const end = pos + len;
  for (let p = end; p > pos; ) {
    buf[--p] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/**
 * A {@link LineSink} that builds lines as UTF-8 bytes in a buffer: strings written with
 * `Buffer.write`, raw UTF-8 escaped as JSON in place, so message text need not become a JS
 * string to be written. Subclasses say where the bytes go: `reserve` makes room (growing the
 * buffer, or handing on what is built), `endLine` ends a line. The CLI's writer and the parallel
 * runs' buffers are both one, so their bytes are the same.
 */
export abstract class ByteLines implements LineSink {
  /** The bytes being built; `pos` is the next one. */
  protected abstract buf: Buffer;
  protected pos = 0;

  /** Makes room for `n` more bytes at `pos`. */
  protected abstract reserve(n: number): void;

  abstract endLine(): void;

  /** Writes `s` and a line end. */
  line(s: string): void {
    this.text(s);
    this.endLine();
  }

  /** Appends `s` to the current line. */
  text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos);
  }

  /**
   * Appends valid UTF-8 as the inside of a JSON string, escaped exactly as `JSON.stringify`
   * escapes the text it encodes: `"`, `\` and control characters; everything else is copied.
   */
  jsonStringBody(utf8: Uint8Array): void {
    for (let start = 0; start < utf8.length; start += JSON_ESCAPE_BLOCK) {
      const end = Math.min(utf8.length, start + JSON_ESCAPE_BLOCK);
      this.reserve((end - start) * 6);
      this.pos = writeJsonStringBody(this.buf, this.pos, utf8, start, end);
    }
  }

  /** Appends UTF-8 bytes as they are. */
  bytes(utf8: Uint8Array): void {
    this.reserve(utf8.length);
    this.pos = copyBytesInto(this.buf, this.pos, utf8, 0, utf8.length);
  }

  /** Appends a non-negative integer's decimal digits, zero-padded to `width`. */
  digits(n: number, width = 1): void {
    this.reserve(Math.max(16, width));
    this.pos = writeDigits(this.buf, this.pos, n, width);
  }

  /** Appends bytes as lower-case hex, without making a string of them. */
  hex(bytes: Uint8Array): void {
    for (let start = 0; start < bytes.length; start += HEX_BLOCK) {
      const end = Math.min(bytes.length, start + HEX_BLOCK);
      this.reserve((end - start) * 2);
      const buf = this.buf;
      let pos = this.pos;
      for (let i = start; i < end; i++) {
        const b = bytes[i]!;
        buf[pos++] = HEX_HIGH[b]!;
        buf[pos++] = HEX_LOW[b]!;
      }
      this.pos = pos;
    }
  }
}
