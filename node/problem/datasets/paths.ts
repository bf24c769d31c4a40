/**
 * Where dataset files live. Shipped small files are in the repository's `data/` folder (resolved from
 * this module's URL, so the CLI works from any cwd). The large ones are fetched once by
 * `proxmesh data pull NAME` into the user's dataset cache and read in place from there.
 *
 * Search order for a file's relative path (e.g. `fashion-mnist/train-images-idx3-ubyte.gz`):
 * 1. the dataset cache: `$PROXMESH_DATASETS`, else `$XDG_CACHE_HOME/proxmesh` or `~/.cache/proxmesh`
 *    (`~/Library/Caches/proxmesh` on macOS, `%LOCALAPPDATA%\proxmesh` on Windows); pulls go here;
 * 2. the repository's `data/`;
 * 3. each folder of `$PROXMESH_DATASETS_PATH` (path-list separated, read only: e.g. a shared copy
 *    of the dataset folder on a lab machine);
 * 4. `/usr/share/datasets`, where Debian's `dataset-fashion-mnist` installs `fashion-mnist/*.gz`
 *    (checked with `dpkg -c` on dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../runtime/package-root.ts';

/** The package root (the same from the sources and from the compiled dist/ tree). */
export const REPO_ROOT = PACKAGE_ROOT;

/** The repository's shipped data folder. */
export const REPO_DATA_DIR = join(REPO_ROOT, 'data');

/** Debian's dataset packages' install root (the layout below it matches ours). */
export const DEBIAN_DATASETS_DIR = '/usr/share/datasets';

export interface PathContext {
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

/** The writable dataset cache that `proxmesh data pull` fills. */
export function datasetCacheDir(ctx: PathContext = {}): string {
  const env = ctx.env ?? process.env;
  if (env.PROXMESH_DATASETS) return resolve(env.PROXMESH_DATASETS);
  const home = ctx.home ?? homedir();
  switch (ctx.platform ?? process.platform) {
    case 'win32':
      return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'proxmesh');
    case 'darwin':
      return join(home, 'Library', 'Caches', 'proxmesh');
    default:
      // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
      return join(env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache'), 'proxmesh');
  }
}

/** Folders searched, in order (see the module comment). */
export function datasetSearchDirs(ctx: PathContext = {}): string[] {
  const env = ctx.env ?? process.env;
  const extra = (env.PROXMESH_DATASETS_PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => resolve(d));
  return [...new Set([datasetCacheDir(ctx), REPO_DATA_DIR, ...extra, DEBIAN_DATASETS_DIR])];
}

/** The first existing `dir/rel` over the search folders, or null. */
export function findDataFile(rel: string, dirs: readonly string[] = datasetSearchDirs()): string | null {
  for (const d of dirs) {
    const p = join(d, rel);
    if (existsSync(p)) return p;
  }
  return null;
}
