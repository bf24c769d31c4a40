/** Top-k specifics (paper-spec §4, §9.2): k per tensor, ties, selection vs a sort reference, bounds. */
import { describe, expect, it } from 'vitest';
import { builtFactory, compressorFactory } from '../../node/compress/registry.ts';
import { flatLayers } from '../../node/compress/layout.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { distSq, layersOf, randomVector, sumSq } from './helpers.ts';

/** Reference: sort by (|x| desc, index asc), keep k, ascending indices. */
function referenceTopk(x: Float64Array, off: number, d: number, k: number): number[] {
  const idx = Array.from({ length: d }, (_, j) => off + j);
  idx.sort((a, b) => Math.abs(x[b]) - Math.abs(x[a]) || a - b);
  return idx.slice(0, k).sort((a, b) => a - b);
}

describe('topk', () => {
  it('k_t = max(1, floor(ratio·numel_t)) per tensor; numel 1 tensors are sent exactly', () => {
    const sizes = [5, 1, 12, 3, 10, 100];
    const c = builtFactory({ kind: 'topk', ratio: 0.3 })(layersOf(sizes), Rng.derive(1));
    expect(c.carried?.map((l) => l.length)).toEqual([1, 1, 3, 1, 3, 30]);
    const x = randomVector(Rng.derive(2), 131);
    const d = new Float64Array(131);
    const m = c.compress(x, d);
    expect(m.indices?.length).toBe(39);
    expect(d[5]).toBe(x[5]); // the size-1 layer at offset 5
  });

  it('ties: the lower index wins', () => {
    const c = compressorFactory({ kind: 'topk', k: 2 })(flatLayers(5), Rng.derive(1));
    const m = c.compress(Float64Array.from([1, -1, 0.5, 1, -1]), new Float64Array(5));
    expect(Array.from(m.indices!)).toEqual([0, 1]);
    const m2 = c.compress(Float64Array.from([0.5, -1, 0.5, 2, -1]), new Float64Array(5));
    expect(Array.from(m2.indices!)).toEqual([1, 3]);
  });

  it('matches a sort-based reference on random vectors with many duplicates (per layer and global)', () => {
    const rng = Rng.derive(3);
    const sizes = [17, 1, 64, 9, 33];
    const layers = layersOf(sizes);
    for (const ratio of [0.05, 0.3, 0.5, 0.9]) {
      const per = compressorFactory({ kind: 'topk', ratio })(layers, rng);
      const glob = compressorFactory({ kind: 'topk', ratio, scope: 'global' })(layers, rng);
      for (let t = 0; t < 30; t++) {
        const x = Float64Array.from({ length: 124 }, () => (rng.int(7) - 3) * (t % 2 ? 1 : rng.next())); // small integers → ties
        const expected: number[] = [];
        for (const l of layers) expected.push(...referenceTopk(x, l.offset, l.length, Math.max(1, Math.floor(ratio * l.length))));
        const m = per.compress(x, new Float64Array(124));
        expect(Array.from(m.indices!)).toEqual(expected);
        expect(Array.from((m.values as { data: Float64Array }).data)).toEqual(expected.map((j) => x[j]));
        const g = glob.compress(x, new Float64Array(124));
        expect(Array.from(g.indices!)).toEqual(referenceTopk(x, 0, 124, Math.max(1, Math.floor(ratio * 124))));
      }
    }
  });

  it('matches the reference at large d (d = 50 001, k = 1, 4 999, 25 000, 50 000) with ties at τ', () => {
    const rng = Rng.derive(31);
    const d = 50_001;
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) x[j] = Math.round(rng.normal() * 50) / 10; // many exact duplicates
    for (const k of [1, 4999, 25_000, 50_000]) {
      const c = compressorFactory({ kind: 'topk', k })(flatLayers(d), rng);
      const m = c.compress(x, new Float64Array(d));
      expect(Array.from(m.indices!)).toEqual(referenceTopk(x, 0, d, k));
    }
  });

  it('messages from the slabs stay unchanged over many later calls (36 kept, more than one slab)', () => {
    const rng = Rng.derive(32);
    const c = compressorFactory({ kind: 'topk', ratio: 0.25 })(flatLayers(13), rng);
    const kept: { msg: ReturnType<typeof c.compress>; idx: number[]; vals: number[] }[] = [];
    for (let t = 0; t < 36; t++) {
      const msg = c.compress(randomVector(rng, 13), new Float64Array(13));
      if (msg.values.kind !== 'float') throw new Error('float values expected');
      kept.push({ msg, idx: Array.from(msg.indices!), vals: Array.from(msg.values.data) });
    }
    for (const { msg, idx, vals } of kept) {
      expect(Array.from(msg.indices!)).toEqual(idx);
      expect(msg.values.kind === 'float' ? Array.from(msg.values.data) : null).toEqual(vals);
    }
  });

  it('‖v_t − Q(v)_t‖² ≤ (1 − k_t/d_t)‖v_t‖² per tensor (spec §9.2); α² = 1 − min_t k_t/d_t', () => {
    const sizes = [10, 7, 20];
    const layers = layersOf(sizes);
    const c = compressorFactory({ kind: 'topk', ratio: 0.3 })(layers, Rng.derive(1));
    // k = 3, 2, 6 → k/d = 0.3, 2/7, 0.3 → α² = 1 − 2/7
    expect(c.info.alpha2).toBeCloseTo(1 - 2 / 7, 15);
    expect(c.info).toMatchObject({ unbiased: false, omega: null, random: false, name: 'topk(ratio=0.3,scope=layer)' });
    const rng = Rng.derive(4);
    for (let t = 0; t < 200; t++) {
      const x = randomVector(rng, 37);
      const d = new Float64Array(37);
      c.compress(x, d);
      for (const l of layers) {
        const k = Math.max(1, Math.floor(0.3 * l.length));
        const xs = x.subarray(l.offset, l.offset + l.length);
        const ds = d.subarray(l.offset, l.offset + l.length);
        expect(distSq(xs, ds)).toBeLessThanOrEqual((1 - k / l.length) * sumSq(xs) * (1 + 1e-12));
      }
    }
    // Top30 on one tensor: α² = 0.7 (paper-spec §4)
    expect(compressorFactory({ kind: 'topk', ratio: 0.3 })(flatLayers(1000), Rng.derive(1)).info.alpha2).toBeCloseTo(0.7, 15);
  });

  it('the bound is tight for equal magnitudes', () => {
    const c = compressorFactory({ kind: 'topk', ratio: 0.25 })(flatLayers(8), Rng.derive(1));
    const x = Float64Array.from([1, -1, 1, -1, 1, -1, 1, -1]);
    const d = new Float64Array(8);
    c.compress(x, d);
    expect(distSq(x, d)).toBe(0.75 * sumSq(x));
  });

  it('NaN coordinates are selected first (they propagate rather than vanish)', () => {
    const c = compressorFactory({ kind: 'topk', k: 1 })(flatLayers(4), Rng.derive(1));
    const m = c.compress(Float64Array.from([5, Number.NaN, 1, 2]), new Float64Array(4));
    expect(Array.from(m.indices!)).toEqual([1]);
  });

  it('f16 values are rounded on the wire and α² includes u² = 2^-22', () => {
    const c = compressorFactory({ kind: 'topk', k: 1, precision: 'f16' })(flatLayers(2), Rng.derive(1));
    expect(c.info.alpha2).toBe(1 - 0.5 * (1 - 2 ** -22));
    const d = new Float64Array(2);
    c.compress(Float64Array.from([0.1, 0.05]), d);
    expect(d[0]).toBe(0.0999755859375); // nearest binary16 to 0.1
    expect(d[1]).toBe(0);
  });
});

describe('k-th largest: heap (small k) and quickselect agree', () => {
  it('on random arrays with many duplicates, odd sizes, every k, NaN as +∞ and ±0', async () => {
    const { kthLargest, kthLargestByHeap, magnitude } = await import('../../node/compress/select.ts');
    const rng = Rng.derive(41);
    for (const n of [1, 2, 3, 5, 8, 13, 31, 64, 124, 257]) {
      for (let trial = 0; trial < 5; trial++) {
        const a = Float64Array.from({ length: n }, () =>
          magnitude(trial === 4 && rng.next() < 0.1 ? NaN : Math.round(rng.normal() * 3) / 2),
        );
        for (let k = 1; k <= n; k++) {
          const sorted = Array.from(a).sort((u, v) => v - u);
          const heap = new Float64Array(n);
          expect(kthLargestByHeap(a, n, k, heap)).toBe(sorted[k - 1]);
          expect(kthLargest(Float64Array.from(a), n, k)).toBe(sorted[k - 1]);
        }
      }
    }
  });
});

describe('selectTopk (one-pass heap: magnitudes written during the heap, count above τ over the heap)', () => {
  it('equals a sort-based reference on both paths: offsets, duplicates at τ, NaN, ±0, every k', async () => {
    const { selectTopk, magnitude } = await import('../../node/compress/select.ts');
    const rng = Rng.fromSeed(77);
    for (const d of [1, 4, 7, 33, 124, 129, 200]) {
      const off = 5;
      const x = new Float64Array(d + 2 * off);
      for (let j = 0; j < x.length; j++) {
        const u = rng.next();
        x[j] = u < 0.05 ? NaN : u < 0.1 ? -0 : u < 0.5 ? Math.round(rng.normal() * 3) : rng.normal();
      }
      const mag = new Float64Array(d),
        inOrder = new Float64Array(d);
      for (let k = 1; k <= d; k++) {
        // reference: sort (|x|, index) by magnitude descending, ties to the lower index; take k; ascending
        const order = Array.from({ length: d }, (_, j) => j).sort((a, b) => magnitude(x[off + b]) - magnitude(x[off + a]) || a - b);
        const want = order
          .slice(0, k)
          .sort((a, b) => a - b)
          .map((j) => off + j);
        const out = new Uint32Array(k + 3);
        selectTopk(x, off, d, k, out, 2, mag, inOrder);
        expect(Array.from(out.subarray(2, 2 + k))).toEqual(want);
      }
    }
  });
});

describe('radix select (d ≥ RADIX_MIN_N): the exact k-th largest, so the same selection as the quickselect', () => {
  // Distributions that stress the 16-bit bucket: everything in one bucket, every binade from
  // subnormals to +∞, exact zeros, and ties at τ.
  const distributions: Record<string, (rng: Rng) => number> = {
    normal: (rng) => Math.abs(rng.normal()),
    'one bucket': (rng) => 1 + rng.next() * 2 ** -6,
    'every binade': (rng) => (rng.next() < 0.02 ? Infinity : rng.next() < 0.05 ? 0 : 2 ** (Math.floor(rng.next() * 2098) - 1074)),
    ties: (rng) => Math.round(rng.next() * 7) / 4,
    'all equal': () => 0.5,
  };
  it('kthLargestRadix equals the sorted reference at every distribution, n around the threshold, offset views', async () => {
    const { kthLargestRadix, RADIX_MIN_N } = await import('../../node/compress/select.ts');
    const rng = Rng.fromSeed(2026);
    for (const [name, draw] of Object.entries(distributions)) {
      for (const n of [RADIX_MIN_N - 1, RADIX_MIN_N, RADIX_MIN_N + 3, 48_000]) {
        // a view 3 doubles into a larger buffer: the bit view must follow byteOffset
        const buffer = new Float64Array(n + 6);
        const a = buffer.subarray(3, 3 + n);
        for (let i = 0; i < n; i++) a[i] = draw(rng);
        buffer[0] = buffer[n + 5] = Infinity; // outside the view: must never count
        const before = Float64Array.from(a);
        const sorted = Float64Array.from(a).sort().reverse();
        for (const k of [1, 2, Math.floor(0.3 * n), n >> 1, n - 1, n]) {
          expect(kthLargestRadix(a, n, k), `${name} n=${n} k=${k}`).toBe(sorted[k - 1]);
        }
        expect(a).toEqual(before); // not reordered
      }
    }
  });
  it('selectTopk on the radix path equals the sort-based reference and writes nothing past its k slots', async () => {
    const { selectTopk, magnitude, RADIX_MIN_N } = await import('../../node/compress/select.ts');
    const rng = Rng.fromSeed(9);
    const d = RADIX_MIN_N + 17,
      off = 11;
    for (const [name, draw] of Object.entries(distributions)) {
      const x = new Float64Array(d + 2 * off);
      for (let j = 0; j < x.length; j++) x[j] = (rng.next() < 0.5 ? -1 : 1) * draw(rng);
      if (name === 'normal') for (let j = 0; j < x.length; j += 97) x[j] = NaN;
      const order = Array.from({ length: d }, (_, j) => j).sort((a, b) => magnitude(x[off + b]) - magnitude(x[off + a]) || a - b);
      const mag = new Float64Array(d),
        inOrder = new Float64Array(d);
      for (const k of [1, 33, Math.floor(0.3 * d), d - 1, d]) {
        const want = order
          .slice(0, k)
          .sort((a, b) => a - b)
          .map((j) => off + j);
        const out = new Uint32Array(k + 5).fill(0xdeadbeef);
        selectTopk(x, off, d, k, out, 2, mag, inOrder);
        expect(Array.from(out.subarray(2, 2 + k)), `${name} k=${k}`).toEqual(want);
        expect(Array.from(out.subarray(0, 2))).toEqual([0xdeadbeef, 0xdeadbeef]);
        expect(Array.from(out.subarray(2 + k))).toEqual([0xdeadbeef, 0xdeadbeef, 0xdeadbeef]);
      }
    }
  });
});
