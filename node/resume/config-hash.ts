/**
 * The config hash a checkpoint carries: SHA-256 of the canonical JSON (keys sorted at every level)
 * of the resolved config WITHOUT the keys that cannot change results:
 *   - `checkpointEvery`: checkpoints only read state (capture draws no random number), so a run
 *     checkpointed every 10 iterations, every 1000 or never produces the same bytes;
 *   - `output`: where the run folder goes (`--resume` names the folder explicitly).
 * Every other key (seed, algorithm, data, topology, metrics options, …) is in the hash, so a
 * checkpoint is only ever restored into the run that wrote it.
 */
import { createHash } from 'node:crypto';
import type { FrozenConfig } from '../config/schema.ts';

/** Top-level keys left out of the hash (docs/resume.md "config hash"). */
export const HASH_EXCLUDED_KEYS: readonly string[] = ['checkpointEvery', 'output'];

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** 64 hex digits. */
export function configHash(config: FrozenConfig): string {
  const kept = Object.fromEntries(Object.entries(config).filter(([k]) => !HASH_EXCLUDED_KEYS.includes(k)));
  return createHash('sha256').update('proxmesh/config/1\0').update(canonical(kept), 'utf8').digest('hex');
}
