/**
 * Closed-form spectra of W for the lattice families, O(n log n) instead of the dense O(n³) solver.
 *
 * When every off-diagonal weight of W equals one constant w (ring, torus, complete and hypercube
 * under every rule, since they are regular; path, grid and star under max-degree; every graph
 * under max-degree), W = I − wL with L the graph Laplacian, so eig(W) = 1 − w·eig(L). The Laplacian
 * spectra are classical (Cartesian products add their factors' spectra):
 *   cycle C_s     μ_a = 2 − 2cos(2πa/s), a = 0..s−1  (s ≥ 3; C_2 is one edge {0, 2}; C_1 is {0})
 *   path P_s      μ_a = 2 − 2cos(πa/s),  a = 0..s−1
 *   torus C_r □ C_c, grid P_r □ P_c: μ_{ab} = μ_a + μ_b
 *   complete K_n  {0, n ×(n−1)};   star S_n {0, 1 ×(n−2), n};   hypercube Q_q {2j ×C(q, j)}
 * The lazy matrix (I + W)/2 has constant weights w/2 and is covered by the same formula.
 */
import type { Mixing } from './types.ts';

/** The family and shape the generator built, as buildTopology knows it. */
export type LatticeShape =
  | { readonly kind: 'ring' | 'path' | 'complete' | 'star' | 'hypercube'; readonly n: number }
  | { readonly kind: 'torus' | 'grid'; readonly rows: number; readonly cols: number };

function cycleLaplacian(s: number): number[] {
  if (s === 1) return [0];
  if (s === 2) return [0, 2];
  return Array.from({ length: s }, (_, a) => 2 - 2 * Math.cos((2 * Math.PI * a) / s));
}

function pathLaplacian(s: number): number[] {
  return Array.from({ length: s }, (_, a) => 2 - 2 * Math.cos((Math.PI * a) / s));
}

function productSum(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return out;
}

/** eig(L) of the shape (unordered). */
export function laplacianSpectrum(shape: LatticeShape): number[] {
  switch (shape.kind) {
    case 'ring':
      return cycleLaplacian(shape.n);
    case 'path':
      return pathLaplacian(shape.n);
    case 'torus':
      return productSum(cycleLaplacian(shape.rows), cycleLaplacian(shape.cols));
    case 'grid':
      return productSum(pathLaplacian(shape.rows), pathLaplacian(shape.cols));
    case 'complete':
      return [0, ...new Array<number>(shape.n - 1).fill(shape.n)];
    case 'star':
      return shape.n === 1 ? [0] : [0, ...new Array<number>(shape.n - 2).fill(1), shape.n];
    case 'hypercube': {
      const q = Math.round(Math.log2(shape.n));
      const out: number[] = [];
      let binom = 1; // C(q, j)
      for (let j = 0; j <= q; j++) {
        for (let t = 0; t < binom; t++) out.push(2 * j);
        binom = (binom * (q - j)) / (j + 1);
      }
      return out;
    }
  }
}

/**
 * The constant off-diagonal weight w of W, or null when the weights differ (then W ≠ I − wL and
 * no closed form applies). A graph without edges has W = I: w = 0.
 */
export function constantWeight(m: Mixing): number | null {
  const w = m.weights;
  if (w.length === 0) return 0;
  const w0 = w[0];
  for (let p = 1; p < w.length; p++) if (w[p] !== w0) return null;
  return w0;
}

/**
 * Eigenvalues of W, descending, from the closed form; null when W's weights are not constant or
 * the shape's node count does not match the graph.
 */
export function closedFormEigenvalues(m: Mixing, shape: LatticeShape): Float64Array | null {
  const w = constantWeight(m);
  if (w === null) return null;
  const mu = laplacianSpectrum(shape);
  if (mu.length !== m.graph.n) return null;
  // trace(L) = Σ_i d_i = number of CSR entries: a cheap guard that the graph is the shape's.
  let trace = 0;
  for (const x of mu) trace += x;
  if (Math.abs(trace - m.graph.indices.length) > 1e-6 * (1 + trace)) return null;
  const lam = Float64Array.from(mu, (x) => 1 - w * x);
  return lam.sort().reverse();
}
