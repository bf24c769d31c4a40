import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { GENERATORS, TOPOLOGY_KINDS, type TopologyKind } from '../../topologies/generators.ts';
import { graphFromEdges } from '../../topologies/graph.ts';
import {
  averagingRow,
  buildMixing,
  lazyMixing,
  maxDegreeMixing,
  metropolisMixing,
  mixingRow,
  mixingToDense,
  uniformMixing,
} from '../../topologies/mixing.ts';
import { mixingFromDense, validateMixing } from '../../topologies/mixing-check.ts';
import type { Graph, Mixing } from '../../topologies/types.ts';
import { expectCode } from './helpers.ts';

const PARAMS: Record<Exclude<TopologyKind, 'edge-list'>, object> = {
  ring: { nodes: 7 },
  path: { nodes: 6 },
  star: { nodes: 6 },
  complete: { nodes: 5 },
  grid: { nodes: 12 },
  torus: { nodes: 12 },
  hypercube: { nodes: 16 },
  exponential: { nodes: 10 },
  'erdos-renyi': { nodes: 20, p: 0.3 },
  regular: { nodes: 14, degree: 3 },
  'small-world': { nodes: 16, k: 4, beta: 0.3 },
};

function graphs(): Graph[] {
  return TOPOLOGY_KINDS.filter((k) => k !== 'edge-list').map((k) =>
    GENERATORS[k]({ nodes: 1, ...(PARAMS as Record<string, object>)[k] }, Rng.derive(3, -1, 'topology')),
  );
}

/** Checks symmetric, nonnegative, row and column sums 1, zero pattern = graph, by dense recomputation. */
function expectDoublyStochastic(m: Mixing): void {
  const W = mixingToDense(m);
  const n = m.graph.n;
  for (let i = 0; i < n; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < n; j++) {
      expect(W[i][j]).toBe(W[j][i]);
      expect(W[i][j]).toBeGreaterThanOrEqual(0);
      row += W[i][j];
      col += W[j][i];
    }
    expect(Math.abs(row - 1)).toBeLessThan(1e-12);
    expect(Math.abs(col - 1)).toBeLessThan(1e-12);
    for (let p = m.graph.indptr[i]; p < m.graph.indptr[i + 1]; p++) expect(W[i][m.graph.indices[p]]).toBeGreaterThan(0);
    const nnz = W[i].filter((w, j) => j !== i && w !== 0).length;
    expect(nnz).toBe(m.graph.indptr[i + 1] - m.graph.indptr[i]);
  }
  expect(() => validateMixing(m)).not.toThrow();
}

describe('mixing rules', () => {
  it('metropolis, max-degree and their lazy forms are symmetric doubly stochastic on every generator', () => {
    for (const g of graphs()) {
      for (const m of [metropolisMixing(g), maxDegreeMixing(g)]) {
        expectDoublyStochastic(m);
        expectDoublyStochastic(lazyMixing(m));
      }
    }
  });

  it('metropolis weights are 1/(1+max(d_i,d_j)): star(5) gives 1/5 on edges, centre 1/5, leaves 4/5', () => {
    const g = GENERATORS.star({ nodes: 5 }, Rng.fromSeed(0));
    const W = mixingToDense(metropolisMixing(g));
    expect(Array.from(W[0])).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(W[3][3]).toBeCloseTo(0.8, 15);
    expect(W[3][0]).toBe(0.2);
    // path(4): degrees 1,2,2,1 → all edges 1/3; W_00 = 2/3, W_11 = 1/3
    const P = mixingToDense(metropolisMixing(GENERATORS.path({ nodes: 4 }, Rng.fromSeed(0))));
    expect(P[0][1]).toBe(1 / 3);
    expect(P[0][0]).toBeCloseTo(2 / 3, 15);
    expect(P[1][1]).toBeCloseTo(1 / 3, 15);
  });

  it('regular graphs: metropolis = max-degree = uniform = 1/(d+1) bit for bit; complete graph gives W = J exactly', () => {
    const r0 = Rng.fromSeed(0);
    for (const g of [GENERATORS.ring({ nodes: 6 }, r0), GENERATORS.complete({ nodes: 7 }, r0), GENERATORS.hypercube({ nodes: 8 }, r0)]) {
      const u = mixingToDense(uniformMixing(g));
      expect(mixingToDense(metropolisMixing(g))).toEqual(u);
      expect(mixingToDense(maxDegreeMixing(g))).toEqual(u);
    }
    const J = mixingToDense(metropolisMixing(GENERATORS.complete({ nodes: 7 }, r0)));
    for (const row of J) expect(Array.from(row)).toEqual(new Array(7).fill(1 / 7));
  });

  it('max-degree: W_ij = 1/(1+d_max), W_ii = 1 − d_i/(1+d_max)', () => {
    const g = GENERATORS.grid({ nodes: 9, rows: 3, cols: 3 }, Rng.fromSeed(0)); // d_max = 4
    const m = maxDegreeMixing(g);
    expect(Array.from(new Set(m.weights))).toEqual([0.2]);
    expect(m.selfWeight[0]).toBeCloseTo(1 - 2 / 5, 15); // corner
    expect(m.selfWeight[1]).toBeCloseTo(1 - 3 / 5, 15); // border
    expect(m.selfWeight[4]).toBeCloseTo(1 - 4 / 5, 15); // centre
    expect(m.name).toBe('max-degree');
  });

  it('uniform on regular graphs is 1/(d+1) everywhere; on irregular graphs it throws suggesting metropolis', () => {
    const m = uniformMixing(GENERATORS.hypercube({ nodes: 8 }, Rng.fromSeed(0)));
    expect(Array.from(new Set(m.weights))).toEqual([0.25]);
    expect(Array.from(new Set(m.selfWeight))).toEqual([0.25]);
    expectDoublyStochastic(m);
    const e = expectCode(
      () => uniformMixing(GENERATORS.star({ nodes: 4 }, Rng.fromSeed(0))),
      'PROXMESH_ERR_MIXING',
      /regular graph.*node 0 has degree 3 and node 1 has degree 1; use weights: metropolis/,
    );
    expect(e.detail).toMatchObject({ node: 1 });
    expectCode(() => uniformMixing(GENERATORS.path({ nodes: 3 }, Rng.fromSeed(0))), 'PROXMESH_ERR_MIXING', /metropolis/);
  });

  it('lazy: (I + W)/2 entrywise', () => {
    const g = GENERATORS.ring({ nodes: 5 }, Rng.fromSeed(0));
    const W = mixingToDense(metropolisMixing(g));
    const L = lazyMixing(metropolisMixing(g));
    expect(L.name).toBe('lazy(metropolis)');
    const D = mixingToDense(L);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(D[i][j]).toBe(((i === j ? 1 : 0) + W[i][j]) / 2);
  });

  it('buildMixing by name; unknown rule → PROXMESH_ERR_TOPOLOGY naming weights', () => {
    const g = GENERATORS.ring({ nodes: 4 }, Rng.fromSeed(0));
    expect(buildMixing(g, { weights: 'metropolis' }).name).toBe('metropolis');
    expect(buildMixing(g, { weights: 'uniform', lazy: true }).name).toBe('lazy(uniform)');
    expectCode(
      () => buildMixing(g, { weights: 'hamilton' }),
      'PROXMESH_ERR_TOPOLOGY',
      /parameter weights must be one of metropolis \| max-degree \| uniform/,
    );
    expectCode(() => buildMixing(g, { weights: 'toString' }), 'PROXMESH_ERR_TOPOLOGY', /weights/);
  });

  it('n = 1: W = [1]', () => {
    const m = metropolisMixing(GENERATORS.ring({ nodes: 1 }, Rng.fromSeed(0)));
    expect(Array.from(m.selfWeight)).toEqual([1]);
    expect(Array.from(mixingRow(m, 0).ids)).toEqual([0]);
  });
});

describe('rows', () => {
  it('mixingRow: ids ascending including self, weights aligned with W', () => {
    const m = metropolisMixing(GENERATORS.ring({ nodes: 5 }, Rng.fromSeed(0)));
    const r0 = mixingRow(m, 0);
    expect(Array.from(r0.ids)).toEqual([0, 1, 4]);
    expect(Array.from(r0.weights)).toEqual([m.selfWeight[0], 1 / 3, 1 / 3]);
    expect(Array.from(mixingRow(m, 2).ids)).toEqual([1, 2, 3]);
    expect(Array.from(mixingRow(m, 4).ids)).toEqual([0, 3, 4]);
    const W = mixingToDense(m);
    for (let i = 0; i < 5; i++) {
      const r = mixingRow(m, i);
      for (const [q, j] of r.ids.entries()) expect(r.weights[q]).toBe(W[i][j]);
    }
    expectCode(() => mixingRow(m, 5), 'PROXMESH_ERR_TOPOLOGY', /out of range/);
  });

  it('mixingRow omits i when W_ii = 0', () => {
    const g = graphFromEdges({ n: 2, edges: [0, 1], name: 'k2' });
    const m = mixingFromDense(g, [Float64Array.of(0, 1), Float64Array.of(1, 0)]);
    const r = mixingRow(m, 1);
    expect(Array.from(r.ids)).toEqual([0]);
    expect(Array.from(r.weights)).toEqual([1]);
  });

  it('averagingRow: the row of J = 11ᵀ/n', () => {
    const r = averagingRow(4, 2);
    expect(Array.from(r.ids)).toEqual([0, 1, 2, 3]);
    expect(Array.from(r.weights)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(averagingRow(1, 0).weights)).toEqual([1]);
    expectCode(() => averagingRow(3, 3), 'PROXMESH_ERR_TOPOLOGY');
    expectCode(() => averagingRow(0, 0), 'PROXMESH_ERR_TOPOLOGY');
  });
});

describe('validation (PROXMESH_ERR_MIXING, naming the entry)', () => {
  const ring4 = (): Graph => GENERATORS.ring({ nodes: 4 }, Rng.fromSeed(0));
  const good = (): Float64Array[] => [
    Float64Array.of(0.5, 0.25, 0, 0.25),
    Float64Array.of(0.25, 0.5, 0.25, 0),
    Float64Array.of(0, 0.25, 0.5, 0.25),
    Float64Array.of(0.25, 0, 0.25, 0.5),
  ];

  it('accepts a valid dense W and reproduces it', () => {
    const m = mixingFromDense(ring4(), good(), 'mine');
    expect(mixingToDense(m)).toEqual(good());
    expect(m.name).toBe('mine');
  });

  it('asymmetric W', () => {
    const W = good();
    W[0][1] = 0.3;
    W[0][3] = 0.2; // row 0 still sums to 1
    const e = expectCode(
      () => mixingFromDense(ring4(), W),
      'PROXMESH_ERR_MIXING',
      /not symmetric: W\[0\]\[1\] = 0.3 but W\[1\]\[0\] = 0.25/,
    );
    expect(e.detail).toMatchObject({ i: 0, j: 1, value: 0.3 });
  });

  it('negative entries (diagonal and off-diagonal)', () => {
    const W = good();
    W[1][1] = -0.5;
    W[1][0] = 1.25;
    W[0][1] = 1.25;
    W[0][0] = -0.5;
    expectCode(() => mixingFromDense(ring4(), W), 'PROXMESH_ERR_MIXING', /W\[0\]\[0\] = -0.5 must be finite and ≥ 0/);
    const V = good();
    V[0][1] = -0.25;
    V[1][0] = -0.25;
    V[0][0] = 1;
    V[1][1] = 1;
    const e = expectCode(() => mixingFromDense(ring4(), V), 'PROXMESH_ERR_MIXING', /W\[0\]\[1\] = -0.25/);
    expect(e.detail).toMatchObject({ i: 0, j: 1, value: -0.25 });
  });

  it('rows not summing to 1', () => {
    const W = good();
    W[2][2] = 0.6;
    const e = expectCode(() => mixingFromDense(ring4(), W), 'PROXMESH_ERR_MIXING', /row 2 sums to 1.1/);
    expect(e.detail).toMatchObject({ i: 2 });
    // within tolerance passes, just outside fails
    const T = good();
    T[2][2] = 0.5 + 1e-13;
    expect(() => mixingFromDense(ring4(), T)).not.toThrow();
    T[2][2] = 0.5 + 1e-11;
    expectCode(() => mixingFromDense(ring4(), T), 'PROXMESH_ERR_MIXING', /row 2/);
  });

  it('an entry off the graph, or a zero on an edge', () => {
    const W = good();
    W[0][2] = 0.1;
    W[2][0] = 0.1;
    W[0][0] = 0.4;
    W[2][2] = 0.4;
    const e = expectCode(
      () => mixingFromDense(ring4(), W),
      'PROXMESH_ERR_MIXING',
      /W\[0\]\[2\] = 0.1 is nonzero but \(0, 2\) is not an edge/,
    );
    expect(e.detail).toMatchObject({ i: 0, j: 2, value: 0.1 });
    const Z = good();
    Z[0][1] = 0;
    Z[1][0] = 0;
    Z[0][0] = 0.75;
    Z[1][1] = 0.75;
    expectCode(() => mixingFromDense(ring4(), Z), 'PROXMESH_ERR_MIXING', /W\[0\]\[1\] = 0 is zero on an edge/);
  });

  it('wrong shape and non-finite entries', () => {
    expectCode(() => mixingFromDense(ring4(), good().slice(0, 3)), 'PROXMESH_ERR_MIXING', /3 rows/);
    const W = good();
    W[1] = Float64Array.of(0.25, 0.75);
    expectCode(() => mixingFromDense(ring4(), W), 'PROXMESH_ERR_MIXING', /row 1 of W has 2 entries/);
    const N = good();
    N[3][3] = Number.NaN;
    expectCode(() => mixingFromDense(ring4(), N), 'PROXMESH_ERR_MIXING', /W\[3\]\[3\] = NaN/);
  });

  it('validateMixing catches a corrupted Mixing object (asymmetric edge weights, wrong lengths)', () => {
    const m = metropolisMixing(ring4());
    const weights = Float64Array.from(m.weights);
    weights[0] += 0.01; // W[0][1]
    const selfWeight = Float64Array.from(m.selfWeight);
    selfWeight[0] -= 0.01; // row 0 still sums to 1
    expectCode(() => validateMixing({ ...m, weights, selfWeight }), 'PROXMESH_ERR_MIXING', /not symmetric: W\[0\]\[1\]/);
    expectCode(() => validateMixing({ ...m, weights: m.weights.subarray(1) }), 'PROXMESH_ERR_MIXING', /do not match graph/);
  });
});
