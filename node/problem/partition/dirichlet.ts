/**
 * Dirichlet label skew: for each class c (ascending), its samples are shuffled and split over the n
 * nodes with proportions p_c ~ Dir(α, …, α) (boundaries round(|S_c|·Σ_{j≤i} p_c,j)). If some node gets
 * no sample at all, the whole draw is repeated, at most MAX_TRIES times, then it fails with
 * PROXMESH_ERR_CONFIG_INCONSISTENT (raise α or use fewer nodes).
 */
import type { Rng } from '../../linalg/rng.ts';
import type { Shard } from '../types.ts';
import { checkAlpha, checkNodes, dirichlet, inconsistent } from './common.ts';

export const DIRICHLET_MAX_TRIES = 100;

export interface DirichletPartitionParams {
  readonly alpha: number;
}

export function partitionDirichlet(labels: Int32Array, n: number, rng: Rng, params: DirichletPartitionParams): Shard[] {
  const N = labels.length;
  checkNodes(n, N);
  checkAlpha(params.alpha);
  let C = 0;
  for (let i = 0; i < N; i++) C = Math.max(C, labels[i] + 1);
  const members: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < N; i++) members[labels[i]].push(i);
  const p = new Float64Array(n);
  const owner = new Int32Array(N);
  const counts = new Int32Array(n);
  for (let attempt = 0; attempt < DIRICHLET_MAX_TRIES; attempt++) {
    let ok = true;
    for (let c = 0; c < C && ok; c++) {
      const m = members[c].length;
      if (m === 0) continue;
      const order = rng.shuffle(Int32Array.from(members[c]));
      if (!dirichlet(rng, params.alpha, n, p)) {
        ok = false;
        break;
      }
      let cum = 0;
      let at = 0;
      for (let i = 0; i < n; i++) {
        cum += p[i];
        const end = i === n - 1 ? m : Math.min(m, Math.round(cum * m));
        for (; at < end; at++) owner[order[at]] = i;
      }
    }
    if (!ok) continue;
    counts.fill(0);
    for (let i = 0; i < N; i++) counts[owner[i]]++;
    if (counts.every((k) => k > 0)) {
      const shards = Array.from(counts, (k) => new Int32Array(k));
      const fill = new Int32Array(n);
      for (let i = 0; i < N; i++) shards[owner[i]][fill[owner[i]]++] = i; // ascending by construction
      return shards;
    }
  }
  throw inconsistent(
    'partition.alpha',
    `dirichlet(α = ${params.alpha}) left some of the ${n} nodes without samples in ${DIRICHLET_MAX_TRIES} draws; raise α or use fewer nodes`,
    { alpha: params.alpha, nodes: n },
  );
}
