/**
 * One conformance suite over every compressor (STYLE.md habit 2): message/decoded consistency,
 * declared contraction (A4, paper-spec §1.3) and unbiasedness, determinism under a seed, no
 * aliasing, n = 0 and odd lengths, layers of size 1 and 0.
 */
import { describe, expect, it } from 'vitest';
import { compressorFactory } from '../../node/compress/registry.ts';
import type { CompressorSpecInput } from '../../node/compress/spec.ts';
import { addScaledMessage, decodeMessage, messageNnz, validateMessage } from '../../node/compress/decode.ts';
import { roundToPrecision } from '../../node/compress/precision.ts';
import type { Compressor } from '../../node/compress/types.ts';
import { Rng } from '../../node/linalg/rng.ts';
import type { LayerMap } from '../../node/linalg/layers.ts';
import { dimOf, distSq, firstBitDiff, layersOf, matrixLayers, randomVector, snapshot, sumSq } from './helpers.ts';

const SPECS: Array<[string, CompressorSpecInput]> = [
  ['identity', { kind: 'identity' }],
  ['identity f32', { kind: 'identity', precision: 'f32' }],
  ['identity f16', { kind: 'identity', precision: 'f16' }],
  ['topk 0.3 layer', { kind: 'topk', ratio: 0.3 }],
  ['topk 0.3 global', { kind: 'topk', ratio: 0.3, scope: 'global' }],
  ['topk k=1 layer', { kind: 'topk', k: 1 }],
  ['topk k=1 global', { kind: 'topk', k: 1, scope: 'global' }],
  ['topk 0.5 f32', { kind: 'topk', ratio: 0.5, precision: 'f32' }],
  ['topk 0.3 f16', { kind: 'topk', ratio: 0.3, precision: 'f16' }],
  ['topk 1.0', { kind: 'topk', ratio: 1 }],
  ['randk 0.3 scaled layer', { kind: 'randk', ratio: 0.3 }],
  ['randk 0.6 scaled global', { kind: 'randk', ratio: 0.6, scope: 'global' }],
  ['randk 0.3 unscaled', { kind: 'randk', ratio: 0.3, scaled: false }],
  ['randk 0.5 unscaled f16 global', { kind: 'randk', ratio: 0.5, scaled: false, precision: 'f16', scope: 'global' }],
  ['randk 0.5 scaled f32', { kind: 'randk', ratio: 0.5, precision: 'f32' }],
  ['qsgd 4 layer', { kind: 'qsgd', levels: 4 }],
  ['qsgd 16 global', { kind: 'qsgd', levels: 16, scope: 'global' }],
  ['qsgd 2 contractive', { kind: 'qsgd', levels: 2, contractive: true }],
  ['qsgd 1 contractive global f16', { kind: 'qsgd', levels: 1, contractive: true, scope: 'global', scalePrecision: 'f16' }],
  ['qsgd 8 f32 scale', { kind: 'qsgd', levels: 8, scalePrecision: 'f32' }],
  ['sign layer', { kind: 'sign' }],
  ['sign global f16', { kind: 'sign', scope: 'global', scalePrecision: 'f16' }],
  ['ef(topk 0.3)', { kind: 'ef', inner: { kind: 'topk', ratio: 0.3 } }],
  ['ef(qsgd 4)', { kind: 'ef', inner: { kind: 'qsgd', levels: 4 } }],
  [
    'ef(chain(topk, qsgd))',
    {
      kind: 'ef',
      inner: {
        kind: 'chain',
        steps: [
          { kind: 'topk', ratio: 0.5 },
          { kind: 'qsgd', levels: 8 },
        ],
      },
    },
  ],
  [
    'chain(topk 0.5, qsgd 16)',
    {
      kind: 'chain',
      steps: [
        { kind: 'topk', ratio: 0.5 },
        { kind: 'qsgd', levels: 16 },
      ],
    },
  ],
  ['chain(topk global, sign)', { kind: 'chain', steps: [{ kind: 'topk', ratio: 0.5, scope: 'global' }, { kind: 'sign' }] }],
  [
    'chain(randk unscaled, topk)',
    {
      kind: 'chain',
      steps: [
        { kind: 'randk', ratio: 0.5, scaled: false },
        { kind: 'topk', ratio: 0.5 },
      ],
    },
  ],
  [
    'chain(randk scaled, qsgd 8)',
    {
      kind: 'chain',
      steps: [
        { kind: 'randk', ratio: 0.7 },
        { kind: 'qsgd', levels: 8 },
      ],
    },
  ],
  [
    'chain(topk, identity f16)',
    {
      kind: 'chain',
      steps: [
        { kind: 'topk', ratio: 0.4 },
        { kind: 'identity', precision: 'f16' },
      ],
    },
  ],
  ['natural', { kind: 'natural' }],
  ['ef(natural)', { kind: 'ef', inner: { kind: 'natural' } }],
  ['chain(topk, natural)', { kind: 'chain', steps: [{ kind: 'topk', ratio: 0.5 }, { kind: 'natural' }] }],
  ['dither (ternary, linf)', { kind: 'dither' }],
  ['dither 4 l2 global', { kind: 'dither', levels: 4, norm: 'l2', scope: 'global' }],
  ['dither 16 linf f16 scale', { kind: 'dither', levels: 16, scalePrecision: 'f16' }],
  [
    'chain(randk scaled, dither)',
    {
      kind: 'chain',
      steps: [
        { kind: 'randk', ratio: 0.5 },
        { kind: 'dither', levels: 2 },
      ],
    },
  ],
  ['lowrank 1', { kind: 'lowrank', rank: 1 }],
  ['lowrank 2 f32', { kind: 'lowrank', rank: 2, precision: 'f32' }],
  ['ef(lowrank 1 f16)', { kind: 'ef', inner: { kind: 'lowrank', rank: 1, precision: 'f16' } }],
  ['lowrank 1, vectors top-k 0.3', { kind: 'lowrank', rank: 1, vectorRatio: 0.3 }],
  ['lowrank 2 f32, vectors top-k 0.5', { kind: 'lowrank', rank: 2, vectorRatio: 0.5, precision: 'f32' }],
];

/** Layouts: n = 0 (no layers, and one empty layer), odd lengths, size-1 and size-0 layers. */
const LAYOUTS: Array<[string, LayerMap]> = [
  ['dim 0, no layers', layersOf([])],
  ['dim 0, one empty layer', layersOf([0])],
  ['flat 1', layersOf([1])],
  ['flat 3', layersOf([3])],
  ['flat 7', layersOf([7])],
  ['flat 1001', layersOf([1001])],
  ['mixed [5,1,12,0,3,1]', layersOf([5, 1, 12, 0, 3, 1])],
  ['matrices 6×5, 5, 3×4, 0, 1×7', matrixLayers([[6, 5], [5], [3, 4], [0, 2], [1, 7]])],
];

/** Small layouts for the statistical checks (cheap enough for 2000 trials per spec). */
const STAT_LAYOUTS: Array<[string, LayerMap]> = [
  ['flat 7', layersOf([7])],
  ['mixed [5,1,12,3]', layersOf([5, 1, 12, 3])],
  ['matrices 6×5, 5', matrixLayers([[6, 5], [5]])],
];

const TRIALS = 2000;

function make(spec: CompressorSpecInput, layers: LayerMap, seed = 1): Compressor {
  return compressorFactory(spec)(layers, Rng.derive(seed, 0, 'compress-x'));
}

/** Test inputs: random normals, plus equal magnitudes (top-k's tight case) and 1/3 (not representable in f32/f16). */
function inputs(dim: number, rng: Rng): Float64Array[] {
  const out = [randomVector(rng, dim), randomVector(rng, dim, 100), new Float64Array(dim)];
  out.push(Float64Array.from({ length: dim }, (_, i) => (i % 2 === 0 ? 1 : -1)));
  out.push(Float64Array.from({ length: dim }, (_, i) => (i % 3 === 0 ? -1 / 3 : 1 / 3)));
  const sparse = new Float64Array(dim);
  if (dim > 0) sparse[dim >> 1] = 2.5;
  out.push(sparse);
  return out;
}

describe.each(SPECS)('compressor %s', (_label, spec) => {
  describe.each(LAYOUTS)('layout %s', (_l, layers) => {
    const dim = dimOf(layers);

    it('decoded is exactly decodeMessage(message): shape, zeros outside indices, ascending indices, wire precision', () => {
      const c = make(spec, layers);
      const rng = Rng.derive(11, 0, 'x');
      for (const x of inputs(dim, rng)) {
        const decoded = new Float64Array(dim).fill(Number.NaN); // must be fully overwritten
        const m = c.compress(x, decoded);
        expect(m.dim).toBe(dim);
        validateMessage(m);
        const again = decodeMessage(m, new Float64Array(dim).fill(7));
        expect(firstBitDiff(again, decoded)).toBe(-1);
        if (m.indices !== null) {
          const carried = new Set(Array.from(m.indices));
          for (let j = 0; j < dim; j++) if (!carried.has(j)) expect(decoded[j]).toBe(0);
        }
        if (m.values.kind === 'float') {
          for (const v of m.values.data) expect(roundToPrecision(v, m.values.precision)).toBe(v);
        } else if (m.values.kind === 'levels') {
          for (const sc of m.values.scales) expect(roundToPrecision(sc, m.values.scalePrecision)).toBe(sc);
        } else if (m.values.kind === 'lowrank') {
          for (const v of m.values.data) expect(roundToPrecision(v, m.values.precision)).toBe(v);
        }
        // Receiver aggregation adds w·value on carried coordinates only, bit-identical to w·decoded.
        const base = randomVector(rng, dim);
        const acc = addScaledMessage(Float64Array.from(base), 0.37, m);
        const ref = Float64Array.from(base, (b, j) => b + 0.37 * decoded[j]);
        expect(firstBitDiff(acc, ref)).toBe(-1);
        expect(messageNnz(m)).toBeLessThanOrEqual(dim);
      }
    });

    it('declared deterministic contraction holds on every input', () => {
      const c = make(spec, layers);
      if (c.info.random || c.info.alpha2 === null) return;
      const rng = Rng.derive(12, 0, 'x');
      for (let t = 0; t < 20; t++) {
        for (const x of t === 0 ? inputs(dim, rng) : [randomVector(rng, dim)]) {
          const d = new Float64Array(dim);
          c.compress(x, d);
          // 1e-12 relative slack: f64 summation error of the two norms, nothing else.
          expect(distSq(x, d)).toBeLessThanOrEqual(c.info.alpha2 * sumSq(x) * (1 + 1e-12));
        }
      }
    });

    it('same seed → identical messages; no aliasing of x, decoded or earlier messages', () => {
      const a = make(spec, layers, 5);
      const b = make(spec, layers, 5);
      const rng = Rng.derive(13, 0, 'x');
      const xs = [randomVector(rng, dim), randomVector(rng, dim), randomVector(rng, dim)];
      const first: unknown[] = [];
      const msgs = xs.map((x) => {
        const x2 = Float64Array.from(x);
        const da = new Float64Array(dim);
        const db = new Float64Array(dim);
        const ma = a.compress(x, da);
        const mb = b.compress(x2, db);
        expect(snapshot(ma)).toEqual(snapshot(mb));
        expect(firstBitDiff(da, db)).toBe(-1);
        first.push(snapshot(ma));
        x.fill(123); // the message must not reference x or decoded
        da.fill(-5);
        return ma;
      });
      // Later calls (above) must not have changed the earlier messages.
      for (const [i, m] of msgs.entries()) expect(snapshot(m)).toEqual(first[i]);
    });
  });

  describe.each(STAT_LAYOUTS)('statistics on %s', (_l, layers) => {
    const dim = dimOf(layers);

    it('different seeds → different messages (random compressors only)', () => {
      const a = make(spec, layers, 1);
      if (!a.info.random) return;
      const b = make(spec, layers, 2);
      const x = randomVector(Rng.derive(14, 0, 'x'), dim);
      let differ = false;
      for (let t = 0; t < 5; t++) {
        const ma = a.compress(x, new Float64Array(dim));
        const mb = b.compress(x, new Float64Array(dim));
        if (JSON.stringify(snapshot(ma)) !== JSON.stringify(snapshot(mb))) differ = true;
      }
      expect(differ).toBe(true);
    });

    it(`mean contraction over ${TRIALS} trials ≤ declared α² (random compressors)`, () => {
      const c = make(spec, layers, 3);
      if (!c.info.random || c.info.alpha2 === null) return;
      const rng = Rng.derive(15, 0, 'x');
      for (const x of [randomVector(rng, dim), Float64Array.from({ length: dim }, (_, i) => (i % 2 ? 1 : -1))]) {
        const nx = sumSq(x);
        const d = new Float64Array(dim);
        let s1 = 0,
          s2 = 0;
        for (let t = 0; t < TRIALS; t++) {
          c.compress(x, d);
          const r = distSq(x, d) / nx;
          s1 += r;
          s2 += r * r;
        }
        const mean = s1 / TRIALS;
        const sd = Math.sqrt(Math.max(0, s2 / TRIALS - mean * mean));
        // One-sided CLT bound: the mean of TRIALS i.i.d. ratios exceeds its expectation (≤ α²) by more
        // than 4 standard errors with probability ≈ 3e-5. Several compressors sit exactly at α² in
        // expectation (unscaled rand-k, scaled rand-k with ω < 1 on ±1 inputs), so the slack is needed.
        expect(mean).toBeLessThanOrEqual(c.info.alpha2 + (4 * sd) / Math.sqrt(TRIALS) + 1e-12);
      }
    });

    it(`declared unbiasedness: mean of Q(x) over ${TRIALS} trials → x`, () => {
      const c = make(spec, layers, 4);
      if (!c.info.unbiased) return;
      expect(c.info.omega).not.toBeNull();
      const x = randomVector(Rng.derive(16, 0, 'x'), dim);
      const mean = new Float64Array(dim);
      const d = new Float64Array(dim);
      for (let t = 0; t < TRIALS; t++) {
        c.compress(x, d);
        for (let j = 0; j < dim; j++) mean[j] += d[j] / TRIALS;
      }
      // E‖mean − x‖² = E‖Q − x‖²/N ≤ ω‖x‖²/N, so by Markov P(‖mean − x‖² > 10ω‖x‖²/N) ≤ 0.1 for an
      // arbitrary seed (the seed is fixed, so the test is deterministic). A biased operator misses by
      // ‖E Q − x‖², e.g. (1 − k/d)²‖x‖² for unscaled rand-k — far above this (see unbiasedness.test.ts).
      const tol = (10 * (c.info.omega as number) * sumSq(x)) / TRIALS + 1e-20 * sumSq(x) + 1e-28;
      expect(distSq(mean, x)).toBeLessThanOrEqual(tol);
    });
  });
});
