/**
 * Prox operators: closed forms, η·λ threshold exactness (spec §9.1), nonexpansiveness, aliasing,
 * n = 0, and one of two optimality checks per operator:
 *  - Moreau identity v = prox_{ηr}(v) + η·prox_{(1/η)·r*}(v/η) with the conjugate prox in closed form:
 *    none (r* = ι_{0}), l1 (r* = ι{‖y‖∞ ≤ λ} → clip), l2sq (r* = ‖y‖²/(2λ) → w·λη/(1+λη)),
 *    elasticnet (r* = Σ soft(y, l1)²/(2 l2)), grouplasso (r* = ι{‖y_g‖ ≤ λw_g} → ball projections);
 *  - subgradient optimality (v − p)/η ∈ ∂r(p) for box and nonneg (the conjugate of a box indicator
 *    is the support function, whose prox is computed through the identity itself — circular), and
 *    additionally for l1 and grouplasso.
 */
import { describe, expect, it } from 'vitest';
import { proxFromSpec, REGULARIZER_KINDS } from '../../node/prox/registry.ts';
import type { RegularizerSpec } from '../../node/prox/spec.ts';
import type { Prox } from '../../node/prox/types.ts';
import { Rng } from '../../node/linalg/rng.ts';
import type { LayerMap } from '../../node/linalg/layers.ts';

function layersOf(sizes: number[]): LayerMap {
  let off = 0;
  return sizes.map((n, t) => {
    const l = { name: `L${t}`, offset: off, length: n, shape: [n] };
    off += n;
    return l;
  });
}
const LAYERS = layersOf([4, 1, 7, 3]); // dim 15
const DIM = 15;
const rand = (rng: Rng, n: number, s = 1) => Float64Array.from({ length: n }, () => s * rng.normal());
const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
const sub = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a as ArrayLike<number>, (v, i) => v - b[i]);
const make = (spec: RegularizerSpec, layers: LayerMap = LAYERS): Prox => proxFromSpec(spec)(layers);
const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

const SPECS: RegularizerSpec[] = [
  { kind: 'none' },
  { kind: 'l1', lambda: 0.3 },
  { kind: 'l2sq', lambda: 2 },
  { kind: 'elasticnet', l1: 0.2, l2: 0.5 },
  { kind: 'box', lower: -0.5, upper: 1 },
  { kind: 'nonneg' },
  { kind: 'grouplasso', lambda: 0.4, weights: 'sqrt-size' },
  { kind: 'grouplasso', lambda: 0.4, weights: 'unit' },
];

/** Conjugate prox prox_{(1/η)·r*}(w), closed forms (see file comment). null = no closed form used. */
function conjProx(spec: RegularizerSpec, w: Float64Array, eta: number): Float64Array | null {
  switch (spec.kind) {
    case 'none':
      return new Float64Array(w.length);
    case 'l1':
      return w.map((v) => clip(v, -spec.lambda, spec.lambda));
    case 'l2sq':
      return w.map((v) => (v * spec.lambda * eta) / (1 + spec.lambda * eta));
    case 'elasticnet': {
      const { l1, l2 } = spec; // argmin_y soft(y,l1)²/(2 l2 η) + (y − w)²/2
      return w.map((v) => (Math.abs(v) <= l1 ? v : Math.sign(v) * (l1 + ((Math.abs(v) - l1) * l2 * eta) / (1 + l2 * eta))));
    }
    case 'grouplasso': {
      const out = Float64Array.from(w);
      for (const l of LAYERS) {
        const radius = spec.lambda * (spec.weights === 'unit' ? 1 : Math.sqrt(l.length));
        const n = norm(w.subarray(l.offset, l.offset + l.length));
        if (n > radius) for (let j = l.offset; j < l.offset + l.length; j++) out[j] = (w[j] * radius) / n;
      }
      return out;
    }
    default:
      return null;
  }
}

describe.each(SPECS)('prox %j', (spec) => {
  const rng = Rng.derive(21, 0, spec.kind);

  it('nonexpansive: ‖prox(u) − prox(v)‖ ≤ ‖u − v‖ on seeded random pairs', () => {
    const p = make(spec);
    for (let t = 0; t < 200; t++) {
      const eta = 0.05 + rng.next() * 2;
      const u = rand(rng, DIM),
        v = Float64Array.from(u, (a) => a + (t % 2 ? 0.01 : 1) * rng.normal());
      const pu = p.apply(u, eta, new Float64Array(DIM)),
        pv = p.apply(v, eta, new Float64Array(DIM));
      expect(norm(sub(pu, pv))).toBeLessThanOrEqual(norm(sub(u, v)) * (1 + 1e-12));
    }
  });

  it('Moreau identity (where a closed-form conjugate prox is used)', () => {
    for (let t = 0; t < 50; t++) {
      const eta = 0.1 + rng.next();
      const v = rand(rng, DIM);
      const c = conjProx(
        spec,
        v.map((a) => a / eta),
        eta,
      );
      if (c === null) return; // box, nonneg: optimality check below
      const p = make(spec).apply(v, eta, new Float64Array(DIM));
      for (let j = 0; j < DIM; j++) expect(p[j] + eta * c[j]).toBeCloseTo(v[j], 12);
    }
  });

  it('aliasing (out === v) gives the same result as a separate out; n = 0 works', () => {
    const p = make(spec);
    const v = rand(rng, DIM);
    const sep = p.apply(v, 0.7, new Float64Array(DIM));
    const same = Float64Array.from(v);
    expect(p.apply(same, 0.7, same)).toBe(same);
    expect(Array.from(same)).toEqual(Array.from(sep));
    const empty = proxFromSpec(spec)([]);
    expect(empty.apply(new Float64Array(0), 1, new Float64Array(0)).length).toBe(0);
    expect(empty.value(new Float64Array(0))).toBe(0);
  });

  it('prox(v) minimises r(u) + ‖u − v‖²/(2η) against random perturbations', () => {
    const p = make(spec);
    const eta = 0.4;
    const v = rand(rng, DIM);
    const x = p.apply(v, eta, new Float64Array(DIM));
    const obj = (u: Float64Array) => p.value(u) + norm(sub(u, v)) ** 2 / (2 * eta);
    const best = obj(x);
    expect(Number.isFinite(best)).toBe(true);
    for (let t = 0; t < 200; t++) {
      const u = Float64Array.from(x, (a) => a + 0.05 * rng.normal());
      expect(obj(u)).toBeGreaterThanOrEqual(best - 1e-12);
    }
  });
});

describe('closed forms and thresholds', () => {
  it('l1: soft threshold at exactly ηλ (paper-spec §9.1)', () => {
    const p = make({ kind: 'l1', lambda: 0.5 });
    const eta = 0.25; // ηλ = 0.125 exactly
    const v = Float64Array.of(0.125, -0.125, 0.12500000000000003, -0.5, 3, 0);
    const out = p.apply(v, eta, new Float64Array(6));
    expect(Array.from(out)).toEqual([0, 0, 0.12500000000000003 - 0.125, -0.375, 2.875, 0]);
    expect(Object.is(out[1], -0)).toBe(false); // exact zeros, not −0
    expect(p.value(Float64Array.of(1, -2))).toBe(1.5);
    expect(p.name).toBe('l1(lambda=0.5)');
  });
  it('l1 optimality: (v − p)/η ∈ λ∂‖p‖₁', () => {
    const lambda = 0.3,
      eta = 0.7;
    const rng = Rng.derive(3);
    const v = rand(rng, 200);
    const p = make({ kind: 'l1', lambda }).apply(v, eta, new Float64Array(200));
    for (let j = 0; j < 200; j++) {
      const g = (v[j] - p[j]) / eta;
      if (p[j] === 0) expect(Math.abs(g)).toBeLessThanOrEqual(lambda + 1e-15);
      else expect(g).toBeCloseTo(lambda * Math.sign(p[j]), 12);
    }
  });
  it('l2sq: v/(1+ηλ); r = (λ/2)‖x‖²', () => {
    const p = make({ kind: 'l2sq', lambda: 3 });
    expect(Array.from(p.apply(Float64Array.of(2, -4), 1 / 3, new Float64Array(2)))).toEqual([1, -2]);
    expect(p.value(Float64Array.of(1, 2))).toBe(7.5);
  });
  it('elasticnet: soft(v, η·l1)/(1 + η·l2); r = l1‖x‖₁ + (l2/2)‖x‖²', () => {
    const p = make({ kind: 'elasticnet', l1: 1, l2: 2 });
    const out = p.apply(Float64Array.of(3, -0.4, -1.5), 0.5, new Float64Array(3));
    expect(Array.from(out)).toEqual([1.25, 0, -0.5]);
    expect(p.value(Float64Array.of(1, -2))).toBe(3 + 5);
  });
  it('box / nonneg: clipping; value 0 inside, +∞ outside (and for NaN)', () => {
    const b = make({ kind: 'box', lower: -1, upper: 2 });
    expect(Array.from(b.apply(Float64Array.of(-3, 0.5, 7), 9, new Float64Array(3)))).toEqual([-1, 0.5, 2]);
    expect(b.value(Float64Array.of(-1, 2, 0))).toBe(0);
    expect(b.value(Float64Array.of(2.0000001))).toBe(Infinity);
    expect(b.value(Float64Array.of(Number.NaN))).toBe(Infinity);
    const n = make({ kind: 'nonneg' });
    expect(Array.from(n.apply(Float64Array.of(-3, 0.5), 1, new Float64Array(2)))).toEqual([0, 0.5]);
    expect(n.value(Float64Array.of(-1e-300))).toBe(Infinity);
  });
  it('box: null bounds (the JSON form of ∓∞) clip one side only, exactly like ±Infinity', () => {
    const v = Float64Array.of(-1e300, -2, 0.25, 3, 1e300);
    const lowerOpen = make({ kind: 'box', lower: null, upper: 0.5 }).apply(v, 1, new Float64Array(5));
    expect(Array.from(lowerOpen)).toEqual([-1e300, -2, 0.25, 0.5, 0.5]);
    expect(Array.from(lowerOpen)).toEqual(Array.from(make({ kind: 'box', lower: -Infinity, upper: 0.5 }).apply(v, 1, new Float64Array(5))));
    const upperOpen = make({ kind: 'box', lower: -1, upper: null });
    expect(Array.from(upperOpen.apply(v, 1, new Float64Array(5)))).toEqual([-1, -1, 0.25, 3, 1e300]);
    expect(upperOpen.value(Float64Array.of(-1, 1e308))).toBe(0);
    expect(make({ kind: 'box', lower: null, upper: null }).value(Float64Array.of(-1e308, 1e308))).toBe(0);
  });
  it('box / nonneg optimality: (v − p)/η ∈ N_box(p) (0 inside, ≤ 0 at lower, ≥ 0 at upper)', () => {
    const rng = Rng.derive(4);
    for (const [lo, hi] of [
      [-0.5, 1],
      [0, Infinity],
      [0.3, 0.3],
    ] as const) {
      const spec: RegularizerSpec = hi === Infinity ? { kind: 'nonneg' } : { kind: 'box', lower: lo, upper: hi };
      const v = rand(rng, 100);
      const p = make(spec).apply(v, 0.6, new Float64Array(100));
      for (let j = 0; j < 100; j++) {
        const g = (v[j] - p[j]) / 0.6;
        expect(p[j] >= lo && p[j] <= hi).toBe(true);
        if (p[j] > lo && p[j] < hi) expect(g).toBe(0);
        else if (p[j] === lo && p[j] !== hi) expect(g).toBeLessThanOrEqual(0);
        else if (p[j] === hi && p[j] !== lo) expect(g).toBeGreaterThanOrEqual(0);
      }
    }
  });
  it('grouplasso: block soft threshold with w_g = √size; zero groups below ηλw_g; r = λΣ w_g‖x_g‖', () => {
    const layers = layersOf([4, 1]);
    const p = proxFromSpec({ kind: 'grouplasso', lambda: 1, weights: 'sqrt-size' })(layers);
    // group 0: v = (3,4,0,0), ‖v‖ = 5, τ = ηλ√4 = 2·η; η = 1 → scale 1 − 2/5 = 0.6. group 1: |1| ≤ τ = 1 → 0.
    const out = p.apply(Float64Array.of(3, 4, 0, 0, 1), 1, new Float64Array(5));
    expect(Array.from(out)).toEqual([3 * 0.6, 4 * 0.6, 0, 0, 0]);
    expect(p.value(Float64Array.of(3, 4, 0, 0, -2))).toBe(2 * 5 + 2);
    const u = proxFromSpec({ kind: 'grouplasso', lambda: 1, weights: 'unit' })(layers);
    expect(u.value(Float64Array.of(3, 4, 0, 0, -2))).toBe(7);
    // coordinates outside every layer pass through unregularized
    const short = proxFromSpec({ kind: 'grouplasso', lambda: 10, weights: 'unit' })(layersOf([2]));
    expect(Array.from(short.apply(Float64Array.of(1, 1, 5), 1, new Float64Array(3)))).toEqual([0, 0, 5]);
  });
  it('grouplasso optimality: (v − p)/η = λw_g p_g/‖p_g‖ if p_g ≠ 0, else ‖·‖ ≤ λw_g', () => {
    const rng = Rng.derive(5);
    const lambda = 0.4,
      eta = 0.8;
    const v = rand(rng, DIM);
    const p = make({ kind: 'grouplasso', lambda, weights: 'sqrt-size' }).apply(v, eta, new Float64Array(DIM));
    for (const l of LAYERS) {
      const w = Math.sqrt(l.length);
      const pg = p.subarray(l.offset, l.offset + l.length);
      const g = sub(v.subarray(l.offset, l.offset + l.length), pg).map((a) => a / eta);
      const n = norm(pg);
      if (n === 0) expect(norm(g)).toBeLessThanOrEqual(lambda * w + 1e-12);
      else for (let j = 0; j < pg.length; j++) expect(g[j]).toBeCloseTo((lambda * w * pg[j]) / n, 12);
    }
  });
});

describe('proxFromSpec validation (PROXMESH_ERR_PROX naming the field)', () => {
  const BAD: Array<[unknown, string]> = [
    [{ kind: 'l1', lambda: -1 }, 'regularizer.lambda'],
    [{ kind: 'l1', lambda: Number.NaN }, 'regularizer.lambda'],
    [{ kind: 'l1' }, 'regularizer.lambda'],
    [{ kind: 'l2sq', lambda: Infinity }, 'regularizer.lambda'],
    [{ kind: 'elasticnet', l1: 0.1, l2: -2 }, 'regularizer.l2'],
    [{ kind: 'elasticnet', l1: Number.NaN, l2: 1 }, 'regularizer.l1'],
    [{ kind: 'box', lower: 2, upper: 1 }, 'regularizer.lower'],
    [{ kind: 'box', lower: Number.NaN, upper: 1 }, 'regularizer.lower'],
    [{ kind: 'box', lower: 0, upper: Number.NaN }, 'regularizer.upper'],
    [{ kind: 'box', lower: Infinity, upper: Infinity }, 'regularizer.lower'],
    [{ kind: 'grouplasso', lambda: -0.1 }, 'regularizer.lambda'],
    [{ kind: 'grouplasso', lambda: 0.1, weights: 'size' }, 'regularizer.weights'],
    [{ kind: 'l1', lambda: 0.1, foo: 1 }, 'regularizer.foo'],
    [{ kind: 'lasso' }, 'regularizer.kind'],
    [null, 'regularizer'],
  ];
  it.each(BAD)('%j', (spec, field) => {
    try {
      proxFromSpec(spec as RegularizerSpec);
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as { code: string }).code).toBe('PROXMESH_ERR_PROX');
      expect((e as Error).message).toContain(field);
    }
  });
  it('η ≤ 0 is rejected at apply time', () => {
    const p = make({ kind: 'l1', lambda: 1 });
    expect(() => p.apply(new Float64Array(2), 0, new Float64Array(2))).toThrow(/η must be finite and > 0/);
    expect(() => p.apply(new Float64Array(2), -1, new Float64Array(2))).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_PROX' }));
  });
  it('every registered kind is covered by this suite', () => {
    expect(new Set(SPECS.map((s) => s.kind))).toEqual(new Set(REGULARIZER_KINDS));
  });
});
