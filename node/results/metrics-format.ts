/**
 * The metrics.ndjson / metrics.csv line formats (brief "Results"). Keys in exactly this order;
 * NaN and ±∞ become null (JSON has no such numbers), so a diverged run still writes valid lines.
 */
import type { MetricsRow } from '../eval/aggregate-reports.ts';

export const METRICS_KEYS = [
  'iter', 'epoch', 'objective', 'f', 'r', 'stationarity', 'consensus', 'density',
  'trainAccuracy', 'testAccuracy', 'localLoss', 'bitsSent', 'bytesSent', 'envelopeBytes', 'controlBytes', 'wireBytes',
] as const satisfies readonly (keyof MetricsRow)[];

function finiteOrNull(v: number | null | undefined): number | null {
  if (v === undefined) return null;
  return v !== null && Number.isFinite(v) ? v : null;
}

/** A row with keys in the canonical order and non-finite numbers as null. */
export function canonicalRow(row: MetricsRow): Record<(typeof METRICS_KEYS)[number], number | null> {
  const out = {} as Record<(typeof METRICS_KEYS)[number], number | null>;
  for (const k of METRICS_KEYS) out[k] = finiteOrNull(row[k]);
  return out;
}

/** One metrics.ndjson line (with the trailing newline). */
export function metricsNdjsonLine(row: MetricsRow): string {
  return `${JSON.stringify(canonicalRow(row))}\n`;
}

export function metricsCsvHeader(): string {
  return `${METRICS_KEYS.join(',')}\n`;
}

/** One metrics.csv line: numbers as JSON writes them, null as an empty field. */
export function metricsCsvLine(row: MetricsRow): string {
  const c = canonicalRow(row);
  return `${METRICS_KEYS.map((k) => (c[k] === null ? '' : String(c[k]))).join(',')}\n`;
}
