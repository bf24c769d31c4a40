/**
 * `proxmesh data list | pull NAME... | verify [NAME...]`: the named datasets on this machine.
 * Folders and variables: node/problem/datasets/paths.ts (PROXMESH_DATASETS, PROXMESH_DATASETS_PATH)
 * and node/data/pull.ts (PROXMESH_DATA_MIRROR).
 */
import type { Command } from 'commander';
import { ProxmeshError } from '../errors.ts';
import { mirrorBase, pullDataset } from '../data/pull.ts';
import { locateDataset, verifyDataset } from '../data/verify.ts';
import { CATALOG, type CatalogEntry } from '../problem/datasets/catalog.ts';
import { DATASET_NAMES, type DatasetName } from '../problem/datasets/names.ts';
import { datasetCacheDir, datasetSearchDirs } from '../problem/datasets/paths.ts';
import type { CliIo } from './io.ts';

export interface DataContext {
  readonly env: NodeJS.ProcessEnv;
  readonly io: CliIo;
  readonly signal?: AbortSignal;
}

function known(name: string): DatasetName {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')}); see proxmesh data list`);
  }
  return name as DatasetName;
}

const mb = (e: CatalogEntry) => `${(Object.values(e.files).reduce((s, f) => s + f.bytes, 0) / 1e6).toFixed(1)} MB`;

function sourceLabel(e: CatalogEntry, mirror: string | undefined): string {
  if (mirror !== undefined) return `mirror ${mirror}`;
  const urls = Object.values(e.files).map((f) => f.source?.url);
  if (urls.some((u) => u === undefined)) return 'mirror only (PROXMESH_DATA_MIRROR)';
  const repo = (u: string) => new URL(u).pathname.split('/').slice(1, 3).join('/');
  return [...new Set(urls.map((u) => `${new URL(u!).host}/${repo(u!)}`))].join(', ');
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return `${rows.map((r) => r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(w[j]))).join('  ')).join('\n')}\n`;
}

export function dataList(ctx: DataContext, json: boolean): number {
  const dirs = datasetSearchDirs({ env: ctx.env });
  const mirror = mirrorBase(ctx.env.PROXMESH_DATA_MIRROR);
  const rows = DATASET_NAMES.map((name) => {
    const e = CATALOG[name];
    const found = locateDataset(e, dirs);
    const n = found.filter((f) => f.path !== null).length;
    const state = n === found.length ? 'present' : n === 0 ? 'missing' : `partial (${n}/${found.length})`;
    return { name, state, size: mb(e), source: sourceLabel(e, mirror), origin: e.origin, files: found };
  });
  if (json) ctx.io.stdout.write(`${JSON.stringify({ cache: datasetCacheDir({ env: ctx.env }), searched: dirs, datasets: rows })}\n`);
  else {
    ctx.io.stdout.write(table([['NAME', 'STATE', 'SIZE', 'SOURCE'], ...rows.map((r) => [r.name, r.state, r.size, r.source])]));
    ctx.io.stdout.write(
      `cache: ${datasetCacheDir({ env: ctx.env })}\nsearched: ${dirs.join(', ')}\nfetch one with: proxmesh data pull NAME\n`,
    );
  }
  return 0;
}

export async function dataPull(ctx: DataContext, names: readonly string[]): Promise<number> {
  const list = names.map(known);
  const opts = {
    cacheDir: datasetCacheDir({ env: ctx.env }),
    dirs: datasetSearchDirs({ env: ctx.env }),
    mirror: mirrorBase(ctx.env.PROXMESH_DATA_MIRROR),
    log: (line: string) => ctx.io.stderr.write(`${line}\n`),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  for (const name of list) {
    for (const r of await pullDataset(name, CATALOG[name], opts)) {
      ctx.io.stdout.write(`${name}  ${r.rel}  ${r.state === 'present' ? `present (verified) at ${r.path}` : `pulled to ${r.path}`}\n`);
    }
  }
  return 0;
}

export function dataVerify(ctx: DataContext, names: readonly string[], json: boolean): number {
  const dirs = datasetSearchDirs({ env: ctx.env });
  const explicit = names.length > 0;
  const list = explicit ? names.map(known) : [...DATASET_NAMES];
  const results = list.map((name) => ({ name, files: verifyDataset(CATALOG[name], dirs) }));
  if (json) ctx.io.stdout.write(`${JSON.stringify({ searched: dirs, datasets: results })}\n`);
  else {
    const rows = results.flatMap((d) => d.files.map((f) => [d.name, f.rel, f.state, f.path ?? '-']));
    ctx.io.stdout.write(table([['NAME', 'FILE', 'STATE', 'PATH'], ...rows]));
  }
  const corrupt = results.flatMap((d) => d.files.filter((f) => f.state === 'corrupt').map((f) => ({ name: d.name, ...f })));
  if (corrupt.length > 0) {
    const c = corrupt[0];
    throw new ProxmeshError(
      'PROXMESH_ERR_DATASET_CHECKSUM',
      `${corrupt.length} file(s) fail the SHA-256 check, first ${c.path} (${c.why}); replace it with: proxmesh data pull ${[...new Set(corrupt.map((x) => x.name))].join(' ')}`,
      { files: corrupt.map((x) => x.path) },
    );
  }
  // Named explicitly and absent is an error; with no names, absent datasets are only listed.
  const missing = explicit ? results.filter((d) => d.files.some((f) => f.state === 'missing')).map((d) => d.name) : [];
  if (missing.length > 0) {
    throw new ProxmeshError(
      'PROXMESH_ERR_DATASET_MISSING',
      `not present: ${missing.join(', ')}; fetch with: proxmesh data pull ${missing.join(' ')}`,
      { datasets: missing },
    );
  }
  return 0;
}

/** Adds `data` under the program (subcommands inherit its exit and output settings). */
export function registerDataCommand(program: Command, io: CliIo, setStatus: (s: number) => void): void {
  const ctx = (): DataContext => ({ env: process.env, io });
  const data = program.command('data').description('Named datasets: list them, pull (download and SHA-256 check) into the cache, verify.');
  data
    .command('list')
    .description('Each named dataset: present or missing, size, source.')
    .option('--json', 'machine-readable output')
    .action((opts) => setStatus(dataList(ctx(), opts.json === true)));
  data
    .command('pull')
    .description('Download datasets into $PROXMESH_DATASETS (default: the user cache folder), checked against their SHA-256.')
    .argument('<names...>', 'dataset names (see data list)')
    .action(async (names: string[]) => setStatus(await dataPull(ctx(), names)));
  data
    .command('verify')
    .description('Check the SHA-256 of the dataset files a run would read (all present datasets by default).')
    .argument('[names...]', 'dataset names (default: all)')
    .option('--json', 'machine-readable output')
    .action((names: string[], opts) => setStatus(dataVerify(ctx(), names, opts.json === true)));
}
