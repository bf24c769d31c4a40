/** Reading a dataset file: existence check with a helpful error, transparent gunzip (magic 1f 8b). */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ProxmeshError } from '../../errors.ts';
import { DATASET_NAMES } from './names.ts';

/** A PROXMESH_ERR_DATASET naming the file, the 1-based line (if any) and what is wrong. */
export function datasetError(file: string, line: number | null, what: string): ProxmeshError {
  const where = line === null ? file : `${file}:${line}`;
  return new ProxmeshError('PROXMESH_ERR_DATASET', `${where}: ${what}`, line === null ? { file } : { file, line });
}

/** Throws PROXMESH_ERR_DATASET naming the path and the known dataset names if `path` does not exist. */
export function assertExists(path: string): void {
  if (!existsSync(path)) {
    throw new ProxmeshError(
      'PROXMESH_ERR_DATASET',
      `dataset file not found: ${path} (known dataset names: ${DATASET_NAMES.join(', ')})`,
      { file: path, known: [...DATASET_NAMES] },
    );
  }
}

/** True when the bytes start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The file's bytes, gunzipped when they carry the gzip magic (regardless of the file name). */
export function readDataFile(path: string): Buffer {
  assertExists(path);
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw datasetError(path, null, `cannot read file (${(e as Error).message})`);
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw datasetError(path, null, `corrupt gzip data (${(e as Error).message})`);
  }
}
