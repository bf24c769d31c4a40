/**
 * The newest usable coordinator checkpoint of a run folder: what a self-healing coordinator rolls
 * its run back to when a worker is lost, and what a restarted standalone coordinator resumes from
 * (docs/resume.md "Self-healing"). A coordinator checkpoint of round R exists only once every node's
 * checkpoint of R was durable (coordinator/run-checkpoints.ts), and the workers keep their files
 * from the previous committed round on, so every node can restore R.
 */
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import { listCheckpoints, readCheckpoint, type CheckpointFile } from '../checkpoint/store.ts';
import type { Checkpoint } from '../checkpoint/format.ts';
import { restoreCoordinator, type CoordinatorSnapshot } from './coordinator-state.ts';
import { COORDINATOR_STREAM } from './node-state.ts';
import { configHash } from './config-hash.ts';

export interface CoordinatorResumePoint extends CoordinatorSnapshot {
  /** Iterations completed at the checkpoint; the nodes continue with step k = round. */
  readonly round: number;
  readonly file: string;
}

export interface NewestCoordinatorCheckpoint {
  /** null: no usable checkpoint (none written yet, or all refused): the run starts again from k = 0. */
  readonly point: CoordinatorResumePoint | null;
  /** Newer files refused, newest first, each with its coded error. */
  readonly refused: readonly ProxmeshError[];
}

const REFUSALS = ['PROXMESH_ERR_CHECKPOINT_CORRUPT', 'PROXMESH_ERR_CHECKPOINT_CONFIG', 'PROXMESH_ERR_CHECKPOINT_MISMATCH'];

/** Reads and verifies a coordinator file: a coordinator checkpoint of the round its name says, or PROXMESH_ERR_CHECKPOINT_CORRUPT. */
export function readCoordinatorCheckpoint(f: CheckpointFile, hash: string): Checkpoint {
  const ckpt = readCheckpoint(f.file, hash);
  if (ckpt.header.kind !== 'coordinator' || ckpt.header.round !== f.round) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CHECKPOINT_CORRUPT',
      `checkpoint ${f.file} is unusable: it is a ${ckpt.header.kind} checkpoint of round ${ckpt.header.round}`,
      { file: f.file },
    );
  }
  return ckpt;
}

export function newestCoordinatorCheckpoint(runDir: string, config: FrozenConfig): NewestCoordinatorCheckpoint {
  const hash = configHash(config);
  const refused: ProxmeshError[] = [];
  for (const f of listCheckpoints(runDir, COORDINATOR_STREAM)) {
    if (f.round >= config.iterations) continue; // never written (nothing to resume at K); a stray file
    try {
      const ckpt = readCoordinatorCheckpoint(f, hash);
      return { point: { round: f.round, file: f.file, ...restoreCoordinator(ckpt.entries) }, refused };
    } catch (err) {
      if (!(err instanceof ProxmeshError) || !REFUSALS.includes(err.code)) throw err;
      refused.push(err);
    }
  }
  return { point: null, refused };
}
