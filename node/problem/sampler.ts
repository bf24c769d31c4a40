/**
 * Minibatch sampler for one node (paper-spec §6.1: SubsetRandomSampler with drop_last=True).
 * Epoch e is a fresh seeded permutation of the shard; batches are consecutive runs of b entries of
 * it; a tail shorter than b is dropped and the next epoch starts. If b > shard size m, each batch is
 * the first b entries of ⌈b/m⌉ concatenated fresh permutations (wrap-around), so every batch still
 * has exactly b samples. 'full' → next() returns null (the caller uses the whole shard).
 *
 * The returned array is owned by the sampler and overwritten by the next call (no allocation per
 * batch); copy it to keep it. Deterministic given the Rng (use Rng.derive(seed, i, 'minibatch')).
 */
import { ProxmeshError } from '../errors.ts';
import type { Rng } from '../linalg/rng.ts';
import type { BatchSampler, Shard } from './types.ts';

export function createSampler(shard: Shard, batchSize: number | 'full', rng: Rng): BatchSampler {
  if (batchSize === 'full') return { batchSize, next: () => null };
  const m = shard.length;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `batchSize must be an integer ≥ 1 or "full", got ${batchSize}`, {
      field: 'batchSize',
    });
  }
  if (m === 0)
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', 'cannot sample minibatches from an empty shard', { field: 'partition' });
  const b = batchSize;
  const perm = Int32Array.from(shard);
  const out = new Int32Array(b);
  let pos = m; // forces a fresh permutation on the first call
  const fresh = () => {
    rng.shuffle(perm);
    pos = 0;
  };
  return {
    batchSize: b,
    next(): Int32Array {
      if (b <= m) {
        if (m - pos < b) fresh(); // drop_last
        out.set(perm.subarray(pos, pos + b));
        pos += b;
        return out;
      }
      let filled = 0;
      while (filled < b) {
        fresh();
        const take = Math.min(m, b - filled);
        out.set(perm.subarray(0, take), filled);
        filled += take;
      }
      pos = m;
      return out;
    },
    // perm is shuffled in place epoch after epoch (each shuffle starts from the previous order),
    // so both it and the position within it are state; the Rng is registered by its owner.
    registerState(reg, prefix) {
      reg.vector(`${prefix}.perm`, perm);
      reg.scalar(
        `${prefix}.pos`,
        () => pos,
        (v) => {
          pos = v;
        },
      );
    },
  };
}
