/**
 * Where dataset files live. Shipped small files are in the repository's `data/` folder (resolved from
 * this module's URL, so the CLI works from any cwd); the large ones (Fashion-MNIST, MNIST, w8a,
 * ijcnn1…) are read in place from a shared folder and never copied into the repository.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../runtime/package-root.ts';

/** The package root (the same from the sources and from the compiled dist/ tree). */
export const REPO_ROOT = PACKAGE_ROOT;

/** The repository's shipped data folder. */
export const REPO_DATA_DIR = join(REPO_ROOT, 'data');

/**
 * Folders searched, in order, for a dataset's relative file path (e.g. `fashion-mnist/train-…gz`):
 * `$PROXMESH_DATASETS` if set, the repo's `data/`, `<repo>/../shared/datasets`, `/work/shared/datasets`,
 * and `/usr/share/datasets` (Debian's `dataset-fashion-mnist` installs there).
 */
export function datasetSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.PROXMESH_DATASETS) dirs.push(resolve(env.PROXMESH_DATASETS));
  dirs.push(REPO_DATA_DIR, resolve(REPO_ROOT, '..', 'shared', 'datasets'), '/work/shared/datasets', '/usr/share/datasets');
  return [...new Set(dirs)];
}

/** The first existing `dir/rel` over the search folders, or null. */
export function findDataFile(rel: string, dirs: readonly string[] = datasetSearchDirs()): string | null {
  for (const d of dirs) {
    const p = join(d, rel);
    if (existsSync(p)) return p;
  }
  return null;
}
