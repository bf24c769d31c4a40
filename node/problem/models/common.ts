/** Shared numerics and checks for the models. */
import { ProxmeshError } from '../../errors.ts';
import type { Dataset } from '../types.ts';

/** log(1 + eᵗ) without overflow: t + log1p(e^{−t}) for t > 0, log1p(eᵗ) otherwise. */
export function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/** σ(t) = 1/(1 + e^{−t}) without overflow. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/** Below this e = e^{−|t|}, 1 + e would lose too much of e: SoftplusSum takes log1p(e) itself. */
export const SOFTPLUS_SMALL = 2 ** -6;
/** Factors (1 + e) ∈ (1, 2] multiplied before one log: ≤ 2^512, far from overflow. */
export const SOFTPLUS_CHUNK = 512;

/**
 * Σ_s softplus(t_s) over a stream of samples, fed with e_s = e^{−|t_s|} and 1 + e_s (which the
 * caller already computed for σ): softplus(t) = max(t, 0) + log1p(e). The terms log1p(e_s) with
 * e_s ≥ 2^−6 are multiplied as Π(1 + e_s) in chunks of 512 and logged once per chunk, so the loss
 * costs about one multiplication per sample instead of an exp and a log1p. Accuracy: rounding
 * 1 + e and each product adds ≤ 2u ≈ 2.2e−16 absolute to a term ≥ log1p(2^−6) ≈ 0.0155, i.e.
 * ≤ 1.5e−14 relative per term (the sum of positive terms keeps that bound); smaller e take
 * Math.log1p directly. The summation order differs from Σ softplus(t_s), so results differ from
 * the plain sum in the last bits (docs/performance.md).
 */
export class SoftplusSum {
  private lin = 0;
  private logs = 0;
  private prod = 1;
  private count = 0;

  reset(): this {
    this.lin = 0;
    this.logs = 0;
    this.prod = 1;
    this.count = 0;
    return this;
  }

  /** Adds softplus(t) given e = e^{−|t|} and ope = 1 + e. */
  add(t: number, e: number, ope: number): void {
    if (t > 0) this.lin += t;
    if (e >= SOFTPLUS_SMALL) {
      this.prod *= ope;
      if (++this.count === SOFTPLUS_CHUNK) {
        this.logs += Math.log(this.prod);
        this.prod = 1;
        this.count = 0;
      }
    } else this.logs += Math.log1p(e);
  }

  total(): number {
    return this.lin + (this.logs + Math.log(this.prod));
  }
}

/** Throws PROXMESH_ERR_INTERNAL when the parameter vector or the data width do not fit the model. */
export function checkShapes(kind: string, dim: number, nFeatures: number, x: Float64Array, data: Dataset): void {
  if (x.length !== dim)
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${kind}: parameter vector has length ${x.length}, model dim is ${dim}`);
  if (data.features.cols !== nFeatures) {
    throw new ProxmeshError(
      'PROXMESH_ERR_INTERNAL',
      `${kind}: dataset ${data.name} has ${data.features.cols} features, model expects ${nFeatures}`,
    );
  }
}

/** Fills `out` with N(0, σ²) draws over [offset, offset+length). */
export function fillNormal(rng: { normal(): number }, sigma: number, out: Float64Array, offset: number, length: number): void {
  for (let j = offset; j < offset + length; j++) out[j] = sigma * rng.normal();
}

/**
 * Turns sums over m samples into means: grad ← grad/m (when a gradient is being computed) and returns
 * loss/m; an empty batch (m = 0) has loss 0 and leaves grad as accumulated (zeros).
 */
export function meanOverBatch(lossSum: number, grad: Float64Array | null, m: number): number {
  if (m === 0) return 0;
  const inv = 1 / m;
  if (grad) for (let j = 0; j < grad.length; j++) grad[j] *= inv;
  return lossSum * inv;
}
