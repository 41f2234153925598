import { JSON_ESCAPE_BLOCK, writeJsonStringBody } from './json-string-body.js';
import type { LineSink } from './parallel/line-sink.js';

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
}
