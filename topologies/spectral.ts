/**
 * Spectral summary of a mixing matrix (paper-spec §1.3 A3): ρ = ‖W − J‖₂ with J = 11ᵀ/n, the
 * consensus contraction factor, and the spectral gap 1 − ρ. Since W is symmetric with W1 = 1, W and
 * J commute and eig(W − J) = eig(W) with the eigenvalue 1 of the eigenvector 1 replaced by 0; ρ is
 * computed directly as max|λ(W − J)| (robust even when λ₂(W) = 1, i.e. a disconnected W).
 */
import type { Mixing } from './types.ts';
import { symmetricEigenvalues } from './eigen.ts';

export interface SpectralInfo {
  /** Eigenvalues of W, descending (λ₁ = 1 ≥ λ₂ ≥ … ≥ λ_n ≥ −1). */
  readonly eigenvalues: Float64Array;
  /** ρ = ‖W − J‖₂ = max over the non-leading eigenvalues of |λ_i|. */
  readonly rho: number;
  /** 1 − ρ. */
  readonly spectralGap: number;
  /** Second-largest eigenvalue of W; null for n = 1. */
  readonly lambda2: number | null;
  /** Smallest eigenvalue of W. */
  readonly lambdaMin: number;
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

export function spectralInfo(m: Mixing): SpectralInfo {
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
  };
}
