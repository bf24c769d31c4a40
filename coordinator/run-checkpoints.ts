/**
 * The coordinator's side of cluster checkpoints (docs/resume.md "Cluster"). Each node sends
 * `checkpointed` once its checkpoint of round R is durable; when all n have, the coordinator writes
 * coordinator-r<R>.ckpt into <run folder>/checkpoints (rows with iter ≤ R and the metrics files'
 * bytes, node/checkpoint/coordinator-state.ts). Round R is resumable from then on: the reports of
 * every iteration ≤ R came before each node's `checkpointed` on its ordered control channel, so all
 * rows up to R are already aggregated.
 */
import type { FrozenConfig } from '../node/config/schema.ts';
import { configHash } from '../node/checkpoint/config-hash.ts';
import { coordinatorEntries } from '../node/checkpoint/coordinator-state.ts';
import { COORDINATOR_STREAM } from '../node/checkpoint/node-state.ts';
import { CheckpointWriter, DEFAULT_KEEP } from '../node/checkpoint/store.ts';
import { ProxmeshError } from '../node/errors.ts';
import type { MetricsRow } from '../node/eval/aggregate-reports.ts';

export interface CoordinatorCheckpointWritten {
  readonly round: number;
  readonly bytes: number;
  readonly blockingMs: number;
  readonly durableMs: number;
}

export interface CoordinatorCheckpoints {
  /** Node `node`'s checkpoint of `round` is durable; writes the coordinator's when it is the last. */
  nodeDurable(node: number, round: number, rows: readonly MetricsRow[]): Promise<void>;
  /** Waits for the write in flight. */
  flush(): Promise<void>;
}

/** null when the run has checkpointEvery = 0. */
export function createCoordinatorCheckpoints(config: FrozenConfig, dir: string, n: number, onWritten: (w: CoordinatorCheckpointWritten) => void): CoordinatorCheckpoints | null {
  const every = config.checkpointEvery ?? 0;
  if (every === 0) return null;
  const hash = configHash(config);
  const simTime = config.network !== undefined;
  const seen = new Map<number, Set<number>>();
  let queue: Promise<void> = Promise.resolve();
  const writer = new CheckpointWriter(dir, COORDINATOR_STREAM, DEFAULT_KEEP, (w) => {
    onWritten({ round: Number(/-r(\d+)\.ckpt$/.exec(w.file)![1]), bytes: w.bytes, blockingMs: w.blockingMs, durableMs: w.durableMs });
  });
  return {
    async nodeDurable(node, round, rows) {
      if (round % every !== 0 || node >= n) {
        throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `node ${node} reported a checkpoint of round ${round}, which is not a multiple of checkpointEvery = ${every}`, { node, round });
      }
      let nodes = seen.get(round);
      if (nodes === undefined) seen.set(round, (nodes = new Set()));
      nodes.add(node);
      if (nodes.size < n) return;
      seen.delete(round);
      // One write at a time, in round order (CheckpointWriter is not re-entrant).
      const next = queue.then(() => writer.write({ kind: 'coordinator', firstNode: 0, nodeCount: 0, round, configHash: hash }, () => coordinatorEntries(rows, round, { simTime })));
      queue = next.catch(() => {});
      await next;
    },
    flush: async () => {
      await queue;
      await writer.flush();
    },
  };
}
