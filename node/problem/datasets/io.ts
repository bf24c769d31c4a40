/**
 * Reading a dataset file: existence check with a helpful error, regular files only, a size cap before
 * and after a transparent gunzip (magic 1f 8b). Errors name the file, the line and the rule broken,
 * never the file's bytes (issue 16: a run posted over HTTP must not turn a dataset reader into a
 * file-disclosure oracle).
 */
import { existsSync } from 'node:fs';
import { ProxmeshError } from '../../errors.ts';
import { RegularFileError, readRegularFile } from '../../limits/regular-file.ts';
import { DATASET_NAMES } from './names.ts';

export { isGzip } from '../../limits/regular-file.ts';

/** A PROXMESH_ERR_DATASET naming the file, the 1-based line (if any) and the rule broken. */
export function datasetError(file: string, line: number | null, what: string): ProxmeshError {
  const where = line === null ? file : `${file}:${line}`;
  return new ProxmeshError('PROXMESH_ERR_DATASET', `${where}: ${what}`, line === null ? { file } : { file, line });
}

/** Throws PROXMESH_ERR_DATASET naming the path and the known dataset names if `path` does not exist. */
export function assertExists(path: string): void {
  if (!existsSync(path)) {
    throw new ProxmeshError('PROXMESH_ERR_DATASET', `dataset file not found: ${path} (known dataset names: ${DATASET_NAMES.join(', ')})`, {
      file: path,
      known: [...DATASET_NAMES],
    });
  }
}

export interface ReadDataOptions {
  /** Cap on the file and on its inflated size (default PROXMESH_MAX_FILE_BYTES or 256 MiB). */
  readonly maxBytes?: number;
}

/** The file's bytes, gunzipped when they carry the gzip magic (regardless of the file name). */
export function readDataFile(path: string, opts: ReadDataOptions = {}): Buffer {
  assertExists(path);
  try {
    return readRegularFile(path, { gunzip: true, ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}) });
  } catch (e) {
    if (!(e instanceof RegularFileError)) throw e;
    const code = e.rule === 'too-large' || e.rule === 'inflates-too-large' ? 'PROXMESH_ERR_LIMIT' : 'PROXMESH_ERR_DATASET';
    throw new ProxmeshError(code, `${path}: ${e.message}`, { file: path, rule: e.rule });
  }
}
