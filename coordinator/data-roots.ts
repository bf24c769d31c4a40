/**
 * Which files a run submitted over HTTP may read (issue 16). The CLI reads any path its user gives;
 * a POST /runs comes from the network, and its config is read by the coordinator and every worker,
 * so each path-like key must resolve — symlinks followed — inside one of the configured data roots.
 * Anything else is PROXMESH_ERR_PATH_FORBIDDEN naming the key, whether or not the file exists (the
 * answer must not become a probe of the host's file system).
 *
 * Roots: PROXMESH_DATA_ROOTS (a list separated by the platform's path delimiter, ':' on POSIX), by
 * default the shipped data/ folder. Named datasets are resolved by the server from its own search
 * folders and need no root.
 */
import { realpathSync } from 'node:fs';
import { delimiter, isAbsolute, relative, resolve, sep } from 'node:path';
import { ProxmeshError } from '../node/errors.ts';
import { REPO_DATA_DIR } from '../node/problem/datasets/paths.ts';

/** The data roots from the environment, or the shipped data folder. */
export function dataRootsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (env.PROXMESH_DATA_ROOTS ?? '')
    .split(delimiter)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return list.length > 0 ? list.map((r) => resolve(r)) : [REPO_DATA_DIR];
}

/** The JSON pointers of every key that names a file, with their values. */
export function pathKeysOf(config: unknown): { key: string; value: unknown }[] {
  const c = config as { problem?: { dataset?: Record<string, unknown> }; topology?: Record<string, unknown> } | null;
  const out: { key: string; value: unknown }[] = [];
  const ds = c?.problem?.dataset;
  for (const k of ['path', 'labelsPath', 'testPath', 'testLabelsPath']) {
    if (ds && ds[k] !== undefined) out.push({ key: `/problem/dataset/${k}`, value: ds[k] });
  }
  if (c?.topology && c.topology.file !== undefined) out.push({ key: '/topology/file', value: c.topology.file });
  const links = (c as { network?: { links?: { kind?: unknown; path?: unknown } } } | null)?.network?.links;
  if (links?.kind === 'file' && links.path !== undefined) out.push({ key: '/network/links/path', value: links.path });
  return out;
}

/** The real path of `p`, or of its deepest existing ancestor joined with the rest (p need not exist). */
function realish(p: string): string {
  const abs = resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return resolve(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = resolve(head, '..');
      if (parent === head) return abs;
      tail.push(relative(parent, head));
      head = parent;
    }
  }
}

function inside(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/**
 * Throws PROXMESH_ERR_PATH_FORBIDDEN for the first path-like key outside every root. Relative paths
 * resolve against the coordinator's working directory, as the dataset loader resolves them.
 */
export function checkConfigPaths(config: unknown, roots: readonly string[]): void {
  const realRoots = roots.map(realish);
  for (const { key, value } of pathKeysOf(config)) {
    const ok = typeof value === 'string' && value !== '' && !value.includes('\0') && realRoots.some((r) => inside(realish(value), r));
    if (!ok) {
      throw new ProxmeshError(
        'PROXMESH_ERR_PATH_FORBIDDEN',
        `config ${key}: a run submitted over HTTP may read only files under the data roots (PROXMESH_DATA_ROOTS); ` +
          'put the file there, or use a named dataset',
        { path: key },
      );
    }
  }
}
