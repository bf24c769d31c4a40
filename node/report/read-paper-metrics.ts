/**
 * Read and validate paper-metrics.ndjson (node/eval/paper-metrics.ts writes it when a config sets
 * `metrics: { paper: true }`). Optional: a run folder without the file has no paper metrics. Every
 * defect is a PROXMESH_ERR_IO naming the file, the line and the key.
 */
import { join } from 'node:path';
import type { PaperMetricsRow } from '../eval/paper-metrics.ts';
import { isFile, readNdjsonRows, rowError } from './read-files.ts';

export const PAPER_METRICS_FILE = 'paper-metrics.ndjson';

/** Keys that are always finite and ≥ 0; the others are null without a test set or at k = 0. */
const REQUIRED_KEYS = ['iter', 'epoch', 'consensusSum'] as const;
const NULLABLE_KEYS = ['testAccuracy', 'localTestAccuracyMean', 'localTestAccuracyMin', 'localTestAccuracyMax', 'localLoss'] as const;
const ACCURACY_KEYS: readonly string[] = NULLABLE_KEYS.filter((k) => k !== 'localLoss');

/** The rows of `<dir>/paper-metrics.ndjson`, or null when the run wrote none. */
export function readPaperMetrics(dir: string): PaperMetricsRow[] | null {
  const file = join(dir, PAPER_METRICS_FILE);
  if (!isFile(file)) return null;
  const rows: PaperMetricsRow[] = [];
  for (const { line, value } of readNdjsonRows(file)) {
    const row: Record<string, number | null> = {};
    for (const key of REQUIRED_KEYS) {
      const v = value[key];
      if (!(key in value)) throw rowError(file, line, key, 'is missing');
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw rowError(file, line, key, 'must be a finite number ≥ 0');
      row[key] = v;
    }
    if (!Number.isInteger(row.iter)) throw rowError(file, line, 'iter', 'must be an integer');
    for (const key of NULLABLE_KEYS) {
      if (!(key in value)) throw rowError(file, line, key, 'is missing');
      const v = value[key];
      if (v === null) {
        row[key] = null;
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) throw rowError(file, line, key, 'must be a finite number or null');
      if (ACCURACY_KEYS.includes(key) && (v < 0 || v > 1)) throw rowError(file, line, key, 'is an accuracy and must lie in [0, 1]');
      row[key] = v;
    }
    const prev = rows[rows.length - 1];
    if (prev !== undefined && row.iter! <= prev.iter) throw rowError(file, line, 'iter', `must increase (previous row has ${prev.iter})`);
    rows.push(row as unknown as PaperMetricsRow);
  }
  return rows;
}
