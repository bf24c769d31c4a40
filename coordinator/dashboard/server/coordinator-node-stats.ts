/**
 * Per-node stats the coordinator already knows without help from the workers: the last iteration
 * each node reported (gauge proxmesh_node_iteration) and the payload bytes it had sent at the last
 * evaluation (counter proxmesh_bytes_sent_total). Local loss, rejected frames and the step-time
 * split only the workers know; they arrive through the 'nodeStats' event (node-stats.ts).
 */
import type { CoordinatorMetrics } from '../../metrics.ts';
import type { NodeStats } from './node-stats.ts';

export async function coordinatorNodeStats(metrics: CoordinatorMetrics, runId: string): Promise<NodeStats[]> {
  const [iters, bytes] = await Promise.all([metrics.nodeIteration.get(), metrics.bytesSent.get()]);
  const byNode = new Map<number, { nodeId: number; iter: number; bytesSent?: number }>();
  for (const v of iters.values) {
    if (v.labels.run !== runId) continue;
    const nodeId = Number(v.labels.node);
    if (Number.isSafeInteger(nodeId)) byNode.set(nodeId, { nodeId, iter: v.value });
  }
  for (const v of bytes.values) {
    if (v.labels.run !== runId) continue;
    const s = byNode.get(Number(v.labels.node));
    if (s) s.bytesSent = v.value;
  }
  return [...byNode.values()].sort((a, b) => a.nodeId - b.nodeId);
}
