/** rand-k, QSGD and sign specifics: declared constants, message forms, and power of the statistical checks. */
import { describe, expect, it } from 'vitest';
import { compressorFactory } from '../../node/compress/registry.ts';
import { flatLayers } from '../../node/compress/layout.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { distSq, layersOf, randomVector, sumSq } from './helpers.ts';

describe('randk', () => {
  it('declared constants: scaled ω = d/k − 1 (α² = ω if < 1), unscaled α² = 1 − min k/d', () => {
    const L = layersOf([10, 4]);
    const s = compressorFactory({ kind: 'randk', ratio: 0.5 })(L, Rng.derive(1)).info;
    expect(s).toMatchObject({ unbiased: true, omega: 1, alpha2: null, random: true });
    const s2 = compressorFactory({ kind: 'randk', k: 3 })(L, Rng.derive(1)).info;
    expect(s2.omega).toBeCloseTo(10 / 3 - 1, 15);
    const u = compressorFactory({ kind: 'randk', ratio: 0.5, scaled: false })(L, Rng.derive(1)).info;
    expect(u).toMatchObject({ unbiased: false, omega: null, alpha2: 0.5 });
    const f32 = compressorFactory({ kind: 'randk', ratio: 0.5, precision: 'f32' })(L, Rng.derive(1)).info;
    expect(f32).toMatchObject({ unbiased: false, omega: null, alpha2: null });
  });

  it('selects every coordinate with probability k/d (chi-square-free check: counts within 5σ)', () => {
    const c = compressorFactory({ kind: 'randk', k: 3, scaled: false })(flatLayers(10), Rng.derive(2));
    const counts = new Array(10).fill(0);
    const N = 4000;
    for (let t = 0; t < N; t++) for (const j of c.compress(new Float64Array(10).fill(1), new Float64Array(10)).indices!) counts[j]++;
    const p = 0.3,
      sd = Math.sqrt(N * p * (1 - p));
    for (const n of counts) expect(Math.abs(n - N * p)).toBeLessThan(5 * sd); // P(|z| > 5) ≈ 6e-7 per coordinate
  });

  it('the unbiasedness criterion of the conformance suite has power: unscaled rand-k fails it', () => {
    const c = compressorFactory({ kind: 'randk', ratio: 0.3, scaled: false })(flatLayers(7), Rng.derive(3));
    const x = randomVector(Rng.derive(4), 7);
    const mean = new Float64Array(7),
      d = new Float64Array(7);
    const N = 2000;
    for (let t = 0; t < N; t++) {
      c.compress(x, d);
      for (let j = 0; j < 7; j++) mean[j] += d[j] / N;
    }
    const omegaIfScaled = 7 / 2 - 1;
    expect(distSq(mean, x)).toBeGreaterThan((10 * omegaIfScaled * sumSq(x)) / N);
  });
});

describe('qsgd', () => {
  it('message: levels in [−s, s] with scale = ‖v‖/s per block, decoded = scale·level', () => {
    const c = compressorFactory({ kind: 'qsgd', levels: 4 })(layersOf([3, 4]), Rng.derive(5));
    const x = Float64Array.of(3, 0, -4, 1, 1, 1, 1);
    const d = new Float64Array(7);
    const m = c.compress(x, d);
    if (m.values.kind !== 'levels') throw new Error('expected levels');
    expect(Array.from(m.values.scales)).toEqual([5 / 4, 2 / 4]);
    expect(Array.from(m.values.blockStarts)).toEqual([0, 3, 7]);
    // |v_j|/scale: 2.4, 0, 3.2 | 2,2,2,2 → levels ∈ {2,3}, 0, {−3,−4} | exactly 2
    expect([2, 3]).toContain(m.values.levels[0]);
    expect(m.values.levels[1]).toBe(0);
    expect([-3, -4]).toContain(m.values.levels[2]);
    expect(Array.from(m.values.levels.subarray(3))).toEqual([2, 2, 2, 2]);
    expect(Array.from(d.subarray(3))).toEqual([1, 1, 1, 1]);
  });

  it('declared ω = min(d/s², √d/s) (max over blocks); contractive α² = ω/(1+ω)', () => {
    const L = layersOf([100, 9]);
    const u = compressorFactory({ kind: 'qsgd', levels: 4 })(L, Rng.derive(1)).info;
    expect(u.omega).toBeCloseTo(Math.min(100 / 16, 10 / 4), 15);
    expect(u).toMatchObject({ unbiased: true, alpha2: null });
    const c = compressorFactory({ kind: 'qsgd', levels: 4, contractive: true })(L, Rng.derive(1)).info;
    expect(c.alpha2).toBeCloseTo(2.5 / 3.5, 15);
    expect(c).toMatchObject({ unbiased: false, omega: null });
  });

  it('a vector with one non-zero is sent exactly (no randomness) and v = 0 gives zero scale', () => {
    const c = compressorFactory({ kind: 'qsgd', levels: 3 })(flatLayers(4), Rng.derive(1));
    const d = new Float64Array(4);
    c.compress(Float64Array.of(0, -2, 0, 0), d);
    expect(Array.from(d)).toEqual([0, -2, 0, 0]);
    const m = c.compress(new Float64Array(4), d);
    expect(Array.from(d)).toEqual([0, 0, 0, 0]);
    expect(m.values.kind === 'levels' && m.values.scales[0]).toBe(0);
  });
});

describe('sign', () => {
  it('scale = ‖v‖₁/d per block, levels = sign(v), α² = 1 − 1/d_max', () => {
    const c = compressorFactory({ kind: 'sign' })(layersOf([4, 2]), Rng.derive(1));
    expect(c.info).toMatchObject({ alpha2: 0.75, unbiased: false, random: false, name: 'sign(scope=layer)' });
    const d = new Float64Array(6);
    const m = c.compress(Float64Array.of(1, -3, 0, 4, 2, 2), d);
    expect(Array.from(d)).toEqual([2, -2, 0, 2, 2, 2]);
    expect(m.values.kind === 'levels' && Array.from(m.values.levels)).toEqual([1, -1, 0, 1, 1, 1]);
    expect(m.values.kind === 'levels' && m.values.s).toBe(1);
  });
});
