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

/** Throws PROXMESH_ERR_INTERNAL when the parameter vector or the data width do not fit the model. */
export function checkShapes(kind: string, dim: number, nFeatures: number, x: Float64Array, data: Dataset): void {
  if (x.length !== dim) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${kind}: parameter vector has length ${x.length}, model dim is ${dim}`);
  if (data.features.cols !== nFeatures) {
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${kind}: dataset ${data.name} has ${data.features.cols} features, model expects ${nFeatures}`);
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
