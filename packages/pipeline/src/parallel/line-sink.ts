/**
 * Where a {@link LineJob} writes its lines: whole lines as strings, or a line built in pieces —
 * strings and raw UTF-8 escaped as the inside of a JSON string — then ended. The same methods as
 * the CLI's `LineWriter` and the `JsonLineSink` of `writeWebSocketMessageJson`, so an encoder
 * written for one writes into the other.
 */
export interface LineSink {
  /** Writes `s` and a line end. */
  line(s: string): void;
  /** Appends `s` to the current line. */
  text(s: string): void;
  /**
   * Appends valid UTF-8 as the inside of a JSON string, escaped exactly as `JSON.stringify`
   * escapes the text it encodes.
   */
  jsonStringBody(utf8: Uint8Array): void;
  /** Appends UTF-8 bytes as they are (the constant parts of a line, made bytes once). */
  bytes(utf8: Uint8Array): void;
  /** Appends a non-negative integer's decimal digits, zero-padded to `width`. */
  digits(n: number, width?: number): void;
  /** Appends bytes as lower-case hex. */
  hex(bytes: Uint8Array): void;
  /** Ends the current line. */
  endLine(): void;
}
