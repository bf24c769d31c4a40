/** `proxmesh data verify` and `list`: the state of each named dataset's files where the loader finds them. */
import type { CatalogEntry } from '../problem/datasets/catalog.ts';
import { findDataFile } from '../problem/datasets/paths.ts';
import { checkFile, type Match } from './check.ts';

export interface FileState {
  readonly rel: string;
  /** The first copy over the search folders (the one a run reads), or null. */
  readonly path: string | null;
  readonly state: 'ok' | 'missing' | 'corrupt';
  readonly match?: Match;
  readonly why?: string;
}

/** Checks each file's first copy over `dirs` (SHA-256 reads every byte: use `list` for a quick look). */
export function verifyDataset(entry: CatalogEntry, dirs: readonly string[]): FileState[] {
  return Object.values(entry.files).map((f) => {
    const path = findDataFile(f.rel, dirs);
    if (path === null) return { rel: f.rel, path, state: 'missing' };
    const r = checkFile(path, f);
    return r.match !== null
      ? { rel: f.rel, path, state: 'ok', match: r.match }
      : { rel: f.rel, path, state: 'corrupt', ...(r.why ? { why: r.why } : {}) };
  });
}

/** Where each file is found, without hashing. */
export function locateDataset(entry: CatalogEntry, dirs: readonly string[]): Array<{ rel: string; path: string | null }> {
  return Object.values(entry.files).map((f) => ({ rel: f.rel, path: findDataFile(f.rel, dirs) }));
}
