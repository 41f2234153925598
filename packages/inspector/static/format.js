// Formatting helpers of the inspector page: pure functions, no DOM (unit-tested in node).

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** UTC time of day with microseconds, as `netrx ws` prints it (tcpdump style): `03:40:05.359061`. */
export function timeOfDay(sec, ns) {
  const d = ((sec % 86400) + 86400) % 86400;
  return `${pad(Math.floor(d / 3600))}:${pad(Math.floor(d / 60) % 60)}:${pad(d % 60)}.${pad(Math.floor(ns / 1000), 6)}`;
}

/** Seconds since (`baseSec`, `baseNs`), signed, with microseconds: `+1.234567`. */
export function relativeTime(sec, ns, baseSec, baseNs) {
  const us = (sec - baseSec) * 1e6 + Math.round((ns - baseNs) / 1000);
  const sign = us < 0 ? '-' : '+';
  const a = Math.abs(us);
  return `${sign}${Math.floor(a / 1e6)}.${pad(a % 1e6, 6)}`;
}

/** A full UTC date and time with nanoseconds: `2026-11-24 03:40:05.359061000 UTC`. */
export function fullTime(sec, ns) {
  const d = new Date(sec * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(ns, 9)} UTC`;
}

/** `ts` of the JSON contract (`seconds.nanoseconds`) as [seconds, nanoseconds]. */
export function parseTs(ts) {
  const dot = ts.indexOf('.');
  return dot < 0 ? [Number(ts), 0] : [Number(ts.slice(0, dot)), Number(ts.slice(dot + 1).padEnd(9, '0').slice(0, 9))];
}

/** A byte count for people: `70048 B`, `1.2 MB`. */
export function size(n) {
  if (n < 10_000) return `${n} B`;
  if (n < 10_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** A count with thousands separators: `1,000,000`. */
export function count(n) {
  return n.toLocaleString('en-US');
}

/**
 * Text on one line: control characters shown as `·` and newlines as `⏎` (as `netrx ws` prints
 * them), cut to `max` characters with `…`.
 */
export function oneLine(s, max = 300) {
  // eslint-disable-next-line no-control-regex
  const clean = (s.length > max ? s.slice(0, max) : s).replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '⏎' : '·'));
  return s.length > max ? `${clean}…` : clean;
}

/** Hex digits to bytes (an odd last digit is ignored). */
export function hexToBytes(hex) {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Bytes as base64. */
export function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * A hex dump, 16 bytes a line: offset, hex in two groups of eight, printable ASCII
 * (`00000000  7b 22 74 79 …  |{"ty…|`). At most `maxBytes` are dumped.
 */
export function hexDump(bytes, maxBytes = 65536) {
  const n = Math.min(bytes.length, maxBytes);
  const lines = [];
  for (let off = 0; off < n; off += 16) {
    let hex = '';
    let ascii = '';
    for (let j = 0; j < 16; j++) {
      if (j === 8) hex += ' ';
      if (off + j < n) {
        const b = bytes[off + j];
        hex += b.toString(16).padStart(2, '0') + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hex += '   ';
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return lines.join('\n');
}

/** Message numbers (ascending) as ranges: [0,1,2,5,7,8] → `0-2,5,7-8`. */
export function toRanges(seqs) {
  const parts = [];
  let i = 0;
  while (i < seqs.length) {
    const from = seqs[i];
    let to = from;
    while (i + 1 < seqs.length && seqs[i + 1] === to + 1) to = seqs[++i];
    parts.push(from === to ? `${from}` : `${from}-${to}`);
    i++;
  }
  return parts.join(',');
}
