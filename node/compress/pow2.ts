/**
 * Exact powers of two for natural compression: POW2[e − E_MIN] = 2^e for E_MIN ≤ e ≤ E_MAX, built
 * by exact doubling from the smallest subnormal (never through Math.pow, whose accuracy for
 * extreme exponents is not specified), and `exponentOf`, the exact binade of a positive double.
 */

/** Smallest exponent of a positive double (2^−1074, the smallest subnormal). */
export const E_MIN = -1074;
/** 2^1024 overflows to ∞: the code an infinite input travels as. */
export const E_MAX = 1024;

const POW2 = new Float64Array(E_MAX - E_MIN + 1);
{
  let v = Number.MIN_VALUE; // 2^−1074
  for (let i = 0; i < POW2.length; i++, v *= 2) POW2[i] = v; // the last doubling gives ∞ = "2^1024"
}

/** 2^e exactly (e integer in [E_MIN, E_MAX]; 2^1024 = ∞). */
export function pow2(e: number): number {
  return POW2[e - E_MIN];
}

/** e with 2^e ≤ a < 2^(e+1), exact, for finite a > 0 (Math.log2 alone can be off by one near powers of two). */
export function exponentOf(a: number): number {
  let e = Math.max(E_MIN, Math.min(1023, Math.floor(Math.log2(a))));
  if (pow2(e) > a) e--;
  else if (e < 1023 && pow2(e + 1) <= a) e++;
  return e;
}
