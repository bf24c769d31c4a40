/**
 * The extreme eigenvalues of W on 1⊥ (λ₂ and λ_min of W, hence ρ = ‖W − J‖₂ = max(|λ₂|, |λ_min|))
 * by the Lanczos iteration on the CSR sparsity of W: O(|E|) per step, O(n + steps) memory, no
 * dense matrix. W is symmetric with W1 = 1, so 1⊥ is invariant and eig(W) = {1} ∪ eig(W|1⊥). The
 * iteration runs on A = W − (1 − c)J, which keeps eig(W|1⊥) and moves the eigenvalue of 1 from 1
 * to c = (trace W − 1)/(n − 1), the mean of eig(W|1⊥), so c ∈ [λ_min, λ₂]: whatever component
 * along 1 rounding lets into the Krylov space sits at an interior eigenvalue and cannot disturb the
 * two extremes (a projection onto 1⊥ would leave the eigenvalue 0 there, which is an extreme for
 * lazy matrices, whose spectrum is ≥ 0).
 *
 * No reorthogonalisation: in floating point the basis loses orthogonality once Ritz values
 * converge, which only duplicates converged values ("ghosts", Paige 1976); the extreme Ritz values
 * still converge to the extreme eigenvalues. Convergence is checked with the residual bound: for
 * a Ritz pair (θ, s) of the j×j tridiagonal T_j, some eigenvalue λ of W on 1⊥ has
 * |λ − θ| ≤ β_j·|s_j| (s normalised, s_j its last entry). The Ritz values are found by Sturm
 * bisection on T_j, s by inverse iteration.
 */
import { ProxmeshError } from '../node/errors.ts';
import { Rng } from '../node/linalg/rng.ts';
import type { Mixing } from './types.ts';

export interface LanczosOptions {
  /** Stop when both residual bounds are ≤ tol (default 1e-12; W's eigenvalues lie in [−1, 1]). */
  readonly tol?: number;
  /** Most Lanczos steps (default 20 000). */
  readonly maxSteps?: number;
  /** Steps between convergence checks (default 25). */
  readonly checkEvery?: number;
}

export interface LanczosExtremes {
  /** Largest eigenvalue of W on 1⊥ (λ₂ of W). */
  readonly lambda2: number;
  /** Smallest eigenvalue of W. */
  readonly lambdaMin: number;
  /** Residual bounds: |λ₂ − lambda2| ≤ bound2, |λ_min − lambdaMin| ≤ boundMin. */
  readonly bound2: number;
  readonly boundMin: number;
  readonly steps: number;
}

/** out ← A v = W v − (1 − c)·mean(v)·1, W from the CSR rows: (Wv)_i = W_ii v_i + Σ_p w_p v_{j_p}. */
function applyA(m: Mixing, c: number, v: Float64Array, out: Float64Array): void {
  const { indptr, indices } = m.graph;
  const w = m.weights;
  const self = m.selfWeight;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  const shift = ((1 - c) * sum) / v.length;
  for (let i = 0; i < v.length; i++) {
    let s = self[i] * v[i];
    for (let p = indptr[i]; p < indptr[i + 1]; p++) s += w[p] * v[indices[p]];
    out[i] = s - shift;
  }
}

/** v ← v − mean(v)·1 (projection onto 1⊥). */
function centre(v: Float64Array): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  for (let i = 0; i < v.length; i++) v[i] -= mean;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Number of eigenvalues of the tridiagonal (a, b) (b[i] couples i and i+1) that are < x (Sturm). */
function countBelow(a: Float64Array, b: Float64Array, j: number, x: number): number {
  let count = 0;
  let q = a[0] - x;
  if (q < 0) count++;
  for (let i = 1; i < j; i++) {
    const qq = q === 0 ? Number.EPSILON * (Math.abs(b[i - 1]) + 1e-300) : q;
    q = a[i] - x - (b[i - 1] * b[i - 1]) / qq;
    if (q < 0) count++;
  }
  return count;
}

/** The r-th smallest (0-based) eigenvalue of the j×j tridiagonal, by bisection on Gershgorin's interval. */
function bisect(a: Float64Array, b: Float64Array, j: number, r: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < j; i++) {
    const rad = (i > 0 ? Math.abs(b[i - 1]) : 0) + (i + 1 < j ? Math.abs(b[i]) : 0);
    lo = Math.min(lo, a[i] - rad);
    hi = Math.max(hi, a[i] + rad);
  }
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (countBelow(a, b, j, mid) > r) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * |last entry| of the unit eigenvector of the tridiagonal for the eigenvalue θ: two steps of inverse
 * iteration, (T − θI)x = x_prev, by Gaussian elimination with partial pivoting (LAPACK dgtsv's
 * scheme), zero pivots replaced by a tiny one.
 */
function lastComponent(a: Float64Array, b: Float64Array, j: number, theta: number): number {
  if (j === 1) return 1;
  const tiny = Number.EPSILON * (Math.abs(theta) + 1);
  let x = new Float64Array(j).fill(1 / Math.sqrt(j));
  const d = new Float64Array(j);
  const dl = new Float64Array(j);
  const du = new Float64Array(j);
  for (let sweep = 0; sweep < 3; sweep++) {
    for (let i = 0; i < j; i++) d[i] = a[i] - theta;
    for (let i = 0; i + 1 < j; i++) {
      dl[i] = b[i];
      du[i] = b[i];
    }
    const rhs = x.slice();
    for (let i = 0; i + 1 < j; i++) {
      if (Math.abs(d[i]) >= Math.abs(dl[i])) {
        if (d[i] === 0) d[i] = tiny;
        const f = dl[i] / d[i];
        d[i + 1] -= f * du[i];
        rhs[i + 1] -= f * rhs[i];
        dl[i] = 0; // second superdiagonal
      } else {
        const f = d[i] / dl[i];
        d[i] = dl[i];
        const t = d[i + 1];
        d[i + 1] = du[i] - f * t;
        if (i + 2 < j) {
          dl[i] = du[i + 1];
          du[i + 1] = -f * dl[i];
        } else dl[i] = 0;
        du[i] = t;
        const r = rhs[i];
        rhs[i] = rhs[i + 1];
        rhs[i + 1] = r - f * rhs[i + 1];
      }
    }
    if (d[j - 1] === 0) d[j - 1] = tiny;
    rhs[j - 1] /= d[j - 1];
    rhs[j - 2] = (rhs[j - 2] - du[j - 2] * rhs[j - 1]) / d[j - 2];
    for (let i = j - 3; i >= 0; i--) rhs[i] = (rhs[i] - du[i] * rhs[i + 1] - dl[i] * rhs[i + 2]) / d[i];
    const nr = norm(rhs);
    if (!(nr > 0) || !Number.isFinite(nr)) break;
    for (let i = 0; i < j; i++) rhs[i] /= nr;
    x = rhs;
  }
  return Math.abs(x[j - 1]);
}

/**
 * λ₂ and λ_min of the symmetric, doubly stochastic W (n ≥ 2) with their residual bounds. The
 * start vector is drawn from a fixed-seed generator (deterministic, generic enough to have a
 * component along the extreme eigenvectors).
 */
export function lanczosExtremes(m: Mixing, opts: LanczosOptions = {}): LanczosExtremes {
  const n = m.graph.n;
  if (n < 2) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `lanczosExtremes: need n ≥ 2, got ${n}`);
  const tol = opts.tol ?? 1e-12;
  const maxSteps = opts.maxSteps ?? 20000;
  const checkEvery = opts.checkEvery ?? 25;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += m.selfWeight[i];
  const c = (trace - 1) / (n - 1);
  const rng = Rng.derive(0, -1, 'lanczos');
  let prev = new Float64Array(n);
  let cur = new Float64Array(n);
  let next = new Float64Array(n);
  for (let i = 0; i < n; i++) cur[i] = rng.normal();
  centre(cur);
  const n0 = norm(cur);
  for (let i = 0; i < n; i++) cur[i] /= n0;
  let alpha = new Float64Array(64);
  let beta = new Float64Array(64);
  let betaPrev = 0;
  let best: LanczosExtremes | null = null;
  for (let j = 1; j <= maxSteps; j++) {
    if (j > alpha.length) {
      const a2 = new Float64Array(2 * alpha.length);
      a2.set(alpha);
      alpha = a2;
      const b2 = new Float64Array(2 * beta.length);
      b2.set(beta);
      beta = b2;
    }
    applyA(m, c, cur, next);
    let a = 0;
    for (let i = 0; i < n; i++) a += cur[i] * next[i];
    for (let i = 0; i < n; i++) next[i] -= a * cur[i] + betaPrev * prev[i];
    const bj = norm(next);
    alpha[j - 1] = a;
    beta[j - 1] = bj;
    // an invariant subspace (β_j ≈ 0) makes the Ritz values exact
    const exhausted = bj <= 1e-14;
    if (j % checkEvery === 0 || exhausted || j === maxSteps) {
      const lambda2 = bisect(alpha, beta, j, j - 1);
      const lambdaMin = bisect(alpha, beta, j, 0);
      const bound2 = bj * lastComponent(alpha, beta, j, lambda2);
      const boundMin = bj * lastComponent(alpha, beta, j, lambdaMin);
      best = { lambda2, lambdaMin, bound2, boundMin, steps: j };
      if ((bound2 <= tol && boundMin <= tol) || exhausted) return best;
    }
    if (bj === 0) break;
    for (let i = 0; i < n; i++) next[i] /= bj;
    const t = prev;
    prev = cur;
    cur = next;
    next = t;
    betaPrev = bj;
  }
  return best as LanczosExtremes;
}
