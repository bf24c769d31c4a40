/**
 * A cluster node's checkpoints (docs/resume.md "Cluster"): every `checkpointEvery` rounds the
 * worker writes node-<id>-r<round>.ckpt into <checkpoint dir>/checkpoints (same format and names as
 * the simulator's, kind 'node'), and tells the coordinator once it is durable; on a resume it
 * restores the file of the round the coordinator chose, which must verify (config hash, SHA-256).
 */
import { join } from 'node:path';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import { configHash } from './config-hash.ts';
import { nodeStream, registerNodeState, type NodeStateParts } from './node-state.ts';
import { StateRegistry } from '../checkpoint/state-registry.ts';
import { CheckpointWriter, checkpointDir, checkpointFileName, pruneBefore, readCheckpoint } from '../checkpoint/store.ts';

export interface NodeCheckpointOptions {
  readonly config: FrozenConfig;
  readonly nodeId: number;
  /** The worker's checkpoint folder (PROXMESH_CHECKPOINT_DIR), or null. */
  readonly dir: string | null;
  /** The round to restore (assign.resumeRound), 0 for a fresh start. */
  readonly resumeRound: number;
  readonly parts: NodeStateParts;
  /** Called once the checkpoint of `round` is durable (fsync + rename). */
  readonly onDurable: (round: number) => void;
}

export interface NodeCheckpoints {
  /** Restores the resume round's state (if any); returns the first step k to run. */
  restore(): number;
  /** Writes the checkpoint of round `iter` (iterations completed; the driver picks the rounds, isCheckpointPoint). */
  write(iter: number): Promise<void>;
  /** Waits for the write in flight (before the node reports done). */
  flush(): Promise<void>;
  /** The coordinator committed `round`: delete this node's files older than the previous committed round. */
  committed(round: number): void;
}

/** null when the run neither writes nor resumes checkpoints. */
export function nodeCheckpoints(o: NodeCheckpointOptions): NodeCheckpoints | null {
  const every = o.config.checkpointEvery ?? 0;
  if (every === 0 && o.resumeRound === 0) return null;
  const dir = o.dir;
  if (dir === null) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CONFIG',
      `node ${o.nodeId}: the run has checkpointEvery = ${every}${o.resumeRound > 0 ? ` and resumes at round ${o.resumeRound}` : ''}, but this worker has no checkpoint folder; set PROXMESH_CHECKPOINT_DIR (a volume that survives the worker) or drop checkpointEvery`,
      { field: 'checkpointEvery', node: o.nodeId },
    );
  }
  const hash = configHash(o.config);
  const K = o.config.iterations;
  const registry = new StateRegistry();
  registerNodeState(registry, o.parts);
  const stream = nodeStream(o.nodeId);
  // No count-based pruning: a node may be many checkpoints ahead of the coordinator's commit (its
  // fsync and the control messages lag), so files go only when the coordinator has moved on.
  const writer = new CheckpointWriter(dir, stream, Number.MAX_SAFE_INTEGER, (w) => o.onDurable(Number(/-r(\d+)\.ckpt$/.exec(w.file)![1])));
  let previous = 0;
  return {
    restore() {
      const round = o.resumeRound;
      if (round === 0) return 0;
      const file = join(checkpointDir(dir), checkpointFileName(stream, round));
      const ckpt = readCheckpoint(file, hash);
      const h = ckpt.header;
      if (h.kind !== 'node' || h.firstNode !== o.nodeId || h.nodeCount !== 1 || h.round !== round) {
        throw new ProxmeshError(
          'PROXMESH_ERR_CHECKPOINT_CORRUPT',
          `checkpoint ${file} is unusable: it is a ${h.kind} checkpoint of node ${h.firstNode} at round ${h.round}, expected node ${o.nodeId} at round ${round}`,
          { file },
        );
      }
      if (round >= K)
        throw new ProxmeshError('PROXMESH_ERR_RESUME', `node ${o.nodeId}: resume round ${round} is not before the run's ${K} iterations`);
      registry.restore(ckpt.entries);
      return round;
    },
    write: (iter) =>
      writer.write({ kind: 'node', firstNode: o.nodeId, nodeCount: 1, round: iter, configHash: hash }, () => registry.capture()),
    flush: () => writer.flush(),
    committed(round) {
      // The coordinator keeps its 2 newest files (rounds previous and round): keep every node file from previous on.
      if (previous > 0) pruneBefore(dir, stream, previous);
      previous = Math.max(previous, round);
    },
  };
}
