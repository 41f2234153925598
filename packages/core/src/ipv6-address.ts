/**
 * RFC 5952 text of the 16-byte IPv6 address at `at`: lower-case hex, no leading zeros, the longest
 * run of two or more zero groups (the first, on a tie) written `::` (§4.2), and IPv4-mapped
 * addresses in mixed notation `::ffff:192.0.2.1` (§5).
 */
export function ipv6ToString(b: Uint8Array, at = 0): string {
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = b[at + 2 * g] === 0 && b[at + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) {
        bestStart = runStart;
        bestLen = len;
      }
    } else runStart = -1;
  }
  // ::ffff:a.b.c.d — only the IPv4-mapped prefix gets mixed notation (RFC 5952 §5).
  if (bestStart === 0 && bestLen === 5 && b[at + 10] === 0xff && b[at + 11] === 0xff) {
    return `::ffff:${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += '::';
      g += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += (((b[at + 2 * g]! << 8) | b[at + 2 * g + 1]!) >>> 0).toString(16);
  }
  return s;
}
