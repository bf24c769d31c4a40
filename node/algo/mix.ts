/**
 * The one mixing kernel every algorithm uses: acc ← acc + Σ_{j ∈ N_i} w_ij · decode(m_j), summed in
 * the row's ascending id order (never arrival order), through the compress module's decoder so the
 * simulator and the cluster aggregate identically (DESIGN.md §3).
 */
import { addScaledMessage } from '../compress/decode.ts';
import type { Message } from '../compress/types.ts';
import { ProxmeshError } from '../errors.ts';
import type { MixingRow } from '../../topologies/types.ts';

export function addMixed(acc: Float64Array, row: MixingRow, msgs: readonly Message[]): Float64Array {
  if (msgs.length !== row.ids.length) {
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `exchange returned ${msgs.length} messages for a row of ${row.ids.length} peers`, {
      got: msgs.length,
      expected: row.ids.length,
    });
  }
  for (let p = 0; p < msgs.length; p++) addScaledMessage(acc, row.weights[p], msgs[p]);
  return acc;
}

/** out ← Σ_j w_ij · decode(m_j)  (a full gossip average W x). */
export function mixInto(out: Float64Array, row: MixingRow, msgs: readonly Message[]): Float64Array {
  out.fill(0);
  return addMixed(out, row, msgs);
}
