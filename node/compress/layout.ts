/**
 * Blocks of a compressor: one per layer ('layer' scope, the authors' per-tensor top-k, paper-spec §4)
 * or one over the whole vector ('global'). Layers must tile [0, dim) in order, which is how models
 * lay out their flat parameter vector.
 */
import { ProxmeshError } from '../errors.ts';
import type { LayerMap } from '../linalg/layers.ts';
import type { CompressionScope } from './spec.ts';

export interface Blocks {
  readonly dim: number;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  readonly names: readonly string[];
  /** Largest block length (scratch size). */
  readonly maxLength: number;
}

/** A one-layer map for a plain vector of length dim (empty for dim = 0). */
export function flatLayers(dim: number, name = 'x'): LayerMap {
  return dim === 0 ? [] : [{ name, offset: 0, length: dim, shape: [dim] }];
}

/** Total length of a tiling layer map; throws PROXMESH_ERR_INTERNAL if the layers do not tile. */
export function tiledDim(layers: LayerMap): number {
  let off = 0;
  for (let t = 0; t < layers.length; t++) {
    const l = layers[t];
    if (l.offset !== off || !Number.isInteger(l.length) || l.length < 0) {
      throw new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        `compressor: layer ${t} (${l.name}) has offset ${l.offset} and length ${l.length}; layers must tile [0, dim) in order (expected offset ${off})`,
      );
    }
    off += l.length;
  }
  return off;
}

export function blocksOf(layers: LayerMap, scope: CompressionScope): Blocks {
  const dim = tiledDim(layers);
  if (scope === 'global') {
    return { dim, offsets: Int32Array.of(0), lengths: Int32Array.of(dim), names: ['(global)'], maxLength: dim };
  }
  const offsets = new Int32Array(layers.length);
  const lengths = new Int32Array(layers.length);
  let maxLength = 0;
  for (let t = 0; t < layers.length; t++) {
    offsets[t] = layers[t].offset;
    lengths[t] = layers[t].length;
    if (lengths[t] > maxLength) maxLength = lengths[t];
  }
  return { dim, offsets, lengths, names: layers.map((l) => l.name), maxLength };
}

/**
 * k_t for each block: max(1, floor(ratio·d_t)) or the fixed k; 0 for empty blocks. Throws
 * PROXMESH_ERR_COMPRESSOR if a fixed k exceeds a non-empty block (only known once layers are given).
 */
export function keepCounts(blocks: Blocks, sel: { ratio?: number; k?: number }, path: string): Int32Array {
  const ks = new Int32Array(blocks.lengths.length);
  for (let b = 0; b < ks.length; b++) {
    const d = blocks.lengths[b];
    if (d === 0) continue;
    if (sel.k !== undefined) {
      if (sel.k > d) {
        throw new ProxmeshError(
          'PROXMESH_ERR_COMPRESSOR',
          `${path}.k = ${sel.k} exceeds the size d = ${d} of block '${blocks.names[b]}' (allowed: 1 ≤ k ≤ ${d}); use ratio, a smaller k, or scope 'global'`,
          { field: `${path}.k`, got: sel.k, expected: `1..${d}`, block: blocks.names[b] },
        );
      }
      ks[b] = sel.k;
    } else {
      ks[b] = Math.max(1, Math.floor(d * (sel.ratio as number)));
    }
  }
  return ks;
}

/** Layer map of a carried-values vector whose block b holds counts[b] entries. */
export function carriedLayers(blocks: Blocks, counts: Int32Array): LayerMap {
  const out: { name: string; offset: number; length: number; shape: number[] }[] = [];
  let off = 0;
  for (let b = 0; b < counts.length; b++) {
    out.push({ name: blocks.names[b], offset: off, length: counts[b], shape: [counts[b]] });
    off += counts[b];
  }
  return out;
}

/** Block boundaries of a dense level message: starts[0] = 0, starts[b+1] = starts[b] + d_b. */
export function blockStarts(blocks: Blocks): Int32Array {
  const nb = blocks.lengths.length;
  const starts = new Int32Array(nb + 1);
  for (let b = 0; b < nb; b++) starts[b + 1] = starts[b] + blocks.lengths[b];
  return starts;
}

/** Σ_b k_b: carried coordinates of a sparse message keeping counts[b] per block. */
export function totalCount(counts: Int32Array): number {
  let n = 0;
  for (let b = 0; b < counts.length; b++) n += counts[b];
  return n;
}

/**
 * Worst-case α² of keeping k_t of the d_t entries of each block, the kept ones rounded with unit
 * roundoff u (u2 = u²): max_t [1 − (k_t/d_t)(1 − u²)] over non-empty blocks, 0 if none. Holds for
 * top-k (the kept entries carry ≥ k/d of the energy) and in expectation for unscaled rand-k.
 */
export function keepAlpha2(blocks: Blocks, counts: Int32Array, u2: number): number {
  let alpha2 = 0;
  for (let b = 0; b < counts.length; b++) {
    const d = blocks.lengths[b];
    if (d > 0) alpha2 = Math.max(alpha2, 1 - (counts[b] / d) * (1 - u2));
  }
  return alpha2;
}
