/**
 * Padmé (Nikitin et al., PETS 2019): rounds a length up so that it leaks O(log log L) bits,
 * with at most 12 % overhead. Arithmetic, not bitwise: lengths may exceed 2^31.
 */
export function padme(length: number): number {
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const step = 2 ** (e - s);
  return Math.ceil(length / step) * step;
}

export const MIN_PACK_SIZE = 16384;

/** Total length of a pack whose unpadded length is `length` (FORMAT.md §6). */
export function paddedPackLength(length: number): number {
  return padme(Math.max(length, MIN_PACK_SIZE));
}
