/** Wire rounding: exhaustive binary16 checks, f32 = Math.fround, round-up, unit roundoff. */
import { describe, expect, it } from 'vitest';
import { roundF16, roundToPrecision, roundUpToPrecision, unitRoundoff, ulpRelative } from '../../node/compress/precision.ts';
import { Rng } from '../../node/linalg/rng.ts';

/** Independent decoder of a binary16 bit pattern. */
function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

describe('roundF16', () => {
  it('fixes every finite binary16 value and rounds midpoints to even, neighbours to nearest', () => {
    const bad: number[] = []; // plain comparisons (expect() per pattern is too slow for 31744 patterns)
    for (let b = 0; b < 0x7c00; b++) {
      const v = half(b);
      if (roundF16(v) !== v || !Object.is(roundF16(-v), -v)) bad.push(b);
      if (b + 1 < 0x7c00) {
        const w = half(b + 1);
        const mid = (v + w) / 2; // exact in f64
        const eps = (w - v) * 2 ** -20;
        if (roundF16(mid) !== (b % 2 === 0 ? v : w) || roundF16(mid - eps) !== v || roundF16(mid + eps) !== w) bad.push(b);
      }
    }
    expect(bad).toEqual([]);
  });
  it('overflow, signed zero, NaN, infinities', () => {
    expect(roundF16(65504)).toBe(65504);
    expect(roundF16(65519.99)).toBe(65504);
    expect(roundF16(65520)).toBe(Infinity); // midpoint to 2^16 rounds to even = overflow
    expect(roundF16(-1e6)).toBe(-Infinity);
    expect(Object.is(roundF16(-0), -0)).toBe(true);
    expect(Object.is(roundF16(-1e-10), -0)).toBe(true);
    expect(roundF16(Number.NaN)).toBeNaN();
    expect(roundF16(2 ** -25)).toBe(0); // half the smallest subnormal: tie to even (0)
    expect(roundF16(3 * 2 ** -26)).toBe(2 ** -24);
  });
});

describe('roundToPrecision / roundUpToPrecision / unitRoundoff', () => {
  const rng = Rng.derive(9, 0, 'precision');
  const xs = Array.from({ length: 2000 }, () => rng.normal() * 2 ** (rng.int(20) - 10));
  it('f64 is the identity, f32 is Math.fround', () => {
    for (const x of xs) {
      expect(roundToPrecision(x, 'f64')).toBe(x);
      expect(roundToPrecision(x, 'f32')).toBe(Math.fround(x));
    }
  });
  it('|round(x) − x| ≤ u|x| in the normal range', () => {
    for (const p of ['f32', 'f16'] as const) {
      for (const x of xs.filter((v) => Math.abs(v) >= 2 ** -14))
        expect(Math.abs(roundToPrecision(x, p) - x)).toBeLessThanOrEqual(unitRoundoff(p) * Math.abs(x));
    }
  });
  it('round up gives the smallest representable value ≥ x, within one relative ulp', () => {
    for (const p of ['f32', 'f16'] as const) {
      for (const x0 of xs.filter((v) => Math.abs(v) >= 2 ** -14)) {
        const x = Math.abs(x0);
        const r = roundUpToPrecision(x, p);
        expect(roundToPrecision(r, p)).toBe(r);
        expect(r).toBeGreaterThanOrEqual(x);
        expect(r - x).toBeLessThanOrEqual(ulpRelative(p) * x);
        // nothing representable in between: the next value below r is < x
        const below = roundUpToPrecision(r * (1 - ulpRelative(p)), p);
        if (below < r) expect(below).toBeLessThan(x);
      }
    }
    expect(roundUpToPrecision(0.1, 'f64')).toBe(0.1);
    expect(roundUpToPrecision(0.1, 'f16')).toBe(0.10003662109375);
  });
});
