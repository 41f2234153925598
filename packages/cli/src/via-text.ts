import type { ConnectionVia } from '@netrx/core';

const made = new WeakMap<ConnectionVia, string>();

/**
 * A connection's `via` entries for text output, to follow the server endpoint: ` [vxlan vni 42]`
 * for a short text (a tunnel), ` [tls]` for an entry of several facts (the JSON line has them);
 * `''` for a connection that came through nothing. Made once per `via` object.
 */
export function viaText(via: ConnectionVia | undefined): string {
  if (via === undefined) return '';
  let s = made.get(via);
  if (s === undefined) {
    s = '';
    for (const [name, value] of Object.entries(via)) s += ` [${typeof value === 'string' ? value : name}]`;
    made.set(via, s);
  }
  return s;
}
