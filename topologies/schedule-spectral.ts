/**
 * Spectra of a schedule (what `proxmesh topology` reports for one): per round ρ_k = ‖W_k − J‖₂
 * (W_k symmetric: the largest |eigenvalue| of W_k − J), and over one period the ρ of the product
 *   ρ_Π = ‖W_0 W_1 ⋯ W_{P−1} − J‖₂ = √λ_max(MᵀM),  M = W_0⋯W_{P−1} − J
 * (X ← X W_k right-multiplies, paper-spec §1.2, so this is the period's effective mixing; doubly
 * stochastic W_k give Π W_k − J = Π (W_k − J)). Dense, O(P·n³): for reports, not the hot path.
 */
import { symmetricEigenvalues } from './eigen.ts';
import type { RoundMixing, TopologySchedule } from './schedule.ts';

/** W_k as a dense row-major n×n array. */
export function roundToDense(r: RoundMixing, n: number): Float64Array {
  const a = new Float64Array(n * n);
  r.rows.forEach((row, i) => {
    for (let p = 0; p < row.ids.length; p++) a[i * n + row.ids[p]] = row.weights[p];
  });
  return a;
}

function minusJ(a: Float64Array, n: number): Float64Array {
  const out = Float64Array.from(a);
  for (let t = 0; t < out.length; t++) out[t] -= 1 / n;
  return out;
}

/** ‖A‖₂ of a square n×n A via the eigenvalues of AᵀA. */
export function spectralNorm(a: Float64Array, n: number): number {
  const ata = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += a[t * n + i] * a[t * n + j];
      ata[i * n + j] = s;
    }
  }
  const ev = symmetricEigenvalues(ata, n);
  return Math.sqrt(Math.max(0, ev[n - 1]));
}

/** ρ_k = ‖W_k − J‖₂: the largest |eigenvalue| for a symmetric W_k, the spectral norm for a directed one. */
export function roundRho(r: RoundMixing, n: number): number {
  if (r.sends !== undefined) return spectralNorm(minusJ(roundToDense(r, n), n), n);
  const ev = symmetricEigenvalues(minusJ(roundToDense(r, n), n), n);
  return Math.max(Math.abs(ev[0]), Math.abs(ev[n - 1]));
}

/**
 * The period's effective mixing as node rows, A_{P−1} ⋯ A_1 A_0 (dense), where A_k holds the rows
 * (x_i ← Σ_j (A_k)_ij x_j). In the paper's notation W_k = A_kᵀ and this is (W_0 W_1 ⋯ W_{P−1})ᵀ,
 * which has the same ‖· − J‖₂.
 */
export function periodProduct(s: TopologySchedule): Float64Array {
  const n = s.n;
  let acc = roundToDense(s.rounds[0], n);
  for (let k = 1; k < s.period; k++) {
    const a = roundToDense(s.rounds[k], n);
    const next = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < n; t++) {
        const w = a[i * n + t];
        if (w !== 0) for (let j = 0; j < n; j++) next[i * n + j] += w * acc[t * n + j];
      }
    }
    acc = next;
  }
  return acc;
}

export interface ScheduleSpectral {
  readonly rhos: readonly number[];
  readonly productRho: number;
}

export function scheduleSpectral(s: TopologySchedule): ScheduleSpectral {
  return { rhos: s.rounds.map((r) => roundRho(r, s.n)), productRho: spectralNorm(minusJ(periodProduct(s), s.n), s.n) };
}
