/**
 * The layout of a flat parameter vector x ∈ ℝᵈ as named tensors (layers). It lives here, under
 * every domain folder, because models (node/problem) define it while compressors, regularizers and
 * algorithms only read it: keeping it beside the models made prox and compress depend on problem/.
 */

/** One tensor inside the flat parameter vector: x[offset .. offset + length), of shape `shape`. */
export interface LayerSpec {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly shape: readonly number[];
}

export type LayerMap = readonly LayerSpec[];
