/**
 * Compressor contract. A compressor is the lossy operator Q of the paper (A4):
 *   E‖x − Q(x)‖² ≤ α²‖x‖²  (contractive, `alpha2`), or, for unbiased operators, E[Q(x)] = x with
 *   E‖Q(x) − x‖² ≤ ω‖x‖² (`omega`).
 * `compress` returns the message to send AND writes the exact decoded vector Q(x) into `decoded`.
 * The sender must use those decoded values for its own reference copy (x̲, y̲), and the codec must
 * reproduce them bit for bit on the receiver: that keeps mean(y) = mean(g) exact (spec §9.6).
 */
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import type { Rng } from '../linalg/rng.ts';
import type { LayerMap } from '../linalg/layers.ts';

/** Precision of floating values on the wire. Decoded values are already rounded to it. */
export type FloatPrecision = 'f64' | 'f32' | 'f16';

/** Values as floats of the declared precision. */
export interface FloatValues {
  readonly kind: 'float';
  readonly precision: FloatPrecision;
  /** length = number of carried coordinates; every entry exactly representable in `precision`. */
  readonly data: Float64Array;
}

/**
 * Values as integer levels times a scale: value_j = scale × levels[j] (per block, see `blocks`).
 * QSGD: scale = ‖v‖/s, levels ∈ [−s, s]; scaled sign: scale = ‖v‖₁/d, levels ∈ {−1, 0, 1}.
 * `scales` has one entry per block (one block = whole vector, or one per layer); scales are f64 on
 * the wire unless `scalePrecision` says otherwise, and are already rounded to it.
 */
export interface LevelValues {
  readonly kind: 'levels';
  /** Max |level|; levels fit in ceil(log2(2s+1)) bits. */
  readonly s: number;
  readonly scalePrecision: FloatPrecision;
  /** Block boundaries into the carried coordinates: block b is [blockStarts[b], blockStarts[b+1]). */
  readonly blockStarts: Int32Array;
  readonly scales: Float64Array;
  readonly levels: Int32Array;
}

/**
 * Values as signed powers of two (natural compression, Horváth et al. 2019): carried value c is
 *   0                                       if codes[c] = 0,
 *   sign(codes[c]) · 2^(emin + |codes[c]| − 1)  otherwise.
 * emin is the smallest exponent in the message (−1074 ≤ emin; the largest exponent is ≤ 1024, where
 * 2^1024 = ∞ carries an infinite input). On the wire: sign + exponent offset, see codec/payload.ts.
 */
export interface Pow2Values {
  readonly kind: 'pow2';
  readonly emin: number;
  readonly codes: Int32Array;
}

/**
 * Values as low-rank factors per block (PowerSGD, Vogels et al. 2019). `segments` holds one
 * (rows m, cols n, rank r) triple per block, blocks tiling the carried coordinates in order:
 *   r = 0: the block's m·n values are carried raw (row-major), e.g. vectors and small matrices;
 *   r ≥ 1: data holds P (m×r, row-major) then Q (n×r, row-major), and the block decodes to
 *          M̂[i][j] = Σ_{t<r} P[i][t]·Q[j][t], summed in ascending t (sender and receiver alike).
 * Every entry of `data` is exactly representable in `precision`.
 */
export interface LowRankValues {
  readonly kind: 'lowrank';
  readonly precision: FloatPrecision;
  readonly segments: Int32Array;
  readonly data: Float64Array;
}

export type MessageValues = FloatValues | LevelValues | Pow2Values | LowRankValues;

/**
 * A compressed message. `indices === null` means dense (all `dim` coordinates carried in order);
 * otherwise the carried coordinates are `indices` (strictly ascending) and every other coordinate
 * decodes to 0.
 */
export interface Message {
  readonly dim: number;
  readonly indices: Uint32Array | null;
  readonly values: MessageValues;
}

export interface CompressorInfo {
  /** Canonical name with parameters, e.g. "topk(ratio=0.1,scope=layer)". */
  readonly name: string;
  /** Declared α² (contraction), or null if the operator is not contractive (e.g. scaled rand-k). */
  readonly alpha2: number | null;
  /** True if E[Q(x)] = x. */
  readonly unbiased: boolean;
  /** Declared ω with E‖Q(x) − x‖² ≤ ω‖x‖² for unbiased operators, else null. */
  readonly omega: number | null;
  /** True if Q uses randomness. */
  readonly random: boolean;
}

export interface Compressor {
  readonly info: CompressorInfo;
  /**
   * Compress x (length dim). Writes Q(x) into `decoded` (length dim) and returns the message whose
   * decoding is exactly `decoded`. Must not keep references to `x` or `decoded`. The returned
   * message is immutable: the compressor never writes to its arrays again, so receivers may read
   * it later without a copy (the simulator hands the same object to every peer).
   */
  compress(x: Float64Array, decoded: Float64Array): Message;
  /**
   * Registers the mutable state kept between calls (error-feedback residual, rand-k permutation,
   * PowerSGD warm start) under `prefix` for checkpoints (node/checkpoint/state-registry.ts).
   * Absent = stateless apart from the Rng, which the caller registers. The Rng is not registered here.
   */
  registerState?(reg: StateRegistrar, prefix: string): void;
}

/** Builds a compressor instance for one stream (one node, one channel), with its own seeded Rng. */
export type CompressorFactory = (layers: LayerMap, rng: Rng) => Compressor;
