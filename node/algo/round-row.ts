/**
 * Time-varying mixing for the algorithms (issue 13 item 1): the row of W_k a node mixes with at
 * round k. With a static topology it is ctx.peers; with `topology.schedule` the runner sets
 * ctx.peersAt, and the communicator exchanges with exactly that row's ids in round k.
 *
 * Which algorithms support a schedule, and why:
 *  - dproxsgt, proxgtsa (= large-batch dproxsgt), dpsgd, deepstorm: every mixing is a plain gossip
 *    average Σ_j (W_k)_ij v_j of vectors sent in that round. With each W_k doubly stochastic the mean
 *    is preserved round by round, so mean(y) = mean(g) (DProxSGT) and mean(y) = mean(d) (DEEPSTORM)
 *    hold for any schedule, exactly as for a static W (paper-spec §9.6).
 *  - cdproxsgt, beer, choco: not supported. They keep public reference copies x̲_j, y̲_j and the
 *    incremental aggregates s_i = Σ_j w_ij x̲_j (§3.2), which stay correct only if node i receives
 *    every q_j its neighbour j ever adds to x̲_j. A neighbour absent from some rounds misses those
 *    q_j, so s_i would no longer be Σ_j (W_k)_ij x̲_j and the iteration is not the paper's any more;
 *    keeping every copy in sync would mean sending to all neighbours of the union every round,
 *    which is not a time-varying graph. (The tracking mean alone would survive, but not the method.)
 *  - allreduce: averages over all nodes exactly (J), so a graph schedule has no meaning for it.
 * An unsupported pair is rejected at config load with PROXMESH_ERR_CONFIG_INCONSISTENT.
 */
import { ProxmeshError } from '../errors.ts';
import type { MixingRow } from '../../topologies/types.ts';
import type { NodeContext } from './types.ts';

export const SCHEDULE_ALGORITHMS: readonly string[] = ['dproxsgt', 'proxgtsa', 'dpsgd', 'deepstorm'];

/** Row of W_k for this node: ctx.peersAt(k) under a schedule, else the static ctx.peers. */
export function rowAt(ctx: NodeContext, k: number): MixingRow {
  return ctx.peersAt === undefined ? ctx.peers : ctx.peersAt(k);
}

/** Throws PROXMESH_ERR_CONFIG_INCONSISTENT when `algorithm` cannot run on a time-varying topology. */
export function checkScheduleSupported(algorithm: string, scheduleKind: string | undefined): void {
  if (scheduleKind === undefined || SCHEDULE_ALGORITHMS.includes(algorithm)) return;
  const why =
    algorithm === 'allreduce'
      ? 'allreduce averages over all nodes exactly, so a graph schedule does not apply'
      : `${algorithm} keeps reference copies of its neighbours that go stale when neighbours change (see docs/schedules.md)`;
  throw new ProxmeshError(
    'PROXMESH_ERR_CONFIG_INCONSISTENT',
    `config /topology/schedule: ${why}; remove topology.schedule or use one of ${SCHEDULE_ALGORITHMS.join(', ')} (got algorithm ${algorithm} with schedule ${scheduleKind})`,
    { path: '/topology/schedule', got: algorithm, expected: SCHEDULE_ALGORITHMS },
  );
}
