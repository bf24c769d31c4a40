/**
 * Unsigned LEB128 varints for values in [0, 2^32): 7 bits per byte, low group first, high bit =
 * "more follows". Encodings are canonical (minimal length); the reader rejects over-long forms.
 */

export const MAX_VARINT = 0xffffffff;

/** Bytes taken by the varint of v (0 ≤ v ≤ 2^32 − 1). */
export function varintLength(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes v at out[pos] and returns the position after it. Caller guarantees room. */
export function writeVarint(out: Uint8Array, pos: number, v: number): number {
  // Arithmetic, not bitwise: v may exceed 2^31.
  while (v >= 0x80) {
    out[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}
