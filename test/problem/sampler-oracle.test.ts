import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { createLogistic } from '../../node/problem/models/logistic.ts';
import { clipToNorm, createOracle } from '../../node/problem/oracle.ts';
import { createSampler } from '../../node/problem/sampler.ts';
import type { Dataset } from '../../node/problem/types.ts';
import { expectError } from './helpers.ts';

const shard = Int32Array.from({ length: 10 }, (_, i) => 100 + 3 * i); // 100, 103, …, 127

describe('createSampler', () => {
  it('epochs are permutations of the shard; batches of b; a partial tail is dropped (drop_last)', () => {
    const s = createSampler(shard, 4, Rng.derive(1, 0, 'minibatch'));
    // reference: the same Rng shuffling a copy of the shard once per epoch
    const ref = Rng.derive(1, 0, 'minibatch');
    const perm = Int32Array.from(shard);
    for (let epoch = 0; epoch < 5; epoch++) {
      ref.shuffle(perm);
      const b1 = Array.from(s.next()!);
      const b2 = Array.from(s.next()!);
      expect(b1).toEqual(Array.from(perm.subarray(0, 4)));
      expect(b2).toEqual(Array.from(perm.subarray(4, 8)));
      // the 2-sample tail perm[8..10) is never served: the next call starts a new epoch
      expect(new Set([...b1, ...b2]).size).toBe(8);
    }
  });

  it('b = shard size gives exactly one permutation per batch', () => {
    const s = createSampler(shard, 10, Rng.fromSeed(2));
    for (let k = 0; k < 3; k++) expect(Array.from(s.next()!).sort((a, b) => a - b)).toEqual(Array.from(shard));
  });

  it('b > shard size wraps around fresh permutations (every batch has b samples, each full pass is a permutation)', () => {
    const s = createSampler(shard, 25, Rng.fromSeed(3));
    for (let k = 0; k < 3; k++) {
      const b = Array.from(s.next()!);
      expect(b.length).toBe(25);
      expect(b.slice(0, 10).sort((x, y) => x - y)).toEqual(Array.from(shard));
      expect(b.slice(10, 20).sort((x, y) => x - y)).toEqual(Array.from(shard));
      expect(new Set(b.slice(20)).size).toBe(5);
    }
  });

  it('deterministic under the seed; different seeds differ', () => {
    const draw = (seed: number) => {
      const s = createSampler(shard, 3, Rng.derive(seed, 4, 'minibatch'));
      return Array.from({ length: 7 }, () => Array.from(s.next()!));
    };
    expect(draw(9)).toEqual(draw(9));
    expect(draw(9)).not.toEqual(draw(10));
  });

  it("'full' returns null; bad batch sizes and empty shards are rejected", () => {
    const s = createSampler(shard, 'full', Rng.fromSeed(1));
    expect(s.batchSize).toBe('full');
    expect(s.next()!).toBeNull();
    expectError(() => createSampler(shard, 0, Rng.fromSeed(1)), 'PROXMESH_ERR_CONFIG_INCONSISTENT', 'batchSize');
    expectError(() => createSampler(shard, 1.5, Rng.fromSeed(1)), 'PROXMESH_ERR_CONFIG_INCONSISTENT', 'batchSize');
    expectError(() => createSampler(new Int32Array(0), 2, Rng.fromSeed(1)), 'PROXMESH_ERR_CONFIG_INCONSISTENT', /empty shard/);
  });
});

describe('createOracle', () => {
  // 1 feature, no intercept; rows a = 1, 2, −1, 4 with labels 1, 0, 1, 0
  const data: Dataset = {
    name: 'tiny',
    nClasses: 2,
    labels: Int32Array.of(1, 0, 1, 0),
    features: { kind: 'dense', rows: 4, cols: 1, data: Float64Array.of(1, 2, -1, 4) },
  };
  const model = createLogistic({ nFeatures: 1, intercept: false });
  const sh = Int32Array.of(0, 1, 3);

  it('batch null = the whole shard; a batch = those samples; nextBatch delegates to the sampler', () => {
    const o = createOracle({ model, data, shard: sh, sampler: createSampler(sh, 'full', Rng.fromSeed(1)), clipNorm: null });
    expect(o.nextBatch()).toBeNull();
    const g = new Float64Array(1);
    const want = new Float64Array(1);
    expect(o.gradient(Float64Array.of(0.3), null, g)).toBe(model.lossGrad(Float64Array.of(0.3), data, sh, want));
    expect(g[0]).toBe(want[0]);
    // at x = 0: dℓ/dz = −y/2, so g = mean(−y·a/2) over rows 0, 3 = (−1/2 + 4/2)/2 = 0.75
    expect(o.gradient(Float64Array.of(0), Int32Array.of(0, 3), g)).toBeCloseTo(Math.LN2, 15);
    expect(g[0]).toBe(0.75);
    const o2 = createOracle({ model, data, shard: sh, sampler: createSampler(sh, 2, Rng.fromSeed(5)) });
    expect(o2.nextBatch()!.length).toBe(2);
  });

  it('clips to clipNorm exactly: out ← out·min(1, c/‖out‖); the loss is unaffected', () => {
    const full = createOracle({ model, data, shard: sh, sampler: createSampler(sh, 'full', Rng.fromSeed(1)) });
    const clipped = createOracle({ model, data, shard: sh, sampler: createSampler(sh, 'full', Rng.fromSeed(1)), clipNorm: 0.5 });
    const loose = createOracle({ model, data, shard: sh, sampler: createSampler(sh, 'full', Rng.fromSeed(1)), clipNorm: 100 });
    const g = new Float64Array(1),
      gc = new Float64Array(1),
      gl = new Float64Array(1);
    const b = Int32Array.of(0, 3);
    const f = full.gradient(Float64Array.of(0), b, g);
    expect(g[0]).toBe(0.75);
    expect(clipped.gradient(Float64Array.of(0), b, gc)).toBe(f);
    expect(gc[0]).toBe(0.5);
    loose.gradient(Float64Array.of(0), b, gl);
    expect(gl[0]).toBe(0.75);
  });

  it('clipToNorm on a vector: direction kept, norm = c when above, unchanged when below', () => {
    const v = Float64Array.of(3, 4, 0);
    expect(clipToNorm(v, 1)).toBe(5);
    expect(Array.from(v)).toEqual([3 * (1 / 5), 4 * (1 / 5), 0]); // exactly out·(c/‖out‖)
    const w = Float64Array.of(0.3, -0.4);
    clipToNorm(w, 0.5);
    expect(Array.from(w)).toEqual([0.3, -0.4]);
    const z = new Float64Array(2);
    clipToNorm(z, 1);
    expect(Array.from(z)).toEqual([0, 0]);
  });

  it('rejects clipNorm ≤ 0', () => {
    for (const c of [0, -1, Number.NaN]) {
      expectError(
        () => createOracle({ model, data, shard: sh, sampler: createSampler(sh, 'full', Rng.fromSeed(1)), clipNorm: c }),
        'PROXMESH_ERR_CONFIG_INCONSISTENT',
        'algorithm.clipNorm',
      );
    }
  });
});
