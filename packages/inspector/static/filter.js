// The message filter: direction, type, connection, and a substring or regular expression on the
// payload. Pure (unit-tested in node).
import { F, KINDS } from './message-store.js';

/** The filter that shows everything. */
export function defaultFilter() {
  return { c2s: true, s2c: true, kinds: Object.fromEntries(KINDS.map((k) => [k, true])), conns: new Set(), query: '', regex: false };
}

/**
 * Compiles a filter. `test(store, i)` answers true, false, or undefined when the answer needs the
 * whole payload (a capped preview did not match: the rest might), which `testFull` gives from the
 * message's whole JSON line. A bad regular expression is `error`, and filters no payload.
 */
export function compileFilter(f) {
  const dirs = (f.c2s ? 1 : 0) | (f.s2c ? 2 : 0);
  let kinds = 0;
  KINDS.forEach((k, j) => {
    if (f.kinds[k]) kinds |= 1 << j;
  });
  const conns = f.conns.size > 0 ? f.conns : null;
  let match = null;
  let error = null;
  if (f.query !== '') {
    if (f.regex) {
      try {
        const re = new RegExp(f.query, 'u');
        match = (s) => re.test(s);
      } catch (e) {
        error = e.message;
      }
    } else {
      const q = f.query.toLowerCase();
      match = (s) => s.toLowerCase().includes(q);
    }
  }
  return {
    error,
    payload: match !== null,
    key: `${f.regex ? 're' : 'sub'}:${f.query}`,
    test(store, i) {
      if (!(dirs & (1 << store.dir[i]))) return false;
      if (!(kinds & (1 << store.kind[i]))) return false;
      if (conns !== null && !conns.has(store.conn[i])) return false;
      if (match === null) return true;
      if (match(store.searchText(i))) return true;
      return store.flags[i] & F.CAPPED ? undefined : false;
    },
    /** The payload test on a whole message (a parsed JSON line). */
    testFull(m) {
      if (match === null) return true;
      const s = m.text ?? m.hex ?? '';
      return match(m.type === 'close' && m.code !== undefined ? `${m.code} ${m.reason ?? ''} ${s}` : s);
    },
  };
}
