/**
 * Wire precisions of compressed values. Compressors round every carried value with
 * `roundToPrecision` BEFORE writing `decoded`, so the receiver's decode is bit-identical to the
 * sender's reference copy (spec §9.6: mean(y) = mean(g) needs exactly the same q on both sides).
 *
 * f32: Math.fround (round to nearest, ties to even). f16: IEEE 754 binary16, round to nearest, ties
 * to even, written out here because Node 20 has no Math.f16round; |x| ≥ 65520 overflows to ±∞ and
 * values below 2^−14 become subnormal (absolute spacing 2^−24) — the relative error bounds below
 * hold only in the normal range.
 */
import type { FloatPrecision } from './types.ts';

export const FLOAT_PRECISIONS: readonly FloatPrecision[] = ['f64', 'f32', 'f16'];

const TWO_POW_24 = 16777216;
const F16_MIN_NORMAL = 6.103515625e-5; // 2^−14

/** Nearest integer to x ≥ 0 (x an exact double), ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.floor(x);
  const d = x - r;
  if (d > 0.5) return r + 1;
  if (d < 0.5) return r;
  return r % 2 === 0 ? r : r + 1;
}

/** Exponent e with 2^e ≤ a < 2^(e+1), exact (Math.log2 alone can be off near powers of two). */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** x rounded to the nearest binary16 value (ties to even); NaN, ±0, ±∞ pass through. */
export function roundF16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  let r: number;
  if (a >= 65520)
    r = Infinity; // midpoint between 65504 and 2^16 rounds to even = 2^16 = overflow
  else if (a < F16_MIN_NORMAL)
    r = roundHalfEven(a * TWO_POW_24) / TWO_POW_24; // subnormal grid 2^−24
  else {
    const ulp = 2 ** (exponentOf(a) - 10);
    r = roundHalfEven(a / ulp) * ulp; // a/ulp ∈ [1024, 2048) exactly (power-of-two scaling)
  }
  return x < 0 ? -r : r;
}

/** x rounded to precision p (f64: x itself). */
export function roundToPrecision(x: number, p: FloatPrecision): number {
  return p === 'f64' ? x : p === 'f32' ? Math.fround(x) : roundF16(x);
}

/** out[j] ← round(v[j], p); out may alias v. */
export function roundArrayToPrecision(v: Float64Array, p: FloatPrecision, out: Float64Array): Float64Array {
  if (p === 'f64') {
    if (out !== v) out.set(v);
  } else if (p === 'f32') {
    for (let j = 0; j < v.length; j++) out[j] = Math.fround(v[j]);
  } else {
    for (let j = 0; j < v.length; j++) out[j] = roundF16(v[j]);
  }
  return out;
}

/**
 * Smallest value of precision p that is ≥ x (x finite, ≥ 0). Used for QSGD scales so that
 * |v_j|/scale ≤ s holds for every coordinate and the levels stay in [−s, s].
 */
export function roundUpToPrecision(x: number, p: FloatPrecision): number {
  const r = roundToPrecision(x, p);
  if (r >= x || p === 'f64') return r;
  // r < x: step up one unit in the last place of p at r's binade.
  if (p === 'f32') {
    const e = r === 0 ? -126 : Math.max(exponentOf(r), -126);
    return Math.fround(r + 2 ** (e - 23));
  }
  const e = r === 0 ? -14 : Math.max(exponentOf(r), -14);
  return roundF16(r + 2 ** (e - 10));
}

/**
 * Unit roundoff u(p): |round(x) − x| ≤ u·|x| for x in the normal range of p (0 for f64, where
 * rounding an f64 input is the identity). Declared bounds (α², ω) include these terms.
 */
export function unitRoundoff(p: FloatPrecision): number {
  return p === 'f64' ? 0 : p === 'f32' ? 2 ** -24 : 2 ** -11;
}

/** Relative size of one ulp in p at the bottom of a binade (bound on round-up error); 0 for f64. */
export function ulpRelative(p: FloatPrecision): number {
  return p === 'f64' ? 0 : p === 'f32' ? 2 ** -23 : 2 ** -10;
}
