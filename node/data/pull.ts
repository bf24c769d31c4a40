/**
 * `proxmesh data pull`: fetch a named dataset's files into the dataset cache, atomically.
 *
 * Each file is downloaded to a temporary name in the cache folder (same file system, so the final
 * rename is atomic), checked against catalog.ts, converted if the source serves plain text, and only
 * then renamed into place. A refused or failed download removes its temporary file, so the cache
 * never holds a half-written or unverified file under a dataset's name.
 *
 * With PROXMESH_DATA_MIRROR set, every file is fetched from `<mirror>/<rel>` (a copy of the dataset
 * folder layout, e.g. a static server over a shared datasets folder) and must match the reference
 * SHA-256 exactly; without it, from the file's canonical source.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ProxmeshError } from '../errors.ts';
import type { CatalogEntry, DataFile, Source } from '../problem/datasets/catalog.ts';
import { findDataFile } from '../problem/datasets/paths.ts';
import { checkFile, contentHash } from './check.ts';
import { type Downloaded, downloadTo } from './download.ts';

export interface PullOptions {
  /** Where pulled files go (datasetCacheDir()). */
  readonly cacheDir: string;
  /** Folders already holding data (datasetSearchDirs()); a verified copy there is not fetched again. */
  readonly dirs: readonly string[];
  /** Base URL replacing every canonical source (PROXMESH_DATA_MIRROR). */
  readonly mirror?: string | undefined;
  readonly signal?: AbortSignal;
  /** One line per file, for progress. */
  readonly log?: (line: string) => void;
}

export type FileOutcome =
  | { readonly rel: string; readonly state: 'present'; readonly path: string }
  | { readonly rel: string; readonly state: 'pulled'; readonly path: string; readonly url: string };

/** Validates PROXMESH_DATA_MIRROR and strips trailing slashes. */
export function mirrorBase(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ProxmeshError(
      'PROXMESH_ERR_USAGE',
      `PROXMESH_DATA_MIRROR must be an http(s) URL such as http://host:8000/datasets (got '${value}')`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `PROXMESH_DATA_MIRROR must be an http(s) URL (got protocol '${u.protocol}')`);
  }
  return value.replace(/\/+$/, '');
}

function sourceOf(name: string, f: DataFile, mirror: string | undefined): Source {
  if (mirror !== undefined) return { url: `${mirror}/${f.rel}`, form: 'same' };
  if (f.source === null) {
    throw new ProxmeshError(
      'PROXMESH_ERR_DATASET_DOWNLOAD',
      `dataset '${name}': ${f.rel} has no canonical source Node can read (the original is bzip2); set PROXMESH_DATA_MIRROR to a server holding ${f.rel}, or copy the file into the dataset cache`,
      { dataset: name, file: f.rel },
    );
  }
  return f.source;
}

/** The most bytes a source may send for this file. */
function maxBytes(f: DataFile, form: Source['form']): number {
  if (form === 'same') return f.bytes;
  const raw = f.content?.bytes ?? f.bytes;
  // A gzip of incompressible data grows by at most ~0.03% plus a header; 64 KiB covers any file here.
  return form === 'raw' ? raw : raw + 65_536;
}

function checksumError(name: string, f: DataFile, url: string, what: string): ProxmeshError {
  return new ProxmeshError(
    'PROXMESH_ERR_DATASET_CHECKSUM',
    `dataset '${name}': ${url} served a file that does not match ${f.rel} (${what}); it was refused and nothing was written. Retry, or check the source or PROXMESH_DATA_MIRROR`,
    { dataset: name, file: f.rel, url },
  );
}

/** Prefixes a download error with the dataset and file it was for (the downloader knows only the URL). */
function inContext(name: string, f: DataFile, e: unknown): unknown {
  if (!(e instanceof ProxmeshError)) return e;
  const refused = e.code === 'PROXMESH_ERR_DATASET_CHECKSUM' ? '; it was refused and nothing was written' : '';
  return new ProxmeshError(e.code, `dataset '${name}': ${f.rel}: ${e.message}${refused}`, { dataset: name, file: f.rel, ...e.detail });
}

/** Verifies the downloaded temp file for its source form and leaves the final bytes in `tmp`. */
function acceptDownload(name: string, f: DataFile, src: Source, tmp: string, got: { sha256: string; bytes: number }): void {
  if (src.form === 'same') {
    if (got.sha256 !== f.sha256 || got.bytes !== f.bytes)
      throw checksumError(name, f, src.url, `SHA-256 ${got.sha256}, ${got.bytes} bytes; expected ${f.sha256}, ${f.bytes} bytes`);
    return;
  }
  const content = f.content;
  if (!content) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `catalog: ${f.rel} has form ${src.form} but no content identity`);
  if (src.form === 'raw') {
    if (got.sha256 !== content.sha256) throw checksumError(name, f, src.url, `SHA-256 ${got.sha256}, expected ${content.sha256}`);
    writeFileSync(tmp, gzipSync(readFileSync(tmp), { level: 9 }));
    return;
  }
  const c = contentHash(readFileSync(tmp), content);
  if (!('sha256' in c)) throw checksumError(name, f, src.url, c.why);
  if (c.sha256 !== content.sha256) throw checksumError(name, f, src.url, `content SHA-256 ${c.sha256}, expected ${content.sha256}`);
}

async function pullFile(name: string, f: DataFile, opts: PullOptions): Promise<FileOutcome> {
  const existing = findDataFile(f.rel, opts.dirs);
  if (existing !== null && checkFile(existing, f).match !== null) return { rel: f.rel, state: 'present', path: existing };
  const src = sourceOf(name, f, opts.mirror);
  const dest = join(opts.cacheDir, f.rel);
  // The temporary file sits in the cache root: no dataset folder is created until a file is accepted.
  const tmp = join(opts.cacheDir, `.pull-${process.pid}-${randomBytes(6).toString('hex')}.part`);
  try {
    mkdirSync(opts.cacheDir, { recursive: true });
    writeFileSync(tmp, '', { flag: 'wx' });
  } catch (e) {
    throw new ProxmeshError(
      'PROXMESH_ERR_IO',
      `cannot write to the dataset cache ${opts.cacheDir} (${(e as Error).message}); set PROXMESH_DATASETS to a writable folder`,
      { dir: opts.cacheDir },
    );
  }
  try {
    opts.log?.(`${name}: GET ${src.url}`);
    let got: Downloaded;
    try {
      got = await downloadTo(src.url, tmp, { maxBytes: maxBytes(f, src.form), ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (e) {
      throw inContext(name, f, e);
    }
    acceptDownload(name, f, src, tmp, got);
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { rel: f.rel, state: 'pulled', path: dest, url: src.url };
}

/** Pulls every file of one dataset; stops at the first failure (earlier files stay, each verified). */
export async function pullDataset(name: string, entry: CatalogEntry, opts: PullOptions): Promise<FileOutcome[]> {
  const out: FileOutcome[] = [];
  for (const f of Object.values(entry.files)) out.push(await pullFile(name, f, opts));
  return out;
}
