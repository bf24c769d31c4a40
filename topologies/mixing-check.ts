/**
 * Validation of a mixing matrix against paper-spec §1.3 A3, to tolerance 1e-12: nonnegative,
 * W_ij > 0 exactly on the graph's edges (zero off the graph), symmetric, rows summing to 1 (with
 * symmetry: doubly stochastic). Violations throw PROXMESH_ERR_MIXING naming the entry (i, j, value);
 * nothing is renormalised or symmetrised silently.
 */
import type { Graph, Mixing } from './types.ts';
import { edgePosition } from './graph.ts';
import { mixingError } from './errors.ts';

export const MIXING_TOL = 1e-12;

export function validateMixing(m: Mixing, tol = MIXING_TOL): void {
  const g = m.graph;
  const n = g.n;
  if (m.selfWeight.length !== n || m.weights.length !== g.indices.length) {
    throw mixingError(
      `mixing ${m.name}: ${m.selfWeight.length} self weights and ${m.weights.length} edge weights do not match graph ${g.name} (n=${n}, ${g.indices.length} CSR entries)`,
    );
  }
  for (let i = 0; i < n; i++) {
    const wii = m.selfWeight[i];
    if (!Number.isFinite(wii) || wii < 0) throw entryError(m, i, i, wii, 'must be finite and ≥ 0');
    let s = wii;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      const w = m.weights[p];
      if (!Number.isFinite(w) || w < 0) throw entryError(m, i, j, w, 'must be finite and ≥ 0');
      if (w === 0)
        throw entryError(m, i, j, w, `is zero on an edge of ${g.name}; W's zero pattern must match the graph (remove the edge instead)`);
      const q = edgePosition(g, j, i);
      const wji = q >= 0 ? m.weights[q] : 0;
      if (Math.abs(w - wji) > tol)
        throw mixingError(`mixing ${m.name}: not symmetric: W[${i}][${j}] = ${w} but W[${j}][${i}] = ${wji}`, {
          i,
          j,
          value: w,
          transposed: wji,
        });
      s += w;
    }
    if (Math.abs(s - 1) > tol) {
      throw mixingError(
        `mixing ${m.name}: row ${i} sums to ${s}, not 1 (|Σ_j W[${i}][j] − 1| = ${Math.abs(s - 1)} > ${tol}); W must be doubly stochastic`,
        { i, sum: s },
      );
    }
  }
}

/**
 * Mixing from a dense n×n W (rows) on a given graph; validated (see validateMixing) before return.
 * Entries off the graph (i ≠ j, no edge) must be exactly 0.
 */
export function mixingFromDense(graph: Graph, W: readonly ArrayLike<number>[], name = 'dense', tol = MIXING_TOL): Mixing {
  const n = graph.n;
  if (W.length !== n) throw mixingError(`mixing ${name}: W has ${W.length} rows but graph ${graph.name} has n = ${n} nodes`);
  for (let i = 0; i < n; i++) {
    if (W[i].length !== n) throw mixingError(`mixing ${name}: row ${i} of W has ${W[i].length} entries, expected ${n}`, { i });
  }
  const selfWeight = new Float64Array(n);
  const weights = new Float64Array(graph.indices.length);
  for (let i = 0; i < n; i++) {
    let p = graph.indptr[i];
    const end = graph.indptr[i + 1];
    for (let j = 0; j < n; j++) {
      const w = W[i][j];
      if (j === i) {
        selfWeight[i] = w;
      } else if (p < end && graph.indices[p] === j) {
        weights[p++] = w;
      } else if (w !== 0) {
        throw mixingError(`mixing ${name}: entry W[${i}][${j}] = ${w} is nonzero but (${i}, ${j}) is not an edge of ${graph.name}`, {
          i,
          j,
          value: w,
        });
      }
    }
  }
  const m: Mixing = { graph, selfWeight, weights, name };
  validateMixing(m, tol);
  return m;
}

function entryError(m: Mixing, i: number, j: number, value: number, what: string): Error {
  return mixingError(`mixing ${m.name}: entry W[${i}][${j}] = ${value} ${what}`, { i, j, value });
}
