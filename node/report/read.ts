/**
 * Read and validate results folders: a run folder (config.json, metrics.ndjson, summary.json) and a
 * study folder (index.ndjson + one run folder per cell). The formats are fixed by the brief's
 * "Results" section; every defect is reported as a ProxmeshError naming the file (and line for NDJSON).
 *
 * Error codes: a missing folder or file → PROXMESH_ERR_NOT_FOUND (the user named a wrong path, exit 2);
 * an unreadable or malformed file → PROXMESH_ERR_IO with detail { file, line?, key? }.
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ProxmeshError } from '../errors.ts';
import { isFile, isObject, readJsonObject, readNdjsonRows, rowError } from './read-files.ts';
import { readPaperMetrics } from './read-paper-metrics.ts';
import type { PaperMetricsRow } from '../eval/paper-metrics.ts';
import { BASE_METRICS_KEYS, COUNTER_KEYS, SIM_TIME_KEY, WIRE_KEYS, type StoredMetricsRow } from '../results/metrics-row.ts';

/** Float metrics of one evaluation of x̄ (null = undefined or not finite). */
export type MetricKey = Exclude<(typeof BASE_METRICS_KEYS)[number], (typeof COUNTER_KEYS)[number]>;

export type { JsonObject } from './read-files.ts';
import type { JsonObject } from './read-files.ts';

export interface RunFolder {
  /** Absolute path of the folder. */
  readonly dir: string;
  /** The resolved run config (config.json). */
  readonly config: JsonObject;
  /** One row per evaluation, iter strictly increasing, bitsSent non-decreasing. */
  readonly metrics: readonly StoredMetricsRow[];
  /** summary.json, or null when the run wrote none (e.g. interrupted). */
  readonly summary: JsonObject | null;
  /** paper-metrics.ndjson (config `metrics: { paper: true }`), or null when the run wrote none. */
  readonly paperMetrics: readonly PaperMetricsRow[] | null;
}

export interface StudyCell {
  /** Cell id from index.ndjson. */
  readonly cell: string;
  /** The config paths that differ from the study's base config, with this cell's values. */
  readonly diff: Readonly<Record<string, unknown>>;
  /** The final metrics row as recorded in index.ndjson (may be null for a failed cell). */
  readonly final: JsonObject | null;
  readonly run: RunFolder;
}

export interface StudyFolder {
  readonly dir: string;
  readonly cells: readonly StudyCell[];
  /** Cells the sweep marked failed (status "failed"): listed in the report, not plotted. */
  readonly failed: readonly { readonly cell: string; readonly error: string | null }[];
}

export type ResultsFolder = { kind: 'run'; run: RunFolder } | { kind: 'study'; study: StudyFolder };

/** Validate one metrics.ndjson object (extra keys are ignored so that writers may add columns). */
export function parseMetricsRow(value: JsonObject, file: string, line: number): StoredMetricsRow {
  const row: Record<string, number | null> = {};
  for (const key of BASE_METRICS_KEYS) {
    if (!(key in value)) throw rowError(file, line, key, 'is missing');
    const v = value[key];
    const counter = (COUNTER_KEYS as readonly string[]).includes(key);
    if (v === null && !counter) {
      row[key] = null;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw rowError(file, line, key, counter ? 'must be a finite number' : 'must be a finite number or null');
    }
    if (counter && v < 0) throw rowError(file, line, key, 'must be ≥ 0');
    if (key === 'iter' && !Number.isInteger(v)) throw rowError(file, line, key, 'must be an integer');
    row[key] = v;
  }
  for (const key of WIRE_KEYS) {
    if (!(key in value)) continue;
    const v = value[key];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
      throw rowError(file, line, key, 'must be a finite number ≥ 0 or null');
    row[key] = v;
  }
  if (SIM_TIME_KEY in value) {
    const v = value[SIM_TIME_KEY];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
      throw rowError(file, line, SIM_TIME_KEY, 'must be a finite number of seconds ≥ 0 or null');
    row[SIM_TIME_KEY] = v;
  }
  return row as unknown as StoredMetricsRow;
}

/** Read and validate metrics.ndjson: iter strictly increasing, bitsSent/bytesSent cumulative. */
export function readMetrics(file: string): StoredMetricsRow[] {
  const rows: StoredMetricsRow[] = [];
  for (const { line, value } of readNdjsonRows(file)) {
    const row = parseMetricsRow(value, file, line);
    const prev = rows[rows.length - 1];
    if (prev !== undefined) {
      if (row.iter <= prev.iter) throw rowError(file, line, 'iter', `must increase (previous row has ${prev.iter})`);
      if (row.bitsSent < prev.bitsSent) throw rowError(file, line, 'bitsSent', 'is cumulative and must not decrease');
      if (row.bytesSent < prev.bytesSent) throw rowError(file, line, 'bytesSent', 'is cumulative and must not decrease');
      if (row.wireBytes != null && prev.wireBytes != null && row.wireBytes < prev.wireBytes)
        throw rowError(file, line, 'wireBytes', 'is cumulative and must not decrease');
      if (row.simTime != null && prev.simTime != null && row.simTime < prev.simTime)
        throw rowError(file, line, SIM_TIME_KEY, 'is a clock and must not decrease');
    }
    rows.push(row);
  }
  return rows;
}

function requireDir(dir: string): string {
  const abs = resolve(dir);
  let ok = false;
  try {
    ok = statSync(abs).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new ProxmeshError('PROXMESH_ERR_NOT_FOUND', `results folder not found: ${abs}`, { dir: abs });
  return abs;
}

/** Read a run folder: config.json and metrics.ndjson are required, summary.json is optional. */
export function readRunFolder(dir: string): RunFolder {
  const abs = requireDir(dir);
  const config = readJsonObject(join(abs, 'config.json'));
  const metrics = readMetrics(join(abs, 'metrics.ndjson'));
  const summaryPath = join(abs, 'summary.json');
  const summary = isFile(summaryPath) ? readJsonObject(summaryPath) : null;
  return { dir: abs, config, metrics, summary, paperMetrics: readPaperMetrics(abs) };
}

/** Read a study folder: index.ndjson rows { cell, dir, diff, final } and each cell's run folder. */
export function readStudyFolder(dir: string): StudyFolder {
  const abs = requireDir(dir);
  const file = join(abs, 'index.ndjson');
  const seen = new Set<string>();
  const cells: StudyCell[] = [];
  const failed: { cell: string; error: string | null }[] = [];
  for (const { line, value } of readNdjsonRows(file)) {
    const { cell, dir: cellDir, diff, final } = value;
    if (typeof cell !== 'string' || cell === '') throw rowError(file, line, 'cell', 'must be a non-empty string');
    if (seen.has(cell)) throw rowError(file, line, 'cell', `duplicates cell "${cell}"`);
    seen.add(cell);
    // A cell that crashed twice may have no run folder at all; it is reported, never plotted.
    if (value.status === 'failed') {
      failed.push({ cell, error: typeof value.error === 'string' ? value.error : null });
      continue;
    }
    if (typeof cellDir !== 'string' || cellDir === '') throw rowError(file, line, 'dir', 'must be a non-empty string');
    const runDir = resolve(abs, cellDir);
    const rel = relative(abs, runDir);
    if (isAbsolute(cellDir) || rel.startsWith('..') || isAbsolute(rel)) {
      throw rowError(file, line, 'dir', 'must be a path relative to the study folder, inside it');
    }
    if (!isObject(diff)) throw rowError(file, line, 'diff', 'must be an object of config path → value');
    if (final !== undefined && final !== null && !isObject(final)) throw rowError(file, line, 'final', 'must be a metrics object or null');
    cells.push({ cell, diff, final: (final as JsonObject | null | undefined) ?? null, run: readRunFolder(runDir) });
  }
  return { dir: abs, cells, failed };
}

/** A folder with index.ndjson is a study; otherwise it must be a run folder. */
export function readResultsFolder(dir: string): ResultsFolder {
  const abs = requireDir(dir);
  if (isFile(join(abs, 'index.ndjson'))) return { kind: 'study', study: readStudyFolder(abs) };
  return { kind: 'run', run: readRunFolder(abs) };
}
