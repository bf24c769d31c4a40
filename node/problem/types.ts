/**
 * Data and model contracts. A parameter vector is one flat Float64Array of length `dim`; the
 * `layers` map says which slice is which tensor, so compressors (per-layer top-k) and prox operators
 * (group lasso per layer) can work per layer.
 */
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import type { Rng } from '../linalg/rng.ts';
import type { LayerMap } from '../linalg/layers.ts';

/** Compressed sparse rows. Column indices ascending within a row. */
export interface CsrMatrix {
  readonly kind: 'csr';
  readonly rows: number;
  readonly cols: number;
  /** length rows+1 */
  readonly indptr: Int32Array;
  /** length nnz */
  readonly indices: Int32Array;
  /** length nnz */
  readonly values: Float64Array;
}

/** Row-major dense matrix. */
export interface DenseMatrix {
  readonly kind: 'dense';
  readonly rows: number;
  readonly cols: number;
  /** length rows*cols, row-major */
  readonly data: Float64Array | Float32Array;
}

export type FeatureMatrix = CsrMatrix | DenseMatrix;

/** A labelled dataset. Labels are class indices 0..nClasses-1 (binary: 0 = negative, 1 = positive). */
export interface Dataset {
  readonly name: string;
  readonly features: FeatureMatrix;
  readonly labels: Int32Array;
  readonly nClasses: number;
  /** Optional human-readable class names, index = class id. */
  readonly classNames?: readonly string[];
  /** Shape of one sample for image models, e.g. [1, 28, 28]; absent for flat feature vectors. */
  readonly sampleShape?: readonly number[];
}

/**
 * A differentiable model: loss(x; ξ) averaged over a set of samples. All methods are pure in x
 * and write into caller-provided outputs (no allocation on the hot path after construction).
 */
export interface Model {
  readonly kind: string;
  readonly dim: number;
  readonly layers: LayerMap;
  readonly nClasses: number;
  /**
   * Mean loss over the samples `idx` of `data` (all rows if idx is null), and its gradient written
   * into `grad` (overwritten, length dim). Returns the mean loss.
   */
  lossGrad(x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array): number;
  /** Mean loss only. */
  loss(x: Float64Array, data: Dataset, idx: Int32Array | null): number;
  /** Fraction of samples (all rows if idx is null) whose predicted class equals the label. */
  accuracy(x: Float64Array, data: Dataset, idx: Int32Array | null): number;
  /** Writes an initial point (e.g. He/Glorot for the MLP, small normal for linear models). */
  initRandom(rng: Rng, out: Float64Array): Float64Array;
}

/** A node's share of the training data: indices into the global training set. */
export type Shard = Int32Array;

/** Draws minibatches from a shard. `next()` returns null for batch "full" (all of the shard). */
export interface BatchSampler {
  readonly batchSize: number | 'full';
  next(): Int32Array | null;
  /** Registers the epoch permutation and the position in it for checkpoints (absent for 'full'). */
  registerState?(reg: StateRegistrar, prefix: string): void;
}

/** A node's local stochastic first-order oracle for f_i. */
export interface GradientOracle {
  /** Draws the next minibatch B_i^k from this node's seeded sampler (null = the whole shard). */
  nextBatch(): Int32Array | null;
  /**
   * out ← ∇F_i(x; B) = mean over B of per-sample gradients (then clipped to `clipNorm` if the run
   * configures clipping). Returns the mean loss over B (before clipping, which only affects g).
   */
  gradient(x: Float64Array, batch: Int32Array | null, out: Float64Array): number;
}
