/**
 * IEEE 754 binary16 (half precision) conversions, written out because Node 20 has no
 * Math.f16round / Float16Array. Layout: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
 * Normal: (−1)^s · 2^(e−15) · (1 + m/1024); subnormal (e = 0): (−1)^s · 2^−14 · m/1024 = m·2^−24.
 */

const TWO_POW_24 = 16777216;

/** Rounds x ≥ 0 (an exact double below 2^11) to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.floor(x);
  const d = x - r;
  if (d > 0.5) return r + 1;
  if (d < 0.5) return r;
  return (r & 1) === 0 ? r : r + 1;
}

/** Nearest binary16 bit pattern to v (round to nearest, ties to even; overflow → ±∞; NaN → 0x7e00). */
export function toHalfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  // 65504 is the largest finite half; 65520 is the midpoint to 2^16 and rounds (to even) up to ∞.
  if (a >= 65520) return sign | 0x7c00;
  if (a < 6.103515625e-5) {
    // Subnormal range (a < 2^−14): units of 2^−24. Scaling by a power of two is exact.
    // A result of 1024 is the smallest normal, 0x0400, which the plain sum encodes correctly.
    return sign | roundHalfEven(a * TWO_POW_24);
  }
  let e = Math.floor(Math.log2(a));
  // Math.log2 may be off by one ulp near powers of two: fix the exponent exactly.
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = roundHalfEven((a / 2 ** e) * 1024); // in [1024, 2048]; 2048 carries into the exponent
  return sign | (((e + 15) << 10) + (m - 1024));
}

/** The double value of a binary16 bit pattern (exact). */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return (sign * m) / TWO_POW_24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** Rounds v to the nearest binary16 value (the f16 analogue of Math.fround). */
export function f16round(v: number): number {
  return fromHalfBits(toHalfBits(v));
}
