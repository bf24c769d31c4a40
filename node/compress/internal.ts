/**
 * Pieces shared by the compressor implementations (not part of the public contract).
 * `Built` adds what `chain` needs to compose steps: the layout of the carried-values vector and
 * whether carried values equal the input exactly.
 */
import { ProxmeshError } from '../errors.ts';
import type { Rng } from '../linalg/rng.ts';
import type { LayerMap } from '../linalg/layers.ts';
import { decodeMessage } from './decode.ts';
import type { Blocks } from './layout.ts';
import { roundToPrecision } from './precision.ts';
import type { MessageSlab } from './slab.ts';
import type { Compressor, FloatPrecision, Message } from './types.ts';

export interface Built extends Compressor {
  /** Length of the input vector. */
  readonly dim: number;
  /**
   * Layer map of the carried-values vector (length = number of carried coordinates, fixed for
   * identity/top-k/rand-k), so a following chain step can work per block; null when the values
   * are integer levels (qsgd, sign) or the carried count varies (ef, chain).
   */
  readonly carried: LayerMap | null;
  /** True if every carried value equals the input coordinate exactly (f64, no rescaling). */
  readonly exactValues: boolean;
}

export type BuiltFactory = (layers: LayerMap, rng: Rng) => Built;

/** x and decoded must both have length dim (a caller bug otherwise). */
export function checkDims(name: string, dim: number, x: Float64Array, decoded: Float64Array): void {
  if (x.length !== dim || decoded.length !== dim) {
    throw new ProxmeshError(
      'PROXMESH_ERR_INTERNAL',
      `${name}: expected x and decoded of length ${dim}, got ${x.length} and ${decoded.length}`,
    );
  }
}

/** "topk(ratio=0.1,scope=layer)"; entries with undefined values are skipped. */
export function formatName(kind: string, params: Record<string, string | number | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [key, v] of Object.entries(params)) if (v !== undefined) parts.push(`${key}=${v}`);
  return `${kind}(${parts.join(',')})`;
}

/**
 * Returns m after writing its dense decoding into `decoded` with the receiver's own decodeMessage,
 * so the sender's reference copy equals what every peer decodes, bit for bit (paper-spec §9.6).
 */
export function withDecoded(m: Message, decoded: Float64Array): Message {
  decodeMessage(m, decoded);
  return m;
}

/**
 * Writes the k global indices (off ≤ j < off + d, strictly ascending) kept from the partial block
 * x[off .. off + d) (0 < k < d) into out[at .. at + k).
 */
export type BlockSelector = (x: Float64Array, off: number, d: number, k: number, out: Uint32Array, at: number) => void;

export interface SparseMessageOptions {
  readonly blocks: Blocks;
  /** k_b kept per block (0 skips the block, d_b keeps all of it). */
  readonly counts: Int32Array;
  /** Σ_b k_b. */
  readonly nnz: number;
  readonly precision: FloatPrecision;
  /** Per-block value multiplier (rand-k's d/k), or null for none. */
  readonly mult: Float64Array | null;
  readonly select: BlockSelector;
  /** Where the message's arrays come from (default: new typed arrays). */
  readonly slab?: MessageSlab;
}

/**
 * Sparse float message of x keeping counts[b] coordinates per block (in block order, so indices
 * ascend), values round_p(mult_b · x_j); writes the decoded vector (zeros elsewhere) into `decoded`.
 */
export function sparseMessage(x: Float64Array, decoded: Float64Array, o: SparseMessageOptions): Message {
  const { offsets, lengths, dim } = o.blocks;
  const { counts, mult, precision: p } = o;
  const indices = o.slab ? o.slab.uints(o.nnz) : new Uint32Array(o.nnz);
  const data = o.slab ? o.slab.floats(o.nnz) : new Float64Array(o.nnz);
  let c = 0;
  for (let b = 0; b < counts.length; b++) {
    const off = offsets[b],
      d = lengths[b],
      k = counts[b];
    if (k === 0) continue;
    if (k === d) for (let j = 0; j < d; j++) indices[c + j] = off + j;
    else o.select(x, off, d, k, indices, c);
    if (mult === null) for (let t = c; t < c + k; t++) data[t] = roundToPrecision(x[indices[t]], p);
    else {
      const m = mult[b];
      for (let t = c; t < c + k; t++) data[t] = roundToPrecision(m * x[indices[t]], p);
    }
    c += k;
  }
  return withDecoded({ dim, indices, values: { kind: 'float', precision: p, data } }, decoded);
}
