import type { AppEventBase, Diagnostic, StreamDissectorFactory } from '@netrx/core';

/** A header as it appeared on the wire: name with its original case, value trimmed. */
export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

/** Fields requests and responses share. */
export interface HttpMessageBase extends AppEventBase {
  /** `HTTP/1.1`, `HTTP/1.0`. */
  readonly version: string;
  readonly headers: readonly HttpHeader[];
  /** The head (start line and headers) exactly as received, up to and including the blank line. */
  readonly rawHead: Uint8Array;
  /** The body, de-chunked (a new buffer), or empty. */
  readonly body: Uint8Array;
  /** Trailer headers of a chunked body. */
  readonly trailers: readonly HttpHeader[];
  /** Stream offset of the message's first byte in its direction. */
  readonly streamOffset: number;
  /**
   * Body length on the wire after de-chunking, counting bytes beyond the body cap or never
   * captured; `body` holds at most the cap. Absent means `body.length`.
   */
  readonly bodyLength?: number;
  /** Findings about this message that did not stop parsing (obs-fold, a gap in the body, cut short). */
  readonly diagnostics?: readonly Diagnostic[];
}

/** An HTTP/1.x request. */
export interface HttpRequest extends HttpMessageBase {
  readonly type: 'http.request';
  readonly method: string;
  readonly target: string;
}

/** An HTTP/1.x response, paired with its request when it was seen. */
export interface HttpResponse extends HttpMessageBase {
  readonly type: 'http.response';
  /** The status code; 0 for an HTTP/0.9 response, which has no status line (RFC 1945 §6). */
  readonly status: number;
  readonly reason: string;
  readonly request?: HttpRequest;
}

/**
 * What the HTTP dissector passes to the dissector it switches to after a `101 Switching
 * Protocols` (the `init` of {@link StreamDissectorFactory.create}).
 */
export interface HttpUpgrade {
  /** The Upgrade token, lower-cased (`websocket`). */
  readonly protocol: string;
  readonly request: HttpRequest;
  readonly response: HttpResponse;
}

declare module '@netrx/core' {
  interface AppEventMap {
    'http.request': HttpRequest;
    'http.response': HttpResponse;
  }
  interface DissectorTables {
    /** Upgrade token (lower case, `websocket`) → the dissector the connection switches to. */
    'http.upgrade': StreamDissectorFactory;
  }
}

/** Case-insensitive header lookup: the first value, or undefined. */
export function headerValue(headers: readonly HttpHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const h of headers) if (h.name.toLowerCase() === lower) return h.value;
  return undefined;
}
