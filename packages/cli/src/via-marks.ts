import type { Connection } from '@netrx/core';

/**
 * The text output's mark of what a connection came through ({@link Connection.via}): ` [tls]` for
 * a WebSocket message read from decrypted TLS, one ` [name]` per layer in order; empty for a
 * connection that came through nothing.
 */
export function viaMarks(c: Connection): string {
  if (c.via === undefined) return '';
  let s = '';
  for (const name in c.via) s += ` [${name}]`;
  return s;
}
