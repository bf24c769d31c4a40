/** Argument checks shared by the prox kernels (cheap, O(1), done once per call). */
import { ProxmeshError } from '../errors.ts';

/** η must be a finite positive step; `out` must have v's length. */
export function checkApply(name: string, v: Float64Array, eta: number, out: Float64Array): void {
  if (!(eta > 0) || !Number.isFinite(eta)) {
    throw new ProxmeshError('PROXMESH_ERR_PROX', `${name}: step η must be finite and > 0, got ${eta}`, {
      field: 'eta',
      got: eta,
      expected: '> 0',
    });
  }
  if (out.length !== v.length) {
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${name}: out has length ${out.length}, v has length ${v.length}`);
  }
}

/** A regularizer weight: finite and ≥ 0. `field` is the spec path, e.g. 'regularizer.lambda'. */
export function checkWeight(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ProxmeshError('PROXMESH_ERR_PROX', `${field} must be a finite number ≥ 0, got ${String(value)}`, {
      field,
      got: value,
      expected: 'finite ≥ 0',
    });
  }
  return value;
}
