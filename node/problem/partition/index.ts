/**
 * Partition registry: `partition` spec → shards (indices into the training set, each ascending,
 * disjoint, covering every sample except labels left out by a `labels` split). The caller passes
 * Rng.derive(seed, -1, 'partition').
 */
import type { Rng } from '../../linalg/rng.ts';
import type { PartitionSpec } from '../spec.ts';
import type { Shard } from '../types.ts';
import { partitionDirichlet } from './dirichlet.ts';
import { partitionIid } from './iid.ts';
import { partitionLabels } from './labels.ts';
import { partitionQuantity } from './quantity.ts';
import { partitionSorted } from './sorted.ts';
import { ProxmeshError } from '../../errors.ts';

export { partitionDirichlet, DIRICHLET_MAX_TRIES } from './dirichlet.ts';
export { partitionIid } from './iid.ts';
export { partitionLabels } from './labels.ts';
export { partitionQuantity, quantitySizes } from './quantity.ts';
export { partitionSorted, stableOrderByLabel } from './sorted.ts';
export { nearEqualSizes } from './common.ts';

export const PARTITION_KINDS = ['iid', 'sorted', 'labels', 'dirichlet', 'quantity'] as const;

export function partitionFromSpec(spec: PartitionSpec, labels: Int32Array, n: number, rng: Rng): Shard[] {
  switch (spec.kind) {
    case 'iid':
      return partitionIid(labels, n, rng);
    case 'sorted':
      return partitionSorted(labels, n, rng);
    case 'labels':
      return partitionLabels(labels, n, rng, { labels: spec.labels });
    case 'dirichlet':
      return partitionDirichlet(labels, n, rng, { alpha: spec.alpha ?? 0.5 });
    case 'quantity':
      return partitionQuantity(labels, n, rng, { alpha: spec.alpha ?? 1 });
    default:
      throw new ProxmeshError(
        'PROXMESH_ERR_CONFIG',
        `partition.kind: unknown partition '${(spec as { kind: string }).kind}' (known: ${PARTITION_KINDS.join(', ')})`,
        {
          field: 'partition.kind',
        },
      );
  }
}
