import { describe, expect, it } from 'vitest';
import * as v from '../../node/linalg/vec.ts';

const f = (...xs: number[]) => Float64Array.from(xs);

describe('vec kernels', () => {
  it('handle n = 0 without touching anything', () => {
    const e = new Float64Array(0);
    expect(v.axpy(2, e, e, e)).toBe(e);
    expect(v.axpby(2, e, 3, e, e)).toBe(e);
    expect(v.scale(2, e, e)).toBe(e);
    expect(v.add(e, e, e)).toBe(e);
    expect(v.sub(e, e, e)).toBe(e);
    expect(v.subScaled(e, 1, e, e)).toBe(e);
    expect(v.addScaledDiff(e, 1, e, e, e)).toBe(e);
    expect(v.copy(e, e)).toBe(e);
    expect(v.fill(1, e)).toBe(e);
    expect(v.dot(e, e)).toBe(0);
    expect(v.norm2sq(e)).toBe(0);
    expect(v.dist2sq(e, e)).toBe(0);
    expect(v.maxAbsDiff(e, e)).toBe(0);
  });

  it('compute exact values on an odd length, writing into out and returning it', () => {
    const x = f(1, -2, 3, 0.5, -0.25);
    const y = f(4, 5, -6, 2, 8);
    const out = new Float64Array(5);
    expect(v.axpy(2, x, y, out)).toBe(out);
    expect(Array.from(out)).toEqual([6, 1, 0, 3, 7.5]);
    expect(Array.from(v.axpby(2, x, -1, y, out))).toEqual([-2, -9, 12, -1, -8.5]);
    expect(Array.from(v.scale(-2, x, out))).toEqual([-2, 4, -6, -1, 0.5]);
    expect(Array.from(v.add(x, y, out))).toEqual([5, 3, -3, 2.5, 7.75]);
    expect(Array.from(v.sub(x, y, out))).toEqual([-3, -7, 9, -1.5, -8.25]);
    expect(Array.from(v.subScaled(x, 0.5, y, out))).toEqual([-1, -4.5, 6, -0.5, -4.25]);
    expect(Array.from(v.addScaledDiff(x, 0.5, y, x, out))).toEqual([2.5, 1.5, -1.5, 1.25, 3.875]);
    expect(v.dot(x, y)).toBe(4 - 10 - 18 + 1 - 2);
    expect(v.norm2sq(x)).toBe(1 + 4 + 9 + 0.25 + 0.0625);
    expect(v.norm2(f(3, 4, 0))).toBe(5);
    expect(v.dist2sq(x, y)).toBe(9 + 49 + 81 + 2.25 + 68.0625);
    expect(v.maxAbsDiff(x, y)).toBe(9);
    expect(Array.from(v.mean([x, y, f(0, 0, 0, 0, 0)], out))).toEqual([5, 3, -3, 2.5, 7.75].map((s) => s * (1 / 3)));
    expect(Array.from(v.copy(y, out))).toEqual(Array.from(y));
    expect(Array.from(v.fill(-1, out))).toEqual([-1, -1, -1, -1, -1]);
  });

  it('allow out to alias an input', () => {
    const x = f(1, 2, 3);
    const y = f(10, 20, 30);
    v.axpy(2, x, y, y);
    expect(Array.from(y)).toEqual([12, 24, 36]);
    v.sub(x, y, x);
    expect(Array.from(x)).toEqual([-11, -22, -33]);
    v.addScaledDiff(x, 1, y, x, x);
    expect(Array.from(x)).toEqual([12, 24, 36]);
  });

  it('maxAbsDiff reports NaN', () => {
    expect(v.maxAbsDiff(f(0, NaN), f(0, 0))).toBeNaN();
  });
});
