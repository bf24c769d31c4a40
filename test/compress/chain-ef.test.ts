/** chain and ef equal applying their parts by hand (optax habit); declared bounds of the composites. */
import { describe, expect, it } from 'vitest';
import { builtFactory, compressorFactory } from '../../node/compress/registry.ts';
import { flatLayers } from '../../node/compress/layout.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { firstBitDiff, layersOf, randomVector, snapshot } from './helpers.ts';

describe('chain', () => {
  it('chain(topk, qsgd) = qsgd applied by hand to the top-k values, indices composed', () => {
    const layers = layersOf([10, 1, 25]);
    const chain = compressorFactory({
      kind: 'chain',
      steps: [
        { kind: 'topk', ratio: 0.3 },
        { kind: 'qsgd', levels: 4 },
      ],
    })(layers, Rng.derive(1, 0, 'c'));
    const topk = builtFactory({ kind: 'topk', ratio: 0.3 })(layers, Rng.derive(0));
    const qsgd = compressorFactory({ kind: 'qsgd', levels: 4 })(topk.carried!, Rng.derive(1, 0, 'c')); // same stream: top-k draws nothing
    const rng = Rng.derive(2);
    for (let t = 0; t < 5; t++) {
      const x = randomVector(rng, 36);
      const d = new Float64Array(36);
      const m = chain.compress(x, d);
      const mt = topk.compress(x, new Float64Array(36));
      const mq = qsgd.compress(
        (mt.values as { data: Float64Array }).data,
        new Float64Array(topk.carried!.reduce((s, l) => s + l.length, 0)),
      );
      expect(snapshot(m)).toEqual(snapshot({ dim: 36, indices: mt.indices, values: mq.values }));
      expect(m.values.kind).toBe('levels');
      if (m.values.kind === 'levels') expect(Array.from(m.values.blockStarts)).toEqual([0, 3, 4, 11]); // per-layer blocks of the carried vector
    }
  });

  it('chain(topk global k1, topk global k2) = topk with k2 (sparse inner indices compose)', () => {
    const a = compressorFactory({
      kind: 'chain',
      steps: [
        { kind: 'topk', k: 8, scope: 'global' },
        { kind: 'topk', k: 3, scope: 'global' },
      ],
    })(flatLayers(20), Rng.derive(1));
    const b = compressorFactory({ kind: 'topk', k: 3, scope: 'global' })(flatLayers(20), Rng.derive(1));
    const rng = Rng.derive(3);
    for (let t = 0; t < 20; t++) {
      const x = randomVector(rng, 20);
      const da = new Float64Array(20),
        db = new Float64Array(20);
      expect(snapshot(a.compress(x, da))).toEqual(snapshot(b.compress(x, db)));
      expect(firstBitDiff(da, db)).toBe(-1);
    }
  });

  it('declared bounds: α² = 1 − Π(1 − α_i²) with exact-valued prefixes, ω = Π(1 + ω_i) − 1 when all unbiased, else null', () => {
    const L = flatLayers(100);
    const r = Rng.derive(1);
    const tq = compressorFactory({
      kind: 'chain',
      steps: [
        { kind: 'topk', ratio: 0.5 },
        { kind: 'qsgd', levels: 16 },
      ],
    })(L, r).info;
    const wq = Math.min(50 / 256, Math.sqrt(50) / 16); // qsgd on the 50 carried values
    expect(tq.alpha2).toBeCloseTo(1 - 0.5 * (1 - wq), 14);
    expect(tq.unbiased).toBe(false);
    const rq = compressorFactory({
      kind: 'chain',
      steps: [
        { kind: 'randk', ratio: 0.5 },
        { kind: 'qsgd', levels: 16 },
      ],
    })(L, r).info;
    expect(rq.unbiased).toBe(true);
    expect(rq.omega).toBeCloseTo((1 + 1) * (1 + wq) - 1, 14);
    expect(rq.alpha2).toBeNull(); // scaled rand-k values are not exact, ω ≥ 1
    const f16 = compressorFactory({ kind: 'chain', steps: [{ kind: 'topk', ratio: 0.5, precision: 'f16' }, { kind: 'sign' }] })(L, r).info;
    expect(f16.alpha2).toBeNull();
    expect(f16.name).toBe('chain(topk(ratio=0.5,scope=layer,precision=f16),sign(scope=layer))');
  });
});

describe('ef', () => {
  it('equals error feedback written by hand: p = x + e, q = Q(p), e ← p − q', () => {
    const layers = layersOf([6, 1, 9]);
    for (const inner of [
      { kind: 'topk', ratio: 0.3 },
      { kind: 'qsgd', levels: 2 },
    ] as const) {
      const ef = compressorFactory({ kind: 'ef', inner })(layers, Rng.derive(4, 1, 'compress-x'));
      const q = compressorFactory(inner)(layers, Rng.derive(4, 1, 'compress-x'));
      const e = new Float64Array(16);
      const rng = Rng.derive(5);
      const sumX = new Float64Array(16),
        sumQ = new Float64Array(16);
      for (let t = 0; t < 30; t++) {
        const x = randomVector(rng, 16);
        const p = Float64Array.from(x, (v, j) => v + e[j]);
        const dRef = new Float64Array(16);
        const mRef = q.compress(p, dRef);
        for (let j = 0; j < 16; j++) e[j] = p[j] - dRef[j];
        const d = new Float64Array(16);
        const m = ef.compress(x, d);
        expect(snapshot(m)).toEqual(snapshot(mRef));
        expect(firstBitDiff(d, dRef)).toBe(-1);
        for (let j = 0; j < 16; j++) {
          sumX[j] += x[j];
          sumQ[j] += d[j];
        }
      }
      // telescoping Σq = Σx − e_T
      for (let j = 0; j < 16; j++) expect(sumQ[j]).toBeCloseTo(sumX[j] - e[j], 10);
      expect(ef.info).toMatchObject({ alpha2: null, unbiased: false, omega: null });
    }
  });

  it('with a constant input, top-1 EF eventually transmits every coordinate', () => {
    const ef = compressorFactory({ kind: 'ef', inner: { kind: 'topk', k: 1 } })(flatLayers(5), Rng.derive(1));
    const x = Float64Array.from([5, 4, 3, 2, 1]);
    const seen = new Set<number>();
    for (let t = 0; t < 30; t++) seen.add(ef.compress(x, new Float64Array(5)).indices![0]);
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
