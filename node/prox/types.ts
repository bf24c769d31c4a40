/**
 * Proximal operators: prox_{ηr}(v) = argmin_u { r(u) + ‖u − v‖²/(2η) }.
 * Kernels write into `out` (which may alias `v`) and return it.
 */
import type { LayerMap } from '../linalg/layers.ts';

export interface Prox {
  readonly name: string;
  /** r(x). +Infinity outside the domain (box constraints). */
  value(x: Float64Array): number;
  /** out ← prox_{ηr}(v), η > 0. `out` may be `v`. */
  apply(v: Float64Array, eta: number, out: Float64Array): Float64Array;
}

export type ProxFactory = (layers: LayerMap) => Prox;
