/** Shared pieces of the partitioners: argument checks, near-equal sizes, contiguous splits. */
import { ProxmeshError } from '../../errors.ts';
import type { Rng } from '../../linalg/rng.ts';
import type { Shard } from '../types.ts';

export function inconsistent(field: string, msg: string, detail: Record<string, unknown> = {}): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `${field}: ${msg}`, { field, ...detail });
}

/** n must be an integer in [1, N]. */
export function checkNodes(n: number, N: number): void {
  if (!Number.isInteger(n) || n < 1) throw inconsistent('topology.nodes', `need at least 1 node, got ${n}`, { nodes: n });
  if (n > N)
    throw inconsistent('topology.nodes', `more nodes than samples: ${n} nodes for ${N} training samples`, { nodes: n, samples: N });
}

/** N split into n near-equal sizes, the first N mod n one longer (10 over 3 → 4, 3, 3). */
export function nearEqualSizes(N: number, n: number): number[] {
  const q = Math.floor(N / n);
  const extra = N % n;
  return Array.from({ length: n }, (_, i) => q + (i < extra ? 1 : 0));
}

/** Consecutive slices of `order` with the given sizes, each returned sorted ascending (a shard is a set). */
export function splitBySizes(order: Int32Array, sizes: readonly number[]): Shard[] {
  const out: Shard[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(order.slice(at, at + s).sort());
    at += s;
  }
  return out;
}

/** One Dirichlet(α, …, α) draw over n components via normalised Gamma(α) draws; null if all underflow to 0. */
export function dirichlet(rng: Rng, alpha: number, n: number, out: Float64Array): Float64Array | null {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = rng.gamma(alpha);
    sum += out[i];
  }
  if (!(sum > 0) || !Number.isFinite(sum)) return null;
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

export function checkAlpha(alpha: number): void {
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw inconsistent('partition.alpha', `must be a finite number > 0, got ${alpha}`);
}
