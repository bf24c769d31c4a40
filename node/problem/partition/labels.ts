/**
 * Label-set split (paper-spec §6.1, the authors' "label" split): node i gets ALL samples whose label
 * is in labels[i], e.g. the pairs {i, 9−i} over 5 nodes. A label listed for several nodes has its
 * samples (in index order) cut into near-equal contiguous parts, one per listing node in node order
 * (first ones one longer). Labels listed by no node are left out of training. The seed is not used.
 */
import type { Rng } from '../../linalg/rng.ts';
import type { Shard } from '../types.ts';
import { checkNodes, inconsistent, nearEqualSizes } from './common.ts';

export interface LabelsPartitionParams {
  readonly labels: readonly (readonly number[])[];
}

export function partitionLabels(labels: Int32Array, n: number, _rng: Rng | undefined, params: LabelsPartitionParams): Shard[] {
  const N = labels.length;
  checkNodes(n, N);
  const lists = params.labels;
  if (!Array.isArray(lists) || lists.length !== n) {
    throw inconsistent('partition.labels', `needs one label list per node: ${lists?.length ?? 0} lists for ${n} nodes`, {
      lists: lists?.length ?? 0,
      nodes: n,
    });
  }
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < N; i++) {
    const l = labels[i];
    let arr = byLabel.get(l);
    if (!arr) {
      arr = [];
      byLabel.set(l, arr);
    }
    arr.push(i);
  }
  const present = [...byLabel.keys()].sort((a, b) => a - b);
  // owners[label] = nodes listing it, in node order
  const owners = new Map<number, number[]>();
  for (const [i, list] of lists.entries()) {
    if (!Array.isArray(list) || list.length === 0) throw inconsistent(`partition.labels[${i}]`, `node ${i} has an empty label list`);
    const seen = new Set<number>();
    for (const [j, l] of list.entries()) {
      if (!byLabel.has(l)) {
        throw inconsistent(
          `partition.labels[${i}][${j}]`,
          `unknown label ${l}: no training sample has it (labels present: ${present.join(', ')})`,
          { label: l },
        );
      }
      if (seen.has(l)) throw inconsistent(`partition.labels[${i}][${j}]`, `label ${l} is listed twice for node ${i}`, { label: l });
      seen.add(l);
      let o = owners.get(l);
      if (!o) {
        o = [];
        owners.set(l, o);
      }
      o.push(i);
    }
  }
  const parts: number[][] = Array.from({ length: n }, () => []);
  for (const [l, nodes] of owners) {
    const members = byLabel.get(l)!;
    const sizes = nearEqualSizes(members.length, nodes.length);
    let at = 0;
    nodes.forEach((node, k) => {
      for (let t = 0; t < sizes[k]; t++) parts[node].push(members[at + t]);
      at += sizes[k];
    });
  }
  return parts.map((p, i) => {
    if (p.length === 0)
      throw inconsistent(
        `partition.labels[${i}]`,
        `node ${i} gets no samples (its labels are shared by more nodes than they have samples)`,
      );
    return Int32Array.from(p).sort();
  });
}
