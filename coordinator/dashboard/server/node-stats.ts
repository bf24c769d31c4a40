/**
 * Per-node statistics for the dashboard's node table and edge widths. The run manager (or anything
 * holding it) publishes them by emitting `runs.emit('nodeStats', runId, stats)`; every field but
 * `nodeId` and `iter` is optional, so a source that knows only some of them (the coordinator's own
 * per-node gauges) still fills the table. The book keeps the latest stats of each node of the
 * current run; a stats object for another run replaces the book.
 */

export interface StepTimeSplit {
  /** mean seconds per iteration spent computing (gradient, prox, mixing) since the previous report */
  readonly compute: number;
  /** mean seconds per iteration spent in the codec */
  readonly encode: number;
  /** mean seconds per iteration spent waiting for neighbours */
  readonly wait: number;
}

export interface NodeStats {
  readonly nodeId: number;
  /** last iteration k the node completed (or reported) */
  readonly iter: number;
  /** mean minibatch loss over the iterations since the node's previous report */
  readonly localLoss?: number | null;
  /** cumulative payload bytes this node sent, self excluded */
  readonly bytesSent?: number | null;
  /** frames this node rejected so far, all reasons */
  readonly rejectedFrames?: number | null;
  readonly stepSeconds?: StepTimeSplit | null;
  /** cumulative payload bytes sent to each neighbour, keyed by peer id */
  readonly peerBytes?: Readonly<Record<string, number>> | null;
}

/** Drops malformed stats (they come from another module's event) instead of trusting them. */
export function isNodeStats(v: unknown): v is NodeStats {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return Number.isSafeInteger(s.nodeId) && (s.nodeId as number) >= 0 && typeof s.iter === 'number' && Number.isFinite(s.iter);
}

export class NodeStatsBook {
  private runId: string | null = null;
  private readonly byNode = new Map<number, NodeStats>();

  /** Merges `stats` into the node's entry (absent fields keep their previous values). */
  update(runId: string, stats: NodeStats): void {
    if (runId !== this.runId) {
      this.runId = runId;
      this.byNode.clear();
    }
    const prev = this.byNode.get(stats.nodeId);
    const merged: Record<string, unknown> = { ...prev };
    for (const [k, v] of Object.entries(stats)) if (v !== undefined) merged[k] = v;
    this.byNode.set(stats.nodeId, merged as unknown as NodeStats);
  }

  /** Latest stats of every node of `runId`, by node id (empty for another run). */
  list(runId: string): NodeStats[] {
    if (runId !== this.runId) return [];
    return [...this.byNode.values()].sort((a, b) => a.nodeId - b.nodeId);
  }
}
