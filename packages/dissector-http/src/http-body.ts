import { isUtf8 } from 'node:buffer';
import zlib from 'node:zlib';
import { splitHeaderList } from './http-header-list.js';
import type { HttpMessageBase } from './types.js';

/** Limits of {@link decodeHttpBody}. */
export interface HttpBodyOptions {
  /** Most body bytes (after decoding) kept in the result; the rest are counted in `truncated`. Default 64 KiB. */
  readonly maxBytes?: number;
  /** Most bytes a content-coding may inflate to (a decompression bomb stops there, as an error). Default 16 MiB. */
  readonly maxDecoded?: number;
}

/** A message body as a person or a program wants it: content-coding undone, capped, text when it is text. */
export interface HttpBody {
  /** The body after undoing its content-coding, at most `maxBytes` (the raw body when decoding failed). */
  readonly bytes: Uint8Array;
  /** `bytes` as text, when they are UTF-8 text (no control characters but tab, line ends and form feed). */
  readonly text?: string;
  /** Bytes of the (decoded) body left out: past `maxBytes`, or never captured. */
  readonly truncated: number;
  /** The content-codings undone, in the order the header lists them (`gzip`, `br`…). */
  readonly encoding?: string;
  /** Why the content-coding could not be undone (an unknown coding, corrupt data, past `maxDecoded`). */
  readonly error?: string;
}

const DEFAULT_MAX_BYTES = 64 * 1024;
const DEFAULT_MAX_DECODED = 16 * 1024 * 1024;

/**
 * Undoes one content-coding (RFC 9110 §8.4.1): `gzip` (and `x-gzip`), `deflate` (zlib-wrapped as
 * the RFC says, or raw deflate as some servers send), `br` (RFC 7932). A body cut short (a gap,
 * a capture that ended) decodes as far as it goes.
 */
function undo(coding: string, data: Uint8Array, maxDecoded: number): Buffer {
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxDecoded };
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(data, flush);
    case 'deflate':
      // A zlib stream starts with CMF 0x?8 and a header checksum (RFC 1950 §2.2); else raw deflate.
      return data.length >= 2 && (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0 ? zlib.inflateSync(data, flush) : zlib.inflateRawSync(data, flush);
    case 'br':
      return zlib.brotliDecompressSync(data, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, maxOutputLength: maxDecoded });
    default:
      throw new Error(`content-coding "${coding}" is not one netrx decodes (gzip, deflate, br)`);
  }
}

/** Whether `b` is UTF-8 text: valid, and no control characters but tab, CR, LF and FF. */
function isText(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || c === 0x7f) return false;
  }
  return isUtf8(b);
}

/** `b` cut to at most `n` bytes, backing off to a UTF-8 character boundary. */
function cutAtCharacter(b: Uint8Array, n: number): Uint8Array {
  if (b.length <= n) return b;
  let end = n;
  // Step back over continuation bytes (10xxxxxx) to the start of the character cut in two.
  while (end > 0 && end > n - 4 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/**
 * A message's body for showing: its content-codings undone (`Content-Encoding`, last applied
 * first; `gzip`, `deflate`, `br`), capped at `maxBytes`, and as text when it is UTF-8 text.
 * Chunked transfer coding is already undone by the parser. A coding that cannot be undone leaves
 * the raw body, with `error` saying why; a body over `maxDecoded` once inflated is an error too.
 *
 * @example
 * ```ts
 * const body = decodeHttpBody(response, { maxBytes: 4096 });
 * console.log(body.encoding, body.text ?? `${body.bytes.length} binary bytes`, body.truncated);
 * ```
 */
export function decodeHttpBody(m: Pick<HttpMessageBase, 'body' | 'bodyLength' | 'headers'>, options: HttpBodyOptions = {}): HttpBody {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDecoded = options.maxDecoded ?? DEFAULT_MAX_DECODED;
  const codings = m.headers
    .filter((h) => h.name.toLowerCase() === 'content-encoding')
    .flatMap((h) => splitHeaderList(h.value))
    .map((c) => c.toLowerCase())
    .filter((c) => c !== 'identity');
  let bytes: Uint8Array = m.body;
  // Bytes the wire had that the body does not hold (cut by the dissector's cap, never captured).
  let missing = Math.max(0, (m.bodyLength ?? m.body.length) - m.body.length);
  let encoding: string | undefined;
  let error: string | undefined;
  if (codings.length > 0 && m.body.length > 0) {
    try {
      let decoded: Uint8Array = m.body;
      for (let i = codings.length - 1; i >= 0; i--) decoded = undo(codings[i]!, decoded, maxDecoded);
      bytes = decoded;
      encoding = codings.join(', ');
      // What inflating the missing compressed bytes would have given is unknown: not counted.
      missing = 0;
    } catch (err) {
      // zlib says "too large" with a RangeError (Node's maxOutputLength).
      error = err instanceof RangeError ? `inflates to more than ${maxDecoded} bytes` : (err as Error).message;
    }
  }
  const shown = cutAtCharacter(bytes, maxBytes);
  const truncated = bytes.length - shown.length + missing;
  const text = isText(shown) ? Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('utf8') : undefined;
  return {
    bytes: shown,
    ...(text !== undefined && { text }),
    truncated,
    ...(encoding !== undefined && { encoding }),
    ...(error !== undefined && { error }),
  };
}
