/**
 * Writes one run folder: config.json, topology.json, metrics.ndjson, metrics.csv, summary.json,
 * timings.ndjson, and edges.csv (bytes per directed edge by kind, edges.ts) where the runner has them. Rows are appended as they come (a crashed run keeps its rows). Metrics hold only
 * quantities fixed by config + seed; wall-clock goes to timings.ndjson.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxmeshError } from '../errors.ts';
import type { MetricsRow } from './metrics-row.ts';
import { edgesCsv, type EdgeRow } from './edges.ts';
import { metricsCsvHeader, metricsCsvLine, metricsNdjsonLine } from './metrics-format.ts';

export const RUN_FILES = [
  'config.json',
  'topology.json',
  'metrics.ndjson',
  'metrics.csv',
  'summary.json',
  'timings.ndjson',
  'edges.csv',
] as const;

export interface RunFolderWriter {
  readonly dir: string;
  writeJson(file: 'config.json' | 'topology.json' | 'summary.json', value: unknown): void;
  appendMetrics(row: MetricsRow): void;
  appendTiming(entry: Record<string, unknown>): void;
  /** edges.csv, written once at the end of the run. */
  writeEdges(rows: readonly EdgeRow[]): void;
}

/** Typed arrays (e.g. eigenvalues) as plain JSON arrays. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value;
}

function io<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `cannot write ${what}: ${(err as Error).message}`, { file: what });
  }
}

/**
 * Creates (or reuses) `dir` and truncates the append-only files; `keep: true` (a resumed run)
 * leaves them as they are and appends. `simTime`: rows carry simTime (config `network`).
 */
export function createRunFolder(dir: string, opts: { readonly simTime?: boolean; readonly keep?: boolean } = {}): RunFolderWriter {
  io(dir, () => mkdirSync(dir, { recursive: true }));
  const path = (f: string) => join(dir, f);
  if (opts.keep !== true) {
    io(path('metrics.ndjson'), () => writeFileSync(path('metrics.ndjson'), ''));
    io(path('metrics.csv'), () => writeFileSync(path('metrics.csv'), metricsCsvHeader(opts)));
    io(path('timings.ndjson'), () => writeFileSync(path('timings.ndjson'), ''));
  }
  return {
    dir,
    writeJson(file, value) {
      io(path(file), () => writeFileSync(path(file), `${JSON.stringify(value, jsonReplacer, 2)}\n`));
    },
    appendMetrics(row) {
      io(path('metrics.ndjson'), () => appendFileSync(path('metrics.ndjson'), metricsNdjsonLine(row)));
      io(path('metrics.csv'), () => appendFileSync(path('metrics.csv'), metricsCsvLine(row)));
    },
    appendTiming(entry) {
      io(path('timings.ndjson'), () => appendFileSync(path('timings.ndjson'), `${JSON.stringify(entry)}\n`));
    },
    writeEdges(rows) {
      io(path('edges.csv'), () => writeFileSync(path('edges.csv'), edgesCsv(rows)));
    },
  };
}

/** runs/<name> or runs/<UTC timestamp YYYYMMDD-HHMMSS>. */
export function defaultRunDir(parent: string, name: string | null, now: Date): string {
  if (name) return join(parent, name);
  const p = (v: number) => String(v).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return join(parent, stamp);
}
