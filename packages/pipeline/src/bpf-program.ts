import { NetrxError } from '@netrx/core';

/**
 * A classic BPF program (the instruction set of BSD's packet filter, as libpcap compiles
 * pcap-filter(7) expressions into): four 32-bit words per instruction — `code`, `jt`, `jf`, `k` —
 * in one array, so running it allocates nothing.
 */
export interface BpfProgram {
  /** `code, jt, jf, k` for each instruction, in order. */
  readonly words: Uint32Array;
  /** Number of instructions. */
  readonly length: number;
}

/** Most instructions a classic BPF program may have (`BPF_MAXINSNS` in libpcap and Linux). */
const BPF_MAXINSNS = 4096;
/** Scratch memory words (`BPF_MEMWORDS`). */
const BPF_MEMWORDS = 16;

/**
 * Reads a program in the decimal form `tcpdump -ddd` prints: the instruction count on the first
 * line, then `code jt jf k` per line. Checks what the kernel's and libpcap's validators check
 * (jumps stay inside and go forward, scratch indices, the last instruction returns), so
 * {@link runBpf} can trust it. Throws `ERR_INVALID_OPTION` for anything else.
 */
export function parseBpfDecimal(text: string): BpfProgram {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const count = Number(lines[0]);
  if (!Number.isInteger(count) || count < 1 || count > BPF_MAXINSNS || lines.length !== count + 1) {
    throw new NetrxError('ERR_INVALID_OPTION', `not a BPF program in tcpdump -ddd form: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const words = new Uint32Array(count * 4);
  for (let i = 0; i < count; i++) {
    const parts = lines[i + 1]!.split(/\s+/).map(Number);
    if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffffffff)) {
      throw new NetrxError('ERR_INVALID_OPTION', `BPF instruction ${i} is not "code jt jf k": ${lines[i + 1]}`);
    }
    words.set(parts, i * 4);
  }
  const program = { words, length: count };
  validate(program);
  return program;
}

/** The checks of `bpf_validate()` (libpcap) that keep {@link runBpf} inside the program. */
function validate(p: BpfProgram): void {
  const bad = (i: number, why: string): never => {
    throw new NetrxError('ERR_INVALID_OPTION', `BPF instruction ${i}: ${why}`);
  };
  const w = p.words;
  for (let i = 0; i < p.length; i++) {
    const code = w[i * 4]!;
    const k = w[i * 4 + 3]!;
    const cls = code & 0x07;
    if ((cls === BPF_LD || cls === BPF_LDX) && (code & 0xe0) === BPF_MEM && k >= BPF_MEMWORDS) bad(i, 'scratch memory index out of range');
    if ((cls === BPF_ST || cls === BPF_STX) && k >= BPF_MEMWORDS) bad(i, 'scratch memory index out of range');
    if (cls === BPF_JMP) {
      const op = code & 0xf0;
      const targets = op === BPF_JA ? [k] : [w[i * 4 + 1]!, w[i * 4 + 2]!];
      for (const t of targets) if (i + 1 + t >= p.length) bad(i, 'jump out of the program');
    }
    if (cls === BPF_ALU && (code & 0x08) === 0 && k === 0 && ((code & 0xf0) === BPF_DIV || (code & 0xf0) === BPF_MOD)) bad(i, 'division by zero');
  }
  if ((w[(p.length - 1) * 4]! & 0x07) !== BPF_RET) bad(p.length - 1, 'the program does not end with a return');
}

// Instruction classes, sizes, modes and operations (<pcap/bpf.h>).
const BPF_LD = 0x00;
const BPF_LDX = 0x01;
const BPF_ST = 0x02;
const BPF_STX = 0x03;
const BPF_ALU = 0x04;
const BPF_JMP = 0x05;
const BPF_RET = 0x06;
const BPF_MEM = 0x60;
const BPF_DIV = 0x30;
const BPF_MOD = 0x90;
const BPF_JA = 0x00;

/**
 * Runs a classic BPF program over one packet, as libpcap's `bpf_filter()` does: `bytes` are the
 * captured bytes, `wireLength` the packet's length on the wire (`len`, what `greater`/`less`
 * compare). Returns what the program returns: 0 rejects the packet, anything else accepts it (the
 * number of bytes to keep). A load past the captured bytes rejects, as in libpcap. Allocates
 * nothing.
 */
export function runBpf(program: BpfProgram, bytes: Uint8Array, wireLength: number): number {
  const w = program.words;
  const buflen = bytes.length;
  const mem = scratch;
  let a = 0;
  let x = 0;
  let pc = 0;
  for (;;) {
    const i = pc * 4;
    const code = w[i]!;
    const k = w[i + 3]!;
    pc++;
    switch (code) {
      // Returns.
      case 0x06: // ret #k
        return k;
      case 0x16: // ret a
        return a >>> 0;
      case 0x0e: // ret x
        return x >>> 0;
      // Loads into A.
      case 0x00: // ld #k
        a = k;
        continue;
      case 0x20: // ld [k]
        if (k > buflen - 4 || buflen < 4) return 0;
        a = ((bytes[k]! << 24) | (bytes[k + 1]! << 16) | (bytes[k + 2]! << 8) | bytes[k + 3]!) >>> 0;
        continue;
      case 0x28: // ldh [k]
        if (k > buflen - 2 || buflen < 2) return 0;
        a = (bytes[k]! << 8) | bytes[k + 1]!;
        continue;
      case 0x30: // ldb [k]
        if (k >= buflen) return 0;
        a = bytes[k]!;
        continue;
      case 0x40: {
        // ld [x + k]
        const o = x + k;
        if (o > 0xffffffff || o > buflen - 4 || buflen < 4) return 0;
        a = ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
        continue;
      }
      case 0x48: {
        // ldh [x + k]
        const o = x + k;
        if (o > 0xffffffff || o > buflen - 2 || buflen < 2) return 0;
        a = (bytes[o]! << 8) | bytes[o + 1]!;
        continue;
      }
      case 0x50: {
        // ldb [x + k]
        const o = x + k;
        if (o >= buflen) return 0;
        a = bytes[o]!;
        continue;
      }
      case 0x80: // ld #len
        a = wireLength >>> 0;
        continue;
      case 0x60: // ld M[k]
        a = mem[k]!;
        continue;
      // Loads into X.
      case 0x01: // ldx #k
        x = k;
        continue;
      case 0x81: // ldx #len
        x = wireLength >>> 0;
        continue;
      case 0x61: // ldx M[k]
        x = mem[k]!;
        continue;
      case 0xb1: // ldxb 4*([k]&0xf): an IPv4 header length
        if (k >= buflen) return 0;
        x = (bytes[k]! & 0x0f) << 2;
        continue;
      // Stores.
      case 0x02: // st M[k]
        mem[k] = a;
        continue;
      case 0x03: // stx M[k]
        mem[k] = x;
        continue;
      // Register moves.
      case 0x07: // tax
        x = a;
        continue;
      case 0x87: // txa
        a = x;
        continue;
      // Jumps: jt and jf are offsets from the next instruction.
      case 0x05: // ja k
        pc += k;
        continue;
      case 0x15: // jeq #k
        pc += a === k ? w[i + 1]! : w[i + 2]!;
        continue;
      case 0x25: // jgt #k
        pc += a > k ? w[i + 1]! : w[i + 2]!;
        continue;
      case 0x35: // jge #k
        pc += a >= k ? w[i + 1]! : w[i + 2]!;
        continue;
      case 0x45: // jset #k
        pc += (a & k) !== 0 ? w[i + 1]! : w[i + 2]!;
        continue;
      case 0x1d: // jeq x
        pc += a === x ? w[i + 1]! : w[i + 2]!;
        continue;
      case 0x2d: // jgt x
        pc += a > x ? w[i + 1]! : w[i + 2]!;
        continue;
      case 0x3d: // jge x
        pc += a >= x ? w[i + 1]! : w[i + 2]!;
        continue;
      case 0x4d: // jset x
        pc += (a & x) !== 0 ? w[i + 1]! : w[i + 2]!;
        continue;
      // Arithmetic, unsigned 32-bit.
      case 0x04: // add #k
        a = (a + k) >>> 0;
        continue;
      case 0x14: // sub #k
        a = (a - k) >>> 0;
        continue;
      case 0x24: // mul #k
        a = Math.imul(a, k) >>> 0;
        continue;
      case 0x34: // div #k (k != 0: validated)
        a = Math.floor(a / k) >>> 0;
        continue;
      case 0x94: // mod #k
        a = a % k >>> 0;
        continue;
      case 0x44: // or #k
        a = (a | k) >>> 0;
        continue;
      case 0x54: // and #k
        a = (a & k) >>> 0;
        continue;
      case 0xa4: // xor #k
        a = (a ^ k) >>> 0;
        continue;
      case 0x64: // lsh #k (libpcap: shifts of 32 or more give 0)
        a = k < 32 ? (a << k) >>> 0 : 0;
        continue;
      case 0x74: // rsh #k
        a = k < 32 ? a >>> k : 0;
        continue;
      case 0x0c: // add x
        a = (a + x) >>> 0;
        continue;
      case 0x1c: // sub x
        a = (a - x) >>> 0;
        continue;
      case 0x2c: // mul x
        a = Math.imul(a, x) >>> 0;
        continue;
      case 0x3c: // div x: a division by zero rejects the packet, as in libpcap
        if (x === 0) return 0;
        a = Math.floor(a / x) >>> 0;
        continue;
      case 0x9c: // mod x
        if (x === 0) return 0;
        a = a % x >>> 0;
        continue;
      case 0x4c: // or x
        a = (a | x) >>> 0;
        continue;
      case 0x5c: // and x
        a = (a & x) >>> 0;
        continue;
      case 0xac: // xor x
        a = (a ^ x) >>> 0;
        continue;
      case 0x6c: // lsh x
        a = x < 32 ? (a << x) >>> 0 : 0;
        continue;
      case 0x7c: // rsh x
        a = x < 32 ? a >>> x : 0;
        continue;
      case 0x84: // neg
        a = -a >>> 0;
        continue;
      default:
        // An instruction libpcap's interpreter does not know (the Linux ancillary loads are never
        // emitted for capture files): reject, as bpf_filter() does.
        return 0;
    }
  }
}

/** Scratch memory, shared: a run never yields, so no two runs overlap. */
const scratch = new Uint32Array(BPF_MEMWORDS);
