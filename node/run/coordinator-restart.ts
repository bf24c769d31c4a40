/**
 * A standalone coordinator that starts with a config and a run id whose folder already exists was
 * restarted mid-run (a rescheduled pod, a crashed container): it continues the run from its newest
 * coordinator checkpoint instead of starting it again (docs/resume.md "Self-healing"). The workers,
 * which stay up and dial their coordinator again, restore their nodes' files of the same round.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import type { ResumeSpec } from '../../coordinator/run-types.ts';
import { configHash } from '../resume/config-hash.ts';
import { loadConfig } from '../config/load.ts';
import { newestCoordinatorCheckpoint } from '../resume/coordinator-resume.ts';
import { listCheckpoints } from '../checkpoint/store.ts';
import { COORDINATOR_STREAM } from '../resume/node-state.ts';
import { failedSummary } from '../resume/sim-resume.ts';

export type RestartPoint =
  /** No folder of this run yet, or nothing to resume from in it: the run starts at k = 0. */
  | { readonly kind: 'fresh'; readonly note: string | null; readonly refused: readonly ProxmeshError[] }
  /** The run finished before the restart (summary.json with status done): nothing to run. */
  | { readonly kind: 'finished' }
  | { readonly kind: 'resume'; readonly resume: ResumeSpec; readonly refused: readonly ProxmeshError[] };

export function restartPoint(runDir: string, config: FrozenConfig): RestartPoint {
  const configFile = join(runDir, 'config.json');
  if (!existsSync(configFile)) return { kind: 'fresh', note: null, refused: [] };
  const written = configHash(loadConfig(configFile));
  if (written !== configHash(config)) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CHECKPOINT_CONFIG',
      `run folder ${runDir} holds a run of another config (hashes ${written.slice(0, 12)}… and ${configHash(config).slice(0, 12)}…); give this run another PROXMESH_RUN_ID, or remove the folder to start over`,
      { field: 'PROXMESH_RUN_ID', dir: runDir },
    );
  }
  const summary = join(runDir, 'summary.json');
  if (existsSync(summary) && !failedSummary(summary)) return { kind: 'finished' };
  const { point, refused } = newestCoordinatorCheckpoint(runDir, config);
  if (point === null) {
    return {
      kind: 'fresh',
      note:
        (config.checkpointEvery ?? 0) > 0
          ? `no usable coordinator checkpoint in ${runDir}: the run starts again from iteration 0`
          : `checkpointEvery = 0: the run in ${runDir} starts again from iteration 0`,
      refused,
    };
  }
  return { kind: 'resume', resume: { round: point.round, rows: point.rows, files: point.files, clock: point.clock }, refused };
}

/**
 * Without PROXMESH_RUN_ID a restarted coordinator would make up a new run id, and so a new folder
 * (a Kubernetes Deployment sets no run id): it takes instead the run folder in `runsDir` that holds
 * an unfinished run of this very config (same config hash, no summary.json or a failed one) with at
 * least one coordinator checkpoint, the most recently checkpointed if several. null: none.
 */
export function unfinishedRunOf(runsDir: string, config: FrozenConfig): string | null {
  if (!existsSync(runsDir)) return null;
  const hash = configHash(config);
  let best: { id: string; mtime: number } | null = null;
  for (const entry of readdirSync(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(runsDir, entry.name);
    const files = listCheckpoints(dir, COORDINATOR_STREAM);
    if (files.length === 0 || !existsSync(join(dir, 'config.json'))) continue;
    const summary = join(dir, 'summary.json');
    if (existsSync(summary) && !failedSummary(summary)) continue;
    try {
      if (configHash(loadConfig(join(dir, 'config.json'))) !== hash) continue;
    } catch {
      continue; // not a readable run config: not this run
    }
    const mtime = statSync(files[0].file).mtimeMs;
    if (best === null || mtime > best.mtime) best = { id: entry.name, mtime };
  }
  return best?.id ?? null;
}
