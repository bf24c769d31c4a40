/**
 * Spectral summary of a mixing matrix (paper-spec §1.3 A3): ρ = ‖W − J‖₂ with J = 11ᵀ/n, the
 * consensus contraction factor, and the spectral gap 1 − ρ. Since W is symmetric with W1 = 1, W and
 * J commute and eig(W − J) = eig(W) with the eigenvalue 1 of the eigenvector 1 replaced by 0; ρ is
 * max|λ(W − J)| = max(|λ₂|, |λ_min|) over 1⊥ (robust even when λ₂(W) = 1, a disconnected W).
 *
 * Three methods, cheapest first (docs/performance.md):
 *   closed-form  W = I − wL with one constant weight w on a lattice family (spectral-closed.ts):
 *                the whole spectrum in O(n log n), exact to rounding;
 *   dense        n ≤ DENSE_MAX: the O(n³) symmetric eigen-solver on the dense W − J (eigen.ts);
 *   lanczos      otherwise: λ₂ and λ_min from the sparse Lanczos iteration (lanczos.ts), with a
 *                residual bound; the full spectrum is not computed (eigenvalues = null).
 */
import type { Mixing } from './types.ts';
import { symmetricEigenvalues } from './eigen.ts';
import { lanczosExtremes } from './lanczos.ts';
import { closedFormEigenvalues, type LatticeShape } from './spectral-closed.ts';
import { topologyError } from './errors.ts';

/** Largest n for which the dense O(n³) solver runs (about 0.1 s at 512). */
export const DENSE_MAX = 512;

export type SpectralMethod = 'closed-form' | 'dense' | 'lanczos';

export interface SpectralInfo {
  /** Eigenvalues of W, descending (λ₁ = 1 ≥ λ₂ ≥ … ≥ λ_n ≥ −1); null when only the extremes were computed. */
  readonly eigenvalues: Float64Array | null;
  /** ρ = ‖W − J‖₂ = max over the non-leading eigenvalues of |λ_i|. */
  readonly rho: number;
  /** 1 − ρ. */
  readonly spectralGap: number;
  /** Second-largest eigenvalue of W; null for n = 1. */
  readonly lambda2: number | null;
  /** Smallest eigenvalue of W. */
  readonly lambdaMin: number;
  /** How the figures were computed. */
  readonly method: SpectralMethod;
  /** Bound on the absolute error of ρ, λ₂ and λ_min beyond rounding (lanczos' residual bound; 0 otherwise). */
  readonly errorBound: number;
}

export interface SpectralOptions {
  /** The lattice family the graph was generated as, for the closed forms. */
  readonly shape?: LatticeShape;
  /** Force a method (tests, comparisons); default: closed form if it applies, else dense up to DENSE_MAX, else lanczos. */
  readonly method?: SpectralMethod;
}

/** Dense W − J, row-major n×n. */
export function denseWMinusJ(m: Mixing): Float64Array {
  const g = m.graph;
  const n = g.n;
  const a = new Float64Array(n * n).fill(-1 / n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] += m.selfWeight[i];
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) a[i * n + g.indices[p]] += m.weights[p];
  }
  return a;
}

/** The figures from the full spectrum of W (descending, λ₁ = 1 first). */
function fromSpectrum(eigenvalues: Float64Array, method: SpectralMethod): SpectralInfo {
  const n = eigenvalues.length;
  let rho = 0;
  for (let i = 1; i < n; i++) rho = Math.max(rho, Math.abs(eigenvalues[i]));
  return {
    eigenvalues,
    rho,
    spectralGap: 1 - rho,
    lambda2: n >= 2 ? eigenvalues[1] : null,
    lambdaMin: eigenvalues[n - 1],
    method,
    errorBound: 0,
  };
}

function denseInfo(m: Mixing): SpectralInfo {
  const n = m.graph.n;
  const mu = symmetricEigenvalues(denseWMinusJ(m), n); // ascending
  let rho = 0;
  let zero = 0;
  for (let i = 0; i < n; i++) {
    rho = Math.max(rho, Math.abs(mu[i]));
    if (Math.abs(mu[i]) < Math.abs(mu[zero])) zero = i;
  }
  // eig(W): the eigenvalue 0 belonging to 1 (the one nearest 0; any choice among near-zeros differs
  // from the exact multiset only by their spread) becomes 1.
  const eigenvalues = Float64Array.from(mu);
  eigenvalues[zero] = 1;
  eigenvalues.sort().reverse();
  return {
    eigenvalues,
    rho,
    spectralGap: 1 - rho,
    lambda2: n >= 2 ? eigenvalues[1] : null,
    lambdaMin: eigenvalues[n - 1],
    method: 'dense',
    errorBound: 0,
  };
}

function lanczosInfo(m: Mixing): SpectralInfo {
  if (m.graph.n < 2) return denseInfo(m);
  const r = lanczosExtremes(m);
  const rho = Math.max(Math.abs(r.lambda2), Math.abs(r.lambdaMin));
  return {
    eigenvalues: null,
    rho,
    spectralGap: 1 - rho,
    lambda2: r.lambda2,
    lambdaMin: r.lambdaMin,
    method: 'lanczos',
    errorBound: Math.max(r.bound2, r.boundMin),
  };
}

export function spectralInfo(m: Mixing, opts: SpectralOptions = {}): SpectralInfo {
  const method = opts.method;
  if (method === 'dense') return denseInfo(m);
  if (method === 'lanczos') return lanczosInfo(m);
  if (opts.shape !== undefined) {
    const lam = closedFormEigenvalues(m, opts.shape);
    if (lam !== null) return fromSpectrum(lam, 'closed-form');
  }
  if (method === 'closed-form') throw topologyError(`spectralInfo: no closed form for ${m.graph.name} with ${m.name} weights`, { method });
  return m.graph.n <= DENSE_MAX ? denseInfo(m) : lanczosInfo(m);
}
