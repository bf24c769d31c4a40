/** decodeMessage / addScaledMessage / validateMessage on hand-built messages of every form. */
import { describe, expect, it } from 'vitest';
import { addScaledMessage, decodeMessage, messageNnz, validateMessage } from '../../node/compress/decode.ts';
import type { Message } from '../../node/compress/types.ts';
import { ProxmeshError } from '../../node/errors.ts';

const sparseFloat: Message = {
  dim: 5,
  indices: Uint32Array.of(1, 4),
  values: { kind: 'float', precision: 'f64', data: Float64Array.of(2, -3) },
};
const denseFloat: Message = { dim: 3, indices: null, values: { kind: 'float', precision: 'f32', data: Float64Array.of(1, 0, -1) } };
const sparseLevels: Message = {
  dim: 6,
  indices: Uint32Array.of(0, 2, 3, 5),
  values: {
    kind: 'levels',
    s: 2,
    scalePrecision: 'f64',
    blockStarts: Int32Array.of(0, 1, 4),
    scales: Float64Array.of(0.5, 3),
    levels: Int32Array.of(-2, 1, 0, 2),
  },
};
const denseLevels: Message = {
  dim: 4,
  indices: null,
  values: {
    kind: 'levels',
    s: 1,
    scalePrecision: 'f64',
    blockStarts: Int32Array.of(0, 0, 3, 4),
    scales: Float64Array.of(9, 0.25, 2),
    levels: Int32Array.of(1, -1, 0, 1),
  },
};

describe('decodeMessage', () => {
  it('decodes every form, zeros elsewhere (overwriting old contents)', () => {
    expect(Array.from(decodeMessage(sparseFloat, new Float64Array(5).fill(9)))).toEqual([0, 2, 0, 0, -3]);
    expect(Array.from(decodeMessage(denseFloat, new Float64Array(3).fill(9)))).toEqual([1, 0, -1]);
    expect(Array.from(decodeMessage(sparseLevels, new Float64Array(6).fill(9)))).toEqual([-1, 0, 3, 0, 0, 6]);
    expect(Array.from(decodeMessage(denseLevels, new Float64Array(4).fill(9)))).toEqual([0.25, -0.25, 0, 2]);
    expect(messageNnz(sparseLevels)).toBe(4);
    expect(messageNnz(denseLevels)).toBe(4);
  });
  it('dim 0', () => {
    expect(
      decodeMessage({ dim: 0, indices: null, values: { kind: 'float', precision: 'f64', data: new Float64Array(0) } }, new Float64Array(0))
        .length,
    ).toBe(0);
  });
  it('length mismatches are internal errors', () => {
    expect(() => decodeMessage(sparseFloat, new Float64Array(4))).toThrow(ProxmeshError);
    const bad: Message = { dim: 5, indices: Uint32Array.of(1), values: { kind: 'float', precision: 'f64', data: Float64Array.of(1, 2) } };
    expect(() => decodeMessage(bad, new Float64Array(5))).toThrow(/2 values for 1 carried/);
  });
});

describe('addScaledMessage', () => {
  it('adds w·value on carried coordinates only, equal to acc + w·decoded bit for bit', () => {
    for (const m of [sparseFloat, denseFloat, sparseLevels, denseLevels]) {
      const acc = Float64Array.from({ length: m.dim }, (_, j) => 0.1 * (j + 1));
      const dec = decodeMessage(m, new Float64Array(m.dim));
      const expected = Float64Array.from(acc, (a, j) => a + 0.3 * dec[j]);
      const got = addScaledMessage(acc, 0.3, m);
      expect(got).toBe(acc);
      expect(Array.from(got)).toEqual(Array.from(expected));
    }
    // carried coordinates only: NaN elsewhere stays NaN-free? no — untouched means unchanged
    const acc = new Float64Array(5).fill(Number.NaN);
    acc[1] = 1;
    acc[4] = 1;
    addScaledMessage(acc, 2, sparseFloat);
    expect(Array.from(acc)).toEqual([Number.NaN, 5, Number.NaN, Number.NaN, -5]);
  });
});

describe('validateMessage', () => {
  it('accepts well-formed messages', () => {
    for (const m of [sparseFloat, denseFloat, sparseLevels, denseLevels]) expect(() => validateMessage(m)).not.toThrow();
  });
  it('rejects non-ascending or out-of-range indices and out-of-range levels', () => {
    const f = (indices: number[]): Message => ({
      dim: 5,
      indices: Uint32Array.from(indices),
      values: { kind: 'float', precision: 'f64', data: new Float64Array(indices.length) },
    });
    expect(() => validateMessage(f([1, 1]))).toThrow(/not strictly ascending/);
    expect(() => validateMessage(f([3, 2]))).toThrow(/not strictly ascending/);
    expect(() => validateMessage(f([5]))).toThrow(/out of range/);
    const lv: Message = {
      ...denseLevels,
      values: { ...(denseLevels.values as never as object), levels: Int32Array.of(1, -2, 0, 1) } as Message['values'],
    };
    expect(() => validateMessage(lv)).toThrow(/exceeds s = 1/);
  });
});
