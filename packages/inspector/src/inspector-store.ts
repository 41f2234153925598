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
  /** Most characters of message JSON kept; older messages are evicted past it. Default 512 Mi. */
  readonly maxChars?: number;
  /** Most connections tracked; the oldest closed ones are forgotten past it. Default 100,000. */
  readonly maxConnections?: number;
  /**
   * A message whose JSON line is longer than this is sent to the page as a preview, its text (or
   * hex) cut to `previewChars`; the page fetches the whole line when it needs it. Default 2,048.
   */
  readonly shipWholeChars?: number;
  /** Characters of text (or hex digits) a preview keeps. Default 1,024. */
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
  readonly ring: MessageRing;
  readonly connections: ConnectionTracker;
  source: SourceStatus = { state: 'running' };
  /** Called when something changed and nobody was told yet. */
  onChange: (() => void) | undefined;
  private changed = false;
  private readonly shipWhole: number;
  private readonly previewChars: number;

  constructor(options: InspectorStoreOptions = {}) {
    this.ring = new MessageRing({ maxMessages: options.maxMessages ?? 1_000_000, maxChars: options.maxChars ?? 512 * 1024 * 1024 });
    this.connections = new ConnectionTracker(options.maxConnections ?? 100_000);
    this.shipWhole = options.shipWholeChars ?? 2048;
    this.previewChars = options.previewChars ?? 1024;
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
    const line = websocketMessageJson(m);
    this.ring.push(line, m.connection.id, line.length > this.shipWhole ? previewLine(line, this.previewChars) : undefined);
  }

  private notify(): void {
    if (this.changed) return;
    this.changed = true;
    this.onChange?.();
  }
}

/**
 * The line with its payload cut: `text` to `chars` characters or `hex` to `chars` digits, a large
 * `decoded` value dropped, and `"capped":true` added. Parsing the line (rather than rebuilding it
 * from the message) keeps every field the line has, present and future, in the preview.
 */
export function previewLine(line: string, chars: number): string {
  const o = JSON.parse(line) as Record<string, unknown>;
  if (typeof o['text'] === 'string') o['text'] = cutText(o['text'], chars);
  if (typeof o['hex'] === 'string') o['hex'] = o['hex'].slice(0, chars & ~1);
  if (o['decoded'] !== undefined && JSON.stringify(o['decoded']).length > chars) o['decoded'] = '[too large for a preview]';
  if (Array.isArray(o['warnings']) && o['warnings'].length > 20) o['warnings'] = o['warnings'].slice(0, 20);
  o['capped'] = true;
  return JSON.stringify(o);
}

function cutText(s: string, n: number): string {
  if (s.length <= n) return s;
  // Never split a surrogate pair.
  const c = s.charCodeAt(n - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n);
}
