/**
 * `proxmesh run --resume RUN_DIR`: checks the folder (checkResumeFolder, nothing written) and finds
 * the newest round R that the coordinator AND every node have a usable checkpoint of (docs/resume.md
 * "Cluster"). Coordinator rounds are tried newest first; a round is skipped when its coordinator
 * file or any node's file of that round is missing, truncated, has a bad checksum or another config
 * hash, and each refusal is returned so the caller can say it fell back.
 *
 * The node files are read here from the run folder (the local cluster's workers write there); a
 * worker reads its own file again when it restores.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import { runNodeCount } from '../assemble/assemble.ts';
import { restoreCoordinator, type CoordinatorSnapshot } from '../resume/coordinator-state.ts';
import { COORDINATOR_STREAM, nodeStream } from '../resume/node-state.ts';
import { readCoordinatorCheckpoint } from '../resume/coordinator-resume.ts';
import { checkResumeFolder } from '../resume/sim-resume.ts';
import { checkpointDir, checkpointFileName, listCheckpoints, readCheckpoint } from '../checkpoint/store.ts';

export interface ClusterResumePlan {
  readonly dir: string;
  readonly config: FrozenConfig;
  /** The common round: iterations completed; the nodes continue with step k = round. */
  readonly round: number;
  readonly coordinator: CoordinatorSnapshot;
  /** The coordinator file used. */
  readonly file: string;
  /** Newer rounds refused, newest first, each with its coded error. */
  readonly refused: readonly ProxmeshError[];
}

/** The newest round every part has; `nodeDir` is where the nodes' checkpoints are (default the run folder). */
export function findCommonRound(
  runDir: string,
  config: FrozenConfig,
  hash: string,
  nodeDir = runDir,
): Omit<ClusterResumePlan, 'dir' | 'config'> {
  const n = runNodeCount(config);
  const files = listCheckpoints(runDir, COORDINATOR_STREAM).filter((f) => f.round < config.iterations);
  if (files.length === 0) {
    throw new ProxmeshError(
      'PROXMESH_ERR_RESUME',
      `no checkpoint '${COORDINATOR_STREAM}' in ${checkpointDir(runDir)}; the run had checkpointEvery = 0 or stopped before its first checkpoint: start it again without --resume`,
      { dir: runDir, stream: COORDINATOR_STREAM },
    );
  }
  const refused: ProxmeshError[] = [];
  for (const f of files) {
    try {
      const ckpt = readCoordinatorCheckpoint(f, hash);
      for (let i = 0; i < n; i++) {
        const file = join(checkpointDir(nodeDir), checkpointFileName(nodeStream(i), f.round));
        if (!existsSync(file)) {
          throw new ProxmeshError('PROXMESH_ERR_RESUME', `round ${f.round} is not resumable: node ${i} has no checkpoint ${file}`, {
            file,
            node: i,
            round: f.round,
          });
        }
        const h = readCheckpoint(file, hash).header;
        if (h.kind !== 'node' || h.firstNode !== i || h.round !== f.round) {
          throw new ProxmeshError(
            'PROXMESH_ERR_CHECKPOINT_CORRUPT',
            `checkpoint ${file} is unusable: it is a ${h.kind} checkpoint of node ${h.firstNode} at round ${h.round}`,
            { file },
          );
        }
      }
      return { round: f.round, coordinator: restoreCoordinator(ckpt.entries), file: f.file, refused };
    } catch (err) {
      if (
        !(err instanceof ProxmeshError) ||
        ![
          'PROXMESH_ERR_CHECKPOINT_CORRUPT',
          'PROXMESH_ERR_CHECKPOINT_CONFIG',
          'PROXMESH_ERR_CHECKPOINT_MISMATCH',
          'PROXMESH_ERR_RESUME',
        ].includes(err.code)
      )
        throw err;
      refused.push(err);
    }
  }
  const allConfig = refused.every((e) => e.code === 'PROXMESH_ERR_CHECKPOINT_CONFIG');
  throw new ProxmeshError(
    allConfig ? 'PROXMESH_ERR_CHECKPOINT_CONFIG' : 'PROXMESH_ERR_RESUME',
    `no round that the coordinator and all ${n} nodes have a usable checkpoint of in ${checkpointDir(runDir)}: ${refused.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
    { dir: runDir, refused: refused.map((e) => e.toJSON()) },
  );
}

export function prepareClusterResume(runDir: string, given?: FrozenConfig): ClusterResumePlan {
  const { config, hash } = checkResumeFolder(runDir, given, { allowFailed: true });
  return { dir: runDir, config, ...findCommonRound(runDir, config, hash) };
}
