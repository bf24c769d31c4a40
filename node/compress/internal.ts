/**
 * Pieces shared by the compressor implementations (not part of the public contract).
 * `Built` adds what `chain` needs to compose steps: the layout of the carried-values vector and
 * whether carried values equal the input exactly.
 */
import { ProxmeshError } from '../errors.ts';
import type { Rng } from '../linalg/rng.ts';
import type { LayerMap } from '../problem/types.ts';
import type { Compressor } from './types.ts';

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
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${name}: expected x and decoded of length ${dim}, got ${x.length} and ${decoded.length}`);
  }
}

/** "topk(ratio=0.1,scope=layer)"; entries with undefined values are skipped. */
export function formatName(kind: string, params: Record<string, string | number | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [key, v] of Object.entries(params)) if (v !== undefined) parts.push(`${key}=${v}`);
  return `${kind}(${parts.join(',')})`;
}
