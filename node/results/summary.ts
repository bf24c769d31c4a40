/**
 * summary.json: what a run was and where it ended. Deterministic (no wall-clock), so it is
 * byte-identical across reruns like metrics.ndjson.
 */
import type { MetricsRow } from './metrics-row.ts';
import { canonicalRow } from './metrics-format.ts';

export interface SummaryFacts {
  readonly algorithm: string;
  readonly topology: string;
  readonly mixing: string;
  readonly nodes: number;
  readonly dim: number;
  readonly nTrain: number;
  readonly nTest: number | null;
  readonly iterations: number;
  readonly seed: number;
  readonly compressorX: string;
  readonly compressorY: string;
  readonly spectral?: unknown;
}

export function buildSummary(facts: SummaryFacts, rows: readonly MetricsRow[]): Record<string, unknown> {
  const last = rows[rows.length - 1];
  let best: MetricsRow | undefined;
  for (const r of rows) if (Number.isFinite(r.objective) && (!best || r.objective < best.objective)) best = r;
  return {
    status: 'completed',
    ...facts,
    evaluations: rows.length,
    final: last ? canonicalRow(last) : null,
    bestObjective: best ? best.objective : null,
    bestObjectiveIter: best ? best.iter : null,
  };
}
