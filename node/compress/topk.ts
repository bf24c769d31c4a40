/**
 * Top-k per block (paper-spec §4): keep the k_t entries of largest |x_j|, k_t = max(1,
 * floor(ratio·d_t)) or a fixed k; ties broken by the lower index; message = ascending indices +
 * values. Deterministic bound per block: ‖v − Top_k(v)‖² ≤ (1 − k/d)‖v‖² (the k kept entries hold
 * at least k/d of the energy). With wire rounding (relative error ≤ u on kept values) the worst
 * case is Σ_dropped v² + u²Σ_kept v² ≤ (1 − (k/d)(1 − u²))‖v‖², so
 *   α² = max_t [1 − (k_t/d_t)(1 − u²)]   over non-empty blocks (0 if none).
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { TopkSpec } from './spec.ts';
import type { Message } from './types.ts';
import { type BlockSelector, type Built, type BuiltFactory, checkDims, formatName, sparseMessage } from './internal.ts';
import { blocksOf, carriedLayers, keepAlpha2, keepCounts, totalCount } from './layout.ts';
import { unitRoundoff } from './precision.ts';
import { selectTopk } from './select.ts';
import { MessageSlab } from './slab.ts';

/**
 * Scratch shared by every top-k compressor of the process (selectTopk's `mag` and `inOrder`),
 * grown to the largest block at build time. compress is synchronous and never re-entered, so
 * one pair suffices; at n = 1024 simulated nodes this keeps 2 × 124 floats hot in cache instead
 * of 4 × 2048 arrays spread over memory. Pure scratch: messages are bit-identical.
 */
let sharedMag = new Float64Array(0);
let sharedInOrder = new Float64Array(0);
function reserveScratch(len: number): void {
  if (sharedMag.length < len) {
    sharedMag = new Float64Array(len);
    sharedInOrder = new Float64Array(len);
  }
}

/**
 * One message slab shared by all top-k compressors of the process (fresh views, never rewritten:
 * slab.ts), instead of one per compressor: fewer, larger buffers to allocate and collect when
 * thousands of nodes are simulated.
 */
const sharedSlab = new MessageSlab(1 << 15);

export function topkFactory(spec: TopkSpec, path: string): BuiltFactory {
  const p = spec.precision;
  const name = formatName('topk', { ratio: spec.ratio, k: spec.k, scope: spec.scope, precision: p === 'f64' ? undefined : p });
  return (layers: LayerMap, _rng: Rng): Built => {
    const blocks = blocksOf(layers, spec.scope);
    const counts = keepCounts(blocks, spec, path);
    const alpha2 = keepAlpha2(blocks, counts, unitRoundoff(p) ** 2);
    // scratch, never part of a message (selectTopk: `mag` is permuted, `inOrder` is not)
    reserveScratch(blocks.maxLength);
    const select: BlockSelector = (x, off, d, k, out, at) => selectTopk(x, off, d, k, out, at, sharedMag, sharedInOrder);
    const nnz = totalCount(counts);
    // message arrays from the shared slab (fresh views, never rewritten; slab.ts)
    const slab = sharedSlab;
    const opts = { blocks, counts, nnz, precision: p, mult: null, select, slab };
    return {
      dim: blocks.dim,
      carried: carriedLayers(blocks, counts),
      exactValues: p === 'f64',
      info: { name, alpha2, unbiased: false, omega: null, random: false },
      compress(x, decoded): Message {
        checkDims(name, blocks.dim, x, decoded);
        return sparseMessage(x, decoded, opts);
      },
    };
  };
}
