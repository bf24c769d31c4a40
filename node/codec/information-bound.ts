/**
 * Information bound of a compressed message, for benchmarks (DESIGN.md §4): the number of bits any
 * encoding of that form needs at least, to compare with payloadByteLength·8.
 *   dense floats:   d·b                       (b = 64, 32, 16 value bits)
 *   sparse floats:  k·b + log2 C(d, k)        (which k of d coordinates, then the values)
 *   levels:         k·log2(2s+1) + B·b_scale  (+ log2 C(d, k) when sparse)
 *   powers of two:  k·log2(2E+1)              (each value is 0 or ±2^e for one of the E exponents
 *                                              emin … emin + E − 1 the message spans; + support)
 *   low-rank:       (number of factor and raw values)·b  (+ support): the factors are free floats
 */
import type { FloatPrecision, Message } from '../compress/types.ts';

function bitsOf(p: FloatPrecision): number {
  return p === 'f64' ? 64 : p === 'f32' ? 32 : 16;
}

/** log2 C(d, k) = Σ_{i=1..k} log2((d − k + i) / i), summed over the smaller of k and d − k. */
export function log2Binomial(d: number, k: number): number {
  if (k < 0 || k > d) return -Infinity;
  const m = Math.min(k, d - k);
  let sum = 0;
  for (let i = 1; i <= m; i++) sum += Math.log2((d - m + i) / i);
  return sum;
}

export function informationBoundBits(m: Message): number {
  const k = m.indices === null ? m.dim : m.indices.length;
  const support = m.indices === null ? 0 : log2Binomial(m.dim, k);
  const v = m.values;
  if (v.kind === 'float') return k * bitsOf(v.precision) + support;
  if (v.kind === 'lowrank') return v.data.length * bitsOf(v.precision) + support;
  if (v.kind === 'pow2') {
    let E = 0;
    for (let c = 0; c < v.codes.length; c++) E = Math.max(E, Math.abs(v.codes[c]));
    return k * Math.log2(2 * E + 1) + support;
  }
  return k * Math.log2(2 * v.s + 1) + v.scales.length * bitsOf(v.scalePrecision) + support;
}
