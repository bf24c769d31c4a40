/**
 * `proxmesh sim --resume RUN_DIR`: checks the folder and finds the checkpoint to continue from,
 * BEFORE anything is written. Refusals (PROXMESH_ERR_RESUME, PROXMESH_ERR_CHECKPOINT_CONFIG) leave
 * the folder untouched:
 *   - no folder, or no config.json in it;
 *   - summary.json exists (the run finished);
 *   - a config given beside --resume whose hash differs from the folder's config.json;
 *   - no checkpoint, or none that decodes, verifies and matches the config hash.
 * Newer checkpoints that were refused (truncated, flipped byte, other config) are returned in
 * `loaded.refused`, so the caller can say it fell back to an older one.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import { configHash } from './config-hash.ts';
import { loadNewestValid, type Loaded } from '../checkpoint/store.ts';

export interface SimResumePlan {
  readonly dir: string;
  /** The run's own config (its config.json). */
  readonly config: FrozenConfig;
  readonly loaded: Loaded;
}

/**
 * The checks every --resume makes before touching anything: the folder, its config.json, a run that
 * has not finished, and a --config that matches. `allowFailed`: a summary.json whose status is
 * 'failed' (a cluster run the coordinator recorded as failed) may be resumed.
 */
export function checkResumeFolder(
  runDir: string,
  given: FrozenConfig | undefined,
  opts: { readonly allowFailed?: boolean } = {},
): { config: FrozenConfig; hash: string } {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new ProxmeshError(
      'PROXMESH_ERR_RESUME',
      `--resume ${runDir}: no such run folder; give the folder a run with checkpointEvery > 0 wrote`,
      { field: 'resume', dir: runDir },
    );
  }
  const configFile = join(runDir, 'config.json');
  if (!existsSync(configFile)) {
    throw new ProxmeshError(
      'PROXMESH_ERR_RESUME',
      `--resume ${runDir}: no config.json, so this is not a run folder; give the folder a run wrote`,
      { field: 'resume', dir: runDir },
    );
  }
  const summaryFile = join(runDir, 'summary.json');
  if (existsSync(summaryFile) && !(opts.allowFailed === true && failedSummary(summaryFile))) {
    throw new ProxmeshError(
      'PROXMESH_ERR_RESUME',
      `--resume ${runDir}: the run already finished (summary.json exists); nothing to resume`,
      { field: 'resume', dir: runDir },
    );
  }
  const config = loadConfig(configFile);
  const hash = configHash(config);
  if (given !== undefined && configHash(given) !== hash) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CHECKPOINT_CONFIG',
      `--resume ${runDir}: the run folder was written with another config than --config (hashes ${hash.slice(0, 12)}… and ${configHash(given).slice(0, 12)}…); drop --config to resume with the folder's own config.json`,
      { field: 'config', dir: runDir },
    );
  }
  return { config, hash };
}

/** A summary.json whose status is 'failed' (a cluster run the coordinator recorded as failed); unreadable: false. */
export function failedSummary(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { status?: unknown }).status === 'failed';
  } catch {
    return false;
  }
}

export function prepareSimResume(runDir: string, given?: FrozenConfig): SimResumePlan {
  const { config, hash } = checkResumeFolder(runDir, given);
  return { dir: runDir, config, loaded: loadNewestValid(runDir, 'sim', hash) };
}
