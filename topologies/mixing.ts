/**
 * Mixing rules W for a graph (paper-spec §1.3 A3: W symmetric, doubly stochastic, W_ij > 0 only on
 * edges and the diagonal, ρ = ‖W − J‖₂ < 1). Off-diagonal weights come from a symmetric edge rule;
 * each diagonal W_ii is written in a form that equals 1 − Σ_j W_ij in exact arithmetic but is
 * itself exact for the symmetric cases (ring → 1/3, complete → 1/n, so W = J bit for bit there);
 * rows then sum to 1 within a few ulps (validated to 1e-12).
 */
import type { Graph, Mixing, MixingRow } from './types.ts';
import { degrees } from './graph.ts';
import { mixingError, topologyError } from './errors.ts';

export const MIXING_RULES = ['metropolis', 'max-degree', 'uniform'] as const;
export type MixingRule = (typeof MIXING_RULES)[number];

/** Builds W from a symmetric edge rule w(i, j) = w(j, i) and a diagonal rule. */
function fromRules(g: Graph, name: string, w: (i: number, j: number) => number, self: (i: number, row: Float64Array) => number): Mixing {
  const weights = new Float64Array(g.indices.length);
  const selfWeight = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) weights[p] = w(i, g.indices[p]);
    selfWeight[i] = self(i, weights.subarray(g.indptr[i], g.indptr[i + 1]));
  }
  return { graph: g, selfWeight, weights, name };
}

/**
 * Metropolis–Hastings: W_ij = 1 / (1 + max(d_i, d_j)). Works on every graph. The diagonal is
 * W_ii = 1/(1+d_i) + Σ_j (1/(1+d_i) − W_ij) (= 1 − Σ_j W_ij since (1+d_i)·1/(1+d_i) = 1), a sum of
 * nonnegative terms, so W_ii ≥ 1/(1+d_i) > 0, exactly 1/(1+d) on regular graphs.
 */
export function metropolisMixing(g: Graph): Mixing {
  const d = degrees(g);
  return fromRules(
    g,
    'metropolis',
    (i, j) => 1 / (1 + Math.max(d[i], d[j])),
    (i, row) => {
      const base = 1 / (1 + d[i]);
      let extra = 0;
      for (let q = 0; q < row.length; q++) extra += base - row[q];
      return base + extra;
    },
  );
}

/** Max-degree: W_ij = 1 / (1 + d_max), W_ii = (1 + d_max − d_i)/(1 + d_max); W = I − L/(1 + d_max). */
export function maxDegreeMixing(g: Graph): Mixing {
  const d = degrees(g);
  let dmax = 0;
  for (let i = 0; i < g.n; i++) dmax = Math.max(dmax, d[i]);
  const w = 1 / (1 + dmax);
  return fromRules(
    g,
    'max-degree',
    () => w,
    (i) => (1 + dmax - d[i]) / (1 + dmax),
  );
}

/** Uniform: W_ij = W_ii = 1/(d+1); only defined (doubly stochastic) on d-regular graphs. */
export function uniformMixing(g: Graph): Mixing {
  const d = degrees(g);
  for (let i = 1; i < g.n; i++) {
    if (d[i] !== d[0]) {
      throw mixingError(
        `uniform weights need a regular graph, but in ${g.name} node 0 has degree ${d[0]} and node ${i} has degree ${d[i]}; use weights: metropolis (or max-degree)`,
        { node: i, degree: d[i], degree0: d[0] },
      );
    }
  }
  const w = 1 / (d[0] + 1);
  return fromRules(
    g,
    'uniform',
    () => w,
    () => w,
  );
}

/** Lazy W ← (I + W)/2: eigenvalues λ ↦ (1 + λ)/2, so 1 − λ halves and all eigenvalues become ≥ 0. */
export function lazyMixing(m: Mixing): Mixing {
  const selfWeight = new Float64Array(m.selfWeight.length);
  const weights = new Float64Array(m.weights.length);
  for (let i = 0; i < selfWeight.length; i++) selfWeight[i] = (1 + m.selfWeight[i]) / 2;
  for (let p = 0; p < weights.length; p++) weights[p] = m.weights[p] / 2;
  return { graph: m.graph, selfWeight, weights, name: `lazy(${m.name})` };
}

export const MIXING_BUILDERS: Readonly<Record<MixingRule, (g: Graph) => Mixing>> = {
  metropolis: metropolisMixing,
  'max-degree': maxDegreeMixing,
  uniform: uniformMixing,
};

/** W for a rule name, optionally made lazy. */
export function buildMixing(g: Graph, opts: { weights: string; lazy?: boolean }): Mixing {
  const build = (MIXING_BUILDERS as Record<string, ((g: Graph) => Mixing) | undefined>)[opts.weights];
  if (!Object.hasOwn(MIXING_BUILDERS, opts.weights) || build === undefined) {
    throw topologyError(`topology: parameter weights must be one of ${MIXING_RULES.join(' | ')}, got ${String(opts.weights)}`, {
      param: 'weights',
      got: opts.weights,
    });
  }
  const w = build(g);
  return opts.lazy ? lazyMixing(w) : w;
}

/** Row i of W: ids ascending, including i itself when W_ii > 0, weights aligned. */
export function mixingRow(m: Mixing, i: number): MixingRow {
  const g = m.graph;
  if (!Number.isInteger(i) || i < 0 || i >= g.n) throw topologyError(`mixingRow: node id ${i} out of range [0, ${g.n - 1}]`);
  const start = g.indptr[i];
  const end = g.indptr[i + 1];
  const withSelf = m.selfWeight[i] > 0;
  const len = end - start + (withSelf ? 1 : 0);
  const ids = new Int32Array(len);
  const weights = new Float64Array(len);
  let q = 0;
  let selfDone = !withSelf;
  for (let p = start; p < end; p++) {
    const j = g.indices[p];
    if (!selfDone && i < j) {
      ids[q] = i;
      weights[q++] = m.selfWeight[i];
      selfDone = true;
    }
    ids[q] = j;
    weights[q++] = m.weights[p];
  }
  if (!selfDone) {
    ids[q] = i;
    weights[q] = m.selfWeight[i];
  }
  return { ids, weights };
}

/** Row i of J = 11ᵀ/n: every id 0..n−1 with weight 1/n (exact averaging, used by AllReduce). */
export function averagingRow(n: number, i: number): MixingRow {
  if (!Number.isInteger(n) || n < 1) throw topologyError(`averagingRow: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(i) || i < 0 || i >= n) throw topologyError(`averagingRow: node id ${i} out of range [0, ${n - 1}]`);
  const ids = new Int32Array(n);
  for (let j = 0; j < n; j++) ids[j] = j;
  return { ids, weights: new Float64Array(n).fill(1 / n) };
}

/** W as a dense row-major n×n array (for spectra, reports and tests). */
export function mixingToDense(m: Mixing): Float64Array[] {
  const g = m.graph;
  const rows: Float64Array[] = [];
  for (let i = 0; i < g.n; i++) {
    const r = new Float64Array(g.n);
    r[i] = m.selfWeight[i];
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) r[g.indices[p]] = m.weights[p];
    rows.push(r);
  }
  return rows;
}
