import type { AppEvent, StreamEvent } from '@netrx/core';
import { websocketMessageJson, type WebSocketMessage } from '@netrx/dissector-websocket';
import { ConnectionTracker } from './connection-tracker.js';
import { MessageRing } from './message-ring.js';

/**
 * What the inspector consumes: the pipeline's application events (`ws.message`, `http.request`,
 * `http.response`, `stream.error`; others are ignored) and, when the pipeline keeps them (see
 * {@link keepConnectionEvents}), TCP stream events, of which `close` is used.
 */
export type InspectorInput = AppEvent | StreamEvent;

/** Limits of the inspector's memory. */
export interface InspectorStoreOptions {
  /** Most messages kept (the ring); older ones are evicted and counted. Default 1,000,000. */
  readonly maxMessages?: number;
  /**
   * Most characters of JSON lines and previews, plus bytes of the payloads of long messages, kept;
   * older messages are evicted past it. Default 512 Mi.
   */
  readonly maxChars?: number;
  /** Most connections tracked; the oldest closed ones are forgotten past it. Default 100,000. */
  readonly maxConnections?: number;
  /**
   * A message whose JSON line is longer than this is sent to the page as a preview, its text (or
   * hex) cut to `previewChars`; the page fetches the whole line when it needs it. Default 600.
   */
  readonly shipWholeChars?: number;
  /** Characters of text (as JSON) or hex digits a preview keeps. Default 200. */
  readonly previewChars?: number;
}

/** Where the capture feeding the inspector is. */
export interface SourceStatus {
  readonly state: 'running' | 'done' | 'error';
  /** The error's message, when the source failed (the messages before the failure are kept). */
  readonly error?: string;
}

/**
 * The inspector's state, fed one event at a time (synchronously, never waiting for a page): the
 * message ring, the connection list, and the source's status. The server reads it; `onChange` is
 * called (at most once until `takeChange()`) when something new arrived.
 */
export class InspectorStore {
  readonly ring: MessageRing<WebSocketMessage>;
  readonly connections: ConnectionTracker;
  source: SourceStatus = { state: 'running' };
  /** Called when something changed and nobody was told yet. */
  onChange: (() => void) | undefined;
  private changed = false;
  private readonly shipWhole: number;
  private readonly previewChars: number;

  constructor(options: InspectorStoreOptions = {}) {
    this.ring = new MessageRing({ maxMessages: options.maxMessages ?? 1_000_000, maxChars: options.maxChars ?? 512 * 1024 * 1024 }, lineOf);
    this.connections = new ConnectionTracker(options.maxConnections ?? 100_000);
    this.shipWhole = options.shipWholeChars ?? 600;
    this.previewChars = options.previewChars ?? 200;
  }

  /** Takes one pipeline event. */
  add(e: InspectorInput): void {
    switch (e.type) {
      case 'ws.message':
        this.message(e);
        break;
      case 'http.request':
        this.connections.request(e);
        break;
      case 'http.response':
        this.connections.response(e);
        break;
      case 'stream.error':
        this.connections.error(e);
        break;
      case 'close':
        this.connections.close(e);
        break;
      default:
        return;
    }
    this.notify();
  }

  /** The source ended, or failed with `error`. */
  end(error?: unknown): void {
    this.source = error === undefined ? { state: 'done' } : { state: 'error', error: error instanceof Error ? error.message : String(error) };
    this.notify();
  }

  /** Clears the "changed" mark: the next change calls `onChange` again. */
  takeChange(): boolean {
    const was = this.changed;
    this.changed = false;
    return was;
  }

  private message(m: WebSocketMessage): void {
    this.connections.message(m);
    const p = m.payload;
    // A short message's line is made now and is what the page gets. A long one's is made only
    // when asked (export, detail, search): the page gets a preview made from the first bytes.
    if (p.length <= this.shipWhole / 2) {
      const line = websocketMessageJson(m);
      if (line.length <= this.shipWhole) {
        this.ring.push(line, m.connection.id);
        return;
      }
    }
    // Keep the payload's own bytes, not a much larger buffer it may be a view of (a pool slab of
    // a few KB is fine; a capture chunk is not).
    const held = p.buffer.byteLength > p.byteLength + 65536 ? withPayload(m, p.slice()) : m;
    this.ring.push(previewLine(websocketMessageJson(cut(held, this.previewChars)), this.previewChars, p.length), m.connection.id, held, p.byteLength + 256);
  }

  /**
   * What the page's payload filter looks at in a kept message (see {@link payloadText}), from the
   * held message when its line is long, so a search never builds long lines.
   */
  searchText(seq: number): string | undefined {
    const held = this.ring.heldValue(seq);
    if (held === undefined) {
      const line = this.ring.line(seq);
      return line === undefined ? undefined : payloadText(line);
    }
    if (held.undecodable !== undefined) return '';
    if (held.kind === 'text') return viewOf(held).text ?? '';
    const p = held.payload;
    const hex = Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('hex');
    return held.kind === 'close' && held.closeCode !== undefined ? `${held.closeCode} ${held.closeReason ?? ''} ${hex}` : hex;
  }

  private notify(): void {
    if (this.changed) return;
    this.changed = true;
    this.onChange?.();
  }
}

/**
 * What the page is sent for a long message: its line with `text` cut to `chars` characters of JSON
 * (or `hex` to `chars` digits), without `client` and `server` (the page has them from the
 * connection; the layers it came through, such as `tls`, stay), and `"capped":true` added. Done on
 * the line's text rather than by parsing it, so a large message costs a few string searches, and
 * every other field the line has stays in the preview.
 */
export function previewLine(line: string, chars: number, length?: number): string {
  let out = line;
  // A preview made from a cut message says the whole message's length.
  if (length !== undefined) out = out.replace(/,"length":\d+,/, `,"length":${length},`);
  // Only the endpoints go: the layers the connection came through (`tls`, `tunnel`…) written
  // after `server` stay. Endpoints are plain strings without quotes, and a quote inside a JSON
  // string is escaped: these markers cannot occur inside a value before them.
  const client = out.indexOf(',"client":"');
  const server = client > 0 ? out.indexOf(',"server":"', client) : -1;
  const serverEnd = server > 0 ? out.indexOf('"', server + 11) : -1;
  if (serverEnd > 0) out = out.slice(0, client) + out.slice(serverEnd + 1);
  for (const key of ['"text":"', '"hex":"']) {
    const at = out.indexOf(key);
    if (at < 0) continue;
    const from = at + key.length;
    const end = stringEnd(out, from);
    // Hex digits come in pairs: a preview keeps whole bytes.
    const keep = key === '"hex":"' ? chars & ~1 : chars;
    if (end < 0 || end - from <= keep) break;
    out = out.slice(0, cutPoint(out, from, from + keep)) + out.slice(end);
    break;
  }
  // Still long (a large `decoded` value, many warnings): rebuild it from its parts.
  if (out.length > 4 * chars + 1024) out = previewByParsing(out, chars);
  return `${out.slice(0, -1)},"capped":true}`;
}

/**
 * A copy of the message with another payload (and text), made from its property descriptors: a
 * spread would read the lazy `text` getter, decoding the whole text and keeping it. The copy's
 * own getter decodes its own payload when read.
 */
function withPayload(m: WebSocketMessage, payload: Uint8Array, text?: string): WebSocketMessage {
  const d = Object.getOwnPropertyDescriptors(m) as Record<string, PropertyDescriptor>;
  d['payload'] = { value: payload, enumerable: true, writable: true, configurable: true };
  if (text !== undefined) d['text'] = { value: text, enumerable: true, writable: true, configurable: true };
  return Object.create(Object.getPrototypeOf(m) as object, d) as WebSocketMessage;
}

/**
 * A view of the message (it is the view's prototype) with another payload and text. Cheap, and
 * reading the view's lazy `text` decodes for the view, so nothing is kept on the message.
 */
function viewOf(m: WebSocketMessage, payload?: Uint8Array, text?: string): WebSocketMessage {
  const v = Object.create(m) as { payload: Uint8Array; text?: string };
  if (payload !== undefined) Object.defineProperty(v, 'payload', { value: payload, enumerable: true });
  if (text !== undefined) Object.defineProperty(v, 'text', { value: text, enumerable: true });
  return v as unknown as WebSocketMessage;
}

/** The message with its payload cut to about `chars` characters of text or hex digits (whole UTF-8 sequences). */
function cut(m: WebSocketMessage, chars: number): WebSocketMessage {
  const p = m.payload;
  if (m.kind !== 'text') return viewOf(m, p.subarray(0, Math.min(p.length, chars >> 1)));
  let n = Math.min(p.length, chars);
  // Back off to the start of a UTF-8 sequence, so the cut never makes a replacement character.
  if (n < p.length) while (n > 0 && (p[n]! & 0xc0) === 0x80) n--;
  const head = p.subarray(0, n);
  return viewOf(m, head, Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8'));
}

/** The whole line of a held long message (its text decoded for a throwaway view, so never kept). */
function lineOf(m: WebSocketMessage): string {
  return websocketMessageJson(viewOf(m));
}

/** Index of the quote that ends the JSON string whose first character is at `from`. */
export function stringEnd(s: string, from: number): number {
  let j = from;
  for (;;) {
    j = s.indexOf('"', j);
    if (j < 0) return -1;
    let backslashes = 0;
    while (s.charCodeAt(j - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return j;
    j++;
  }
}

/** A point at or before `at` that is not inside an escape sequence or a surrogate pair. */
function cutPoint(s: string, from: number, at: number): number {
  // An escape is at most 6 characters (`\uXXXX`): look back for a backslash that starts one.
  for (let k = at - 1; k >= Math.max(from, at - 6); k--) {
    if (s.charCodeAt(k) !== 0x5c) continue;
    let before = 0;
    while (k - 1 - before >= from && s.charCodeAt(k - 1 - before) === 0x5c) before++;
    if (before % 2 === 1) continue;
    const len = s.charCodeAt(k + 1) === 0x75 /* u */ ? 6 : 2;
    if (k + len > at) return k;
    break;
  }
  const c = s.charCodeAt(at - 1);
  return c >= 0xd800 && c <= 0xdbff ? at - 1 : at;
}

function previewByParsing(line: string, chars: number): string {
  const o = JSON.parse(line) as Record<string, unknown>;
  if (o['decoded'] !== undefined && JSON.stringify(o['decoded']).length > chars) o['decoded'] = '[too large for a preview]';
  if (Array.isArray(o['warnings']) && o['warnings'].length > 20) o['warnings'] = o['warnings'].slice(0, 20);
  return JSON.stringify(o);
}

/**
 * What the page's payload filter looks at in a JSON line: the text of a text message, the hex
 * digits of others (with the code and reason of a close), as filter.js defines it.
 */
export function payloadText(line: string): string {
  const t = line.indexOf(',"text":"');
  if (t >= 0) {
    const from = t + 8;
    return JSON.parse(line.slice(from, stringEnd(line, from + 1) + 1)) as string;
  }
  const h = line.indexOf(',"hex":"');
  if (h < 0) return '';
  const from = h + 8;
  const hex = line.slice(from, stringEnd(line, from));
  const code = /,"code":(\d+),"reason":/.exec(line);
  if (code === null) return hex;
  const r = code.index + code[0].length;
  return `${code[1]} ${JSON.parse(line.slice(r, stringEnd(line, r + 1) + 1)) as string} ${hex}`;
}

