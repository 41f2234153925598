import type { WebSocketMessage } from './types.js';
import { utf8Text } from './bytes.js';

/** Texts decoded so far, by message: each is decoded at most once. */
const decoded = new WeakMap<object, string>();

function getText(this: { readonly payload: Uint8Array }): string {
  let text = decoded.get(this);
  if (text === undefined) {
    text = utf8Text(this.payload);
    decoded.set(this, text);
  }
  return text;
}

function setText(this: object, value: unknown): void {
  // Assigned by a consumer: from now on a plain property, no longer the payload's decoding.
  Object.defineProperty(this, 'text', { value, writable: true, enumerable: true, configurable: true });
}

/**
 * The same getter, for a payload known to be valid UTF-8 (checked once, when the message was
 * made): a function of its own, so that the JSON writer need not check again.
 */
function getValidText(this: { readonly payload: Uint8Array }): string {
  return getText.call(this);
}

/** One getter for every message (two: valid UTF-8 or not), so messages share their hidden classes. */
const LAZY_TEXT: PropertyDescriptor = { get: getText, set: setText, enumerable: true, configurable: true };
const LAZY_VALID_TEXT: PropertyDescriptor = { get: getValidText, set: setText, enumerable: true, configurable: true };

/**
 * Gives a text message its `text` as the payload decoded as UTF-8 on first read (an own,
 * enumerable property, so spreading, `JSON.stringify` and deep equality see it as before).
 * Decoding chat text costs about 2 ns a byte and makes a string twice the payload's size; most
 * consumers of a big capture (the `--format jsonl` writer) never need it. The payload must not
 * change afterwards: it is the message's own buffer.
 */
export function defineLazyText(message: { readonly payload: Uint8Array }, validUtf8: boolean): void {
  Object.defineProperty(message, 'text', validUtf8 ? LAZY_VALID_TEXT : LAZY_TEXT);
}

/** Whether `m.text` is (still) exactly its payload decoded as UTF-8, so the bytes may stand for it. */
export function textIsPayload(m: WebSocketMessage): boolean {
  const get = Object.getOwnPropertyDescriptor(m, 'text')?.get;
  return get === getValidText || get === getText;
}

/** Whether `m.text` is (still) exactly its payload decoded, and the payload is valid UTF-8. */
export function textIsUtf8Payload(m: WebSocketMessage): boolean {
  return Object.getOwnPropertyDescriptor(m, 'text')?.get === getValidText;
}
