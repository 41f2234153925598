import { DEFAULT_MEMORY_BUDGET, NetrxError } from '@netrx/core';

/** Multipliers of the size units {@link parseByteSize} takes (binary, as `256MiB`; `K`, `M`, `G` mean the same). */
const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Reads a size in bytes: a whole number of bytes (`1048576`), or a number with a unit (`256MiB`,
 * `1.5GiB`, `64k`; units are binary, case does not matter, `K`/`KB`/`KiB` alike). Throws
 * `ERR_INVALID_OPTION` naming `what` for anything else, zero, or less than one byte.
 *
 * @example
 * ```ts
 * parseByteSize('256MiB'); // 268435456
 * parseByteSize('1g');     // 1073741824
 * ```
 */
export function parseByteSize(text: string, what = 'memory size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes)) {
    throw new NetrxError('ERR_INVALID_OPTION', `${what} must be a number of bytes, or a number with a unit (256MiB, 1GiB, 512k), not "${text}"`);
  }
  return bytes;
}

/**
 * The bytes of a pipeline's `memory` option: a number of bytes, a size text ({@link parseByteSize}),
 * or {@link DEFAULT_MEMORY_BUDGET} when not given. Throws `ERR_INVALID_OPTION` for anything else.
 */
export function memoryBytes(memory: number | string | undefined): number {
  if (memory === undefined) return DEFAULT_MEMORY_BUDGET;
  if (typeof memory === 'string') return parseByteSize(memory, 'memory');
  if (!(memory >= 1) || !Number.isFinite(memory)) throw new NetrxError('ERR_INVALID_OPTION', `memory must be a positive number of bytes, not ${String(memory)}`);
  return Math.floor(memory);
}
