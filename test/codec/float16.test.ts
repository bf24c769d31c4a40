import { describe, expect, it } from 'vitest';
import { f16round, fromHalfBits, toHalfBits } from '../../node/codec/float16.ts';
import { Rng } from '../../node/linalg/rng.ts';

describe('binary16 conversion', () => {
  it('maps known values to their IEEE bit patterns', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(0.5)).toBe(0x3800);
    expect(toHalfBits(65504)).toBe(0x7bff); // largest finite
    expect(toHalfBits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalfBits(0)).toBe(0x0000);
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(toHalfBits(Infinity)).toBe(0x7c00);
    expect(toHalfBits(-Infinity)).toBe(0xfc00);
    expect(toHalfBits(NaN)).toBe(0x7e00);
  });

  it('rounds to nearest, ties to even', () => {
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // halfway between m=0 and m=1 → even m=0
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway between m=1 and m=2 → m=2
    expect(toHalfBits(1 + 2 ** -11 + 2 ** -30)).toBe(0x3c01); // just above halfway
    expect(toHalfBits(65519)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00); // halfway to 2^16 → ∞ (even)
    expect(toHalfBits(2 ** -25)).toBe(0x0000); // halfway between 0 and 2^-24 → 0
    expect(toHalfBits(3 * 2 ** -25)).toBe(0x0002); // halfway between 1 and 2 units → 2
    expect(toHalfBits(2 ** -14 - 2 ** -25)).toBe(0x0400); // subnormal rounding carries into the smallest normal
    expect(toHalfBits(2047.5)).toBe(toHalfBits(2048)); // mantissa carry into the exponent
  });

  it('round-trips every non-NaN bit pattern exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromHalfBits(h);
      if (Number.isNaN(v)) {
        expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
        continue;
      }
      if (toHalfBits(v) !== h) throw new Error(`pattern ${h.toString(16)} → ${v} → ${toHalfBits(v).toString(16)}`);
    }
  });

  it('f16round picks the nearer neighbour of random values', () => {
    const rng = Rng.derive(7, 0, 'f16');
    for (let i = 0; i < 2000; i++) {
      const v = rng.normal() * 10 ** (rng.int(8) - 4);
      const r = f16round(v);
      const h = toHalfBits(r);
      // neighbours one ulp below and above (in magnitude) are no closer
      const lo = fromHalfBits(h - 1 >= 0 ? h - 1 : h);
      const hi = fromHalfBits(h + 1);
      if (!Number.isNaN(lo)) expect(Math.abs(r - v)).toBeLessThanOrEqual(Math.abs(lo - v));
      if (Number.isFinite(hi) && !Number.isNaN(hi)) expect(Math.abs(r - v)).toBeLessThanOrEqual(Math.abs(hi - v));
    }
  });
});
