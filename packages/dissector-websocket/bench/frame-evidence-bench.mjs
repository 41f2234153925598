// The false-positive rate of the frame-evidence search, measured: how many chains random bytes
// (masked random payloads are random bytes too), masked zeros and masked text get believed, how strong the strongest
// false chain was against what is demanded (S + log2 N), the tail of the evidence distribution
// against the design bound P(a chain from one position reaches b bits) <= 2^-b, and MB/s.
// Build first: npx tsc -b packages/cli
// Run: node packages/dissector-websocket/bench/frame-evidence-bench.mjs [MiB per case, default 100]
import { randomFillSync } from 'node:crypto';
import { FrameChainSearch } from '../dist/frame-chain-search.js';
import { SECURITY_BITS_HEURISTIC, SECURITY_BITS_RESYNC } from '../dist/frame-evidence.js';

const MIB = Number(process.argv[2] ?? 100);
const CHUNK = 1448 * 45; // about 64 KiB, a whole number of segments

/** A new masking key for every MiB (a new frame), from a fixed PRNG: many keys are tried. */
function keyAt(at) {
  let x = Math.imul((at >>> 20) + 1, 0x9e3779b1) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  return [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255];
}

/** 1 MiB of log-like and JSON-like text (not periodic), made once. */
const TEXT = (() => {
  const words = 'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can out up about time who them what some only into other could its then two do may first than any like these now my over such our man me even most made after also did many before must well back through years much where your way down should because each just those people how too little state good very make world still own see men work long here get both between life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
  let x = 12345;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
  const lines = [];
  let n = 0;
  while (n < 1 << 20) {
    const k = 3 + Math.floor(rnd() * 12);
    const sentence = Array.from({ length: k }, () => words[Math.floor(rnd() * words.length)]).join(' ');
    const line = rnd() < 0.5 ? `{"id":${Math.floor(rnd() * 1e7)},"user":"u${Math.floor(rnd() * 500)}","text":"${sentence}","ok":${rnd() < 0.5}}\n` : `2026-01-0${1 + Math.floor(rnd() * 9)} 12:${String(Math.floor(rnd() * 60)).padStart(2, '0')} INFO ${sentence}.\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, 1 << 20);
})();

/** Fills chunk after chunk with one kind of bytes (`at`: the stream offset of the chunk). */
const kinds = {
  random: (b) => randomFillSync(b),
  'masked zeros': (b, at) => {
    for (let i = 0; i < b.length; i++) b[i] = keyAt(at + i)[(at + i) & 3];
  },
  text: (b, at) => {
    for (let i = 0; i < b.length; i++) b[i] = TEXT[(at + i) & 0xfffff];
  },
  'masked text': (b, at) => {
    for (let i = 0; i < b.length; i++) b[i] = TEXT[(at + i) & 0xfffff] ^ keyAt(at + i)[(at + i) & 3];
  },
};

const rulesets = [
  ['server, RSV1 allowed, may start in a fragment', { masked: false, rsv1: true, continuationFirst: true }],
  ['client, RSV1 allowed, may start in a fragment', { masked: true, rsv1: true, continuationFirst: true }],
];

console.log(`node ${process.version}; ${MIB} MiB per case, pushed in ${CHUNK}-byte chunks\n`);
const hist = new Float64Array(64);
let positions = 0;
let believedTotal = 0;
for (const [kind, fill] of Object.entries(kinds)) {
  for (const [label, rules] of rulesets) {
    for (const security of [SECURITY_BITS_HEURISTIC, SECURITY_BITS_RESYNC]) {
      const local = new Float64Array(64);
      const s = new FrameChainSearch(rules, { securityBits: security, evidenceHistogram: local });
      const buf = Buffer.alloc(CHUNK);
      let believed = 0;
      let ms = 0;
      for (let at = 0; at < MIB * 1048576; at += CHUNK) {
        fill(buf, at);
        const t0 = performance.now();
        const v = s.push(buf);
        ms += performance.now() - t0;
        if (v.kind === 'match') {
          believed++;
          console.log(`  BELIEVED at ${v.offset}: ${v.frames.length} frames, ${v.bits.toFixed(1)} bits (demanded ${v.threshold.toFixed(1)})`);
          break;
        }
      }
      s.finish(); // chains still waiting end here, and are counted
      let strongest = 0;
      for (let b = 63; b >= 0; b--) if (local[b] > 0) {
        strongest = b;
        break;
      }
      if (kind === 'random') for (let b = 0; b < 64; b++) hist[b] += local[b];
      if (kind === 'random') positions += s.searched;
      believedTotal += believed;
      console.log(`${kind.padEnd(14)} ${label.padEnd(46)} S=${security}: believed ${believed}; strongest false chain ${strongest}-${strongest + 1} bits, demanded ${s.threshold.toFixed(1)}`);
    }
  }
}

// Speed, without the measurement's histogram (which makes the search follow every chain in full).
for (const [label, rules] of rulesets) {
  const s = new FrameChainSearch(rules);
  const buf = Buffer.alloc(CHUNK);
  let ms = 0;
  for (let at = 0; at < MIB * 1048576; at += CHUNK) {
    randomFillSync(buf);
    const t0 = performance.now();
    s.push(buf);
    ms += performance.now() - t0;
  }
  console.log(`speed on random bytes, ${label}: ${(MIB / (ms / 1000)).toFixed(0)} MB/s`);
}

console.log(`\nrandom bytes, all rule sets: ${positions} start positions; chains reaching b bits, measured against the design bound 2^-b per position:`);
let atLeast = 0;
const rows = [];
for (let b = 63; b >= 0; b--) {
  atLeast += hist[b];
  if (b % 4 === 0 || (hist[b] > 0 && b > 16)) rows.unshift(`  >= ${String(b).padStart(2)} bits: ${String(atLeast).padStart(9)} chains, ${(atLeast / positions).toExponential(2)} per position (bound ${(2 ** -b).toExponential(2)})`);
}
console.log(rows.join('\n'));
console.log(`\nbelieved in all: ${believedTotal}`);
