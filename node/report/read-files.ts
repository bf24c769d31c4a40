/**
 * File readers shared by the results readers: JSON objects and NDJSON rows, with every defect a
 * ProxmeshError naming the file (and the 1-based line for NDJSON). A missing file is
 * PROXMESH_ERR_NOT_FOUND, an unreadable or malformed one PROXMESH_ERR_IO.
 */
import { readFileSync, statSync } from 'node:fs';
import { ProxmeshError } from '../errors.ts';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function readText(file: string): string {
  if (!isFile(file)) {
    throw new ProxmeshError('PROXMESH_ERR_NOT_FOUND', `results file not found: ${file}`, { file });
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `cannot read ${file}: ${(err as Error).message}`, { file });
  }
}

export function readJsonObject(file: string): JsonObject {
  const text = readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `${file} is not valid JSON: ${(err as Error).message}`, { file });
  }
  if (!isObject(value)) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `${file} must hold a JSON object`, { file });
  }
  return value;
}

/** Parse NDJSON into objects, skipping blank lines; `line` is 1-based. */
export function readNdjsonRows(file: string): { line: number; value: JsonObject }[] {
  const out: { line: number; value: JsonObject }[] = [];
  const lines = readText(file).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ProxmeshError('PROXMESH_ERR_IO', `${file}:${i + 1}: not valid JSON (${(err as Error).message})`, { file, line: i + 1 });
    }
    if (!isObject(value)) {
      throw new ProxmeshError('PROXMESH_ERR_IO', `${file}:${i + 1}: each line must be a JSON object`, { file, line: i + 1 });
    }
    out.push({ line: i + 1, value });
  }
  if (out.length === 0) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `${file} has no rows`, { file });
  }
  return out;
}

/** A defect of one NDJSON row: PROXMESH_ERR_IO with { file, line, key }. */
export function rowError(file: string, line: number, key: string, what: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_IO', `${file}:${line}: "${key}" ${what}`, { file, line, key });
}
