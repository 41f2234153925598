// The `Sec-WebSocket-Extensions` header grammar (RFC 6455 §9.1), with RFC 7230 §3.2.6 tokens and
// quoted-strings:
//
//   Sec-WebSocket-Extensions = extension-list
//   extension-list  = 1#extension
//   extension       = extension-token *( ";" extension-param )
//   extension-token = registered-token = token
//   extension-param = token [ "=" (token | quoted-string) ]
//       ; a quoted-string value, after unescaping, must also be a token
//
// §9.1 uses RFC 2616's ABNF with its "implied *LWS" rule, so spaces and tabs may stand between any
// two words and separators; a `#` list may have empty elements (RFC 7230 §7). A peer that receives
// a malformed value must fail the connection; a dissector reports it and reads what it can.

/** One parameter of an extension: `name`, or `name=value` (a quoted value unescaped). */
export interface ExtensionParam {
  readonly name: string;
  /** The value, undefined when the parameter has none. */
  readonly value?: string;
}

/** One element of an extension list: the extension's name and its parameters, in order. */
export interface Extension {
  readonly name: string;
  readonly params: readonly ExtensionParam[];
}

/** A syntax error in a field value: where (a character offset) and what was wrong. */
export interface ExtensionSyntaxError {
  readonly offset: number;
  readonly message: string;
}

/** The extensions a field value lists, and the syntax errors read past on the way. */
export interface ExtensionList {
  readonly extensions: Extension[];
  readonly errors: ExtensionSyntaxError[];
}

const enum Ch {
  TAB = 0x09,
  SPACE = 0x20,
  QUOTE = 0x22,
  COMMA = 0x2c,
  SEMICOLON = 0x3b,
  EQUALS = 0x3d,
  BACKSLASH = 0x5c,
}

/** RFC 7230 §3.2.6 `tchar`: visible ASCII except the delimiters `"(),/:;<=>?@[\]{}`. */
function isTchar(c: number): boolean {
  if (c <= 0x20 || c >= 0x7f) return false;
  return '"(),/:;<=>?@[\\]{}'.indexOf(String.fromCharCode(c)) < 0;
}

/** Whether `s` is a non-empty RFC 7230 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

/** `obs-text` (RFC 7230 §3.2.6): header bytes 0x80-0xFF, which a latin1 reading gives as U+0080-U+00FF. */
function isObsText(c: number): boolean {
  return c >= 0x80 && c <= 0xff;
}

/** `qdtext`: HTAB, SP, and visible characters other than `"` and `\`, or obs-text. */
function isQdtext(c: number): boolean {
  return c === Ch.TAB || c === Ch.SPACE || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || isObsText(c);
}

/** What may follow `\` in a quoted-pair: HTAB, SP, VCHAR or obs-text. */
function isQuotable(c: number): boolean {
  return c === Ch.TAB || (c >= 0x20 && c <= 0x7e) || isObsText(c);
}

/** A cursor over one field value, collecting errors. */
class Reader {
  i = 0;
  readonly errors: ExtensionSyntaxError[] = [];

  constructor(readonly s: string) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  peek(): number {
    return this.s.charCodeAt(this.i);
  }

  skipSpace(): void {
    while (!this.done && (this.peek() === Ch.SPACE || this.peek() === Ch.TAB)) this.i++;
  }

  token(): string {
    const start = this.i;
    while (!this.done && isTchar(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  /**
   * A quoted-string at the cursor (on its opening `"`), unescaped. After an error it still moves
   * past the closing quote, so that reading goes on outside the string, and returns undefined.
   */
  quoted(): string | undefined {
    const start = this.i++;
    let out = '';
    let error: ExtensionSyntaxError | undefined;
    while (!this.done) {
      const c = this.peek();
      if (c === Ch.QUOTE) {
        this.i++;
        if (error === undefined) return out;
        this.errors.push(error);
        return undefined;
      }
      if (c === Ch.BACKSLASH) {
        const next = this.s.charCodeAt(this.i + 1);
        if (this.i + 1 >= this.s.length) break;
        if (!isQuotable(next)) error ??= { offset: this.i + 1, message: 'a quoted-pair "\\" must escape a visible character, space or tab' };
        out += this.s[this.i + 1];
        this.i += 2;
      } else {
        if (!isQdtext(c)) error ??= { offset: this.i, message: `character U+${c.toString(16).padStart(4, '0').toUpperCase()} is not allowed in a quoted-string` };
        out += this.s[this.i++];
      }
    }
    this.i = this.s.length;
    return this.fail(start, 'quoted-string without its closing quote');
  }

  fail(offset: number, message: string): undefined {
    this.errors.push({ offset, message });
    return undefined;
  }

  /** Moves to the next `,` (or `;` too, when `alsoSemicolon`) outside a quoted-string, or the end. */
  recover(alsoSemicolon: boolean): void {
    let quoted = false;
    while (!this.done) {
      const c = this.peek();
      if (quoted) {
        if (c === Ch.BACKSLASH) this.i++;
        else if (c === Ch.QUOTE) quoted = false;
      } else if (c === Ch.QUOTE) quoted = true;
      else if (c === Ch.COMMA || (alsoSemicolon && c === Ch.SEMICOLON)) return;
      this.i++;
    }
  }
}

/** What the reader found at its cursor, for an error message. */
function found(r: Reader): string {
  return r.done ? 'the end' : `"${r.s[r.i]}"`;
}

/**
 * Parses one `Sec-WebSocket-Extensions` field value (RFC 6455 §9.1). Several fields of one message
 * are one list joined by commas (RFC 7230 §3.2.2): parse each and concatenate. Never throws: a
 * syntax error is reported with its offset, and reading goes on after it (at the next `;` inside
 * an extension's parameters, at the next `,` otherwise), so an extension whose name was read is
 * listed with the parameters that were well formed.
 *
 * @example
 * ```ts
 * parseExtensionList('permessage-deflate; client_max_window_bits="10", x-foo');
 * // { extensions: [{ name: 'permessage-deflate', params: [{ name: 'client_max_window_bits', value: '10' }] },
 * //                { name: 'x-foo', params: [] }], errors: [] }
 * ```
 */
export function parseExtensionList(value: string): ExtensionList {
  const r = new Reader(value);
  const extensions: Extension[] = [];
  while (true) {
    r.skipSpace();
    if (r.done) break;
    if (r.peek() === Ch.COMMA) {
      r.i++; // an empty list element (RFC 7230 §7)
      continue;
    }
    const name = r.token();
    if (name === '') {
      r.fail(r.i, `expected an extension name (a token), found ${found(r)}`);
      r.recover(false);
      continue;
    }
    const params: ExtensionParam[] = [];
    extensions.push({ name, params });
    readParams(r, params);
  }
  if (extensions.length === 0 && r.errors.length === 0) r.fail(0, 'no extension in the list (it needs at least one)');
  return { extensions, errors: r.errors };
}

/** Reads `*( ";" extension-param )` and the `,` or end that closes the extension. */
function readParams(r: Reader, params: ExtensionParam[]): void {
  while (true) {
    r.skipSpace();
    if (r.done) return;
    const c = r.peek();
    if (c === Ch.COMMA) {
      r.i++;
      return;
    }
    if (c !== Ch.SEMICOLON) {
      r.fail(r.i, `expected ";" or "," found ${found(r)}`);
      r.recover(true);
      continue;
    }
    r.i++;
    r.skipSpace();
    const name = r.token();
    if (name === '') {
      r.fail(r.i, `expected a parameter name (a token) after ";", found ${found(r)}`);
      r.recover(true);
      continue;
    }
    r.skipSpace();
    if (r.done || r.peek() !== Ch.EQUALS) {
      params.push({ name });
      continue;
    }
    r.i++;
    r.skipSpace();
    const at = r.i;
    if (!r.done && r.peek() === Ch.QUOTE) {
      const v = r.quoted();
      if (v === undefined) continue;
      if (!isToken(v)) r.fail(at, `the quoted value of ${name} must be a token once unquoted, not "${v}"`);
      else params.push({ name, value: v });
      continue;
    }
    const v = r.token();
    if (v === '') {
      r.fail(at, `expected a value (a token or a quoted-string) for ${name}, found ${found(r)}`);
      r.recover(true);
      continue;
    }
    params.push({ name, value: v });
  }
}
