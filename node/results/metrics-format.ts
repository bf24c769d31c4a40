/**
 * The metrics.ndjson / metrics.csv line formats (brief "Results"). Keys in exactly this order;
 * NaN and ±∞ become null (JSON has no such numbers), so a diverged run still writes valid lines.
 * A run with a `network` section (the simulated clock) adds `simTime` (s) as the last key/column;
 * without one the lines are exactly as before (no simTime key, no null).
 */
import { METRICS_KEYS, SIM_TIME_KEY, type MetricsRow } from './metrics-row.ts';

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

/** One metrics.ndjson line (with the trailing newline); simTime last when the row has one. */
export function metricsNdjsonLine(row: MetricsRow): string {
  const c: Record<string, number | null> = canonicalRow(row);
  if (row.simTime !== undefined) c[SIM_TIME_KEY] = finiteOrNull(row.simTime);
  return `${JSON.stringify(c)}\n`;
}

/** The metrics.csv header; `simTime`: the run has a clock (config `network`). */
export function metricsCsvHeader(opts: { readonly simTime?: boolean } = {}): string {
  return `${[...METRICS_KEYS, ...(opts.simTime === true ? [SIM_TIME_KEY] : [])].join(',')}\n`;
}

/** One metrics.csv line: numbers as JSON writes them, null as an empty field; simTime last when the row has one. */
export function metricsCsvLine(row: MetricsRow): string {
  const c = canonicalRow(row);
  const cells = METRICS_KEYS.map((k) => (c[k] === null ? '' : String(c[k])));
  if (row.simTime !== undefined) cells.push(Number.isFinite(row.simTime) ? String(row.simTime) : '');
  return `${cells.join(',')}\n`;
}
