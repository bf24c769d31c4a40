/**
 * The paper's panel layout (paper-spec §5.3) as one Vega-Lite figure: "Objective", "Test Accuracy"
 * and "Consensus Error" against the authors' epoch, one colour per series. Built from
 * paper-metrics.ndjson, so b = 8 runs (1500 iterations an epoch) and b = 256 runs (46) share the
 * x axis, which the per-iteration figures cannot do.
 *   Objective       = localLoss, the mean local minibatch loss over the epoch (§5.3's inference)
 *   Test accuracy   = of x̄ (solid) and the mean over the local models x_i (dashed)
 *   Consensus error = Σ_i‖x_i − x̄‖², the authors' form (not divided by n), log scale
 */
import type { TopLevelSpec } from 'vega-lite';
import type { PaperMetricsRow } from '../eval/paper-metrics.ts';
import { CHART_CONFIG } from './charts.ts';

export interface PaperSeries {
  label: string;
  rows: readonly PaperMetricsRow[];
}

type Point = { series: string; epoch: number; value: number; model?: string };

/**
 * Σ‖x_i − x̄‖² of identical models (AllReduce, a shared x⁰ at k = 0) is 0 up to rounding (~1e-31):
 * below this it cannot be read on a log axis and is left out.
 */
const CONSENSUS_FLOOR = 1e-20;

export const X_MEAN = 'x̄';
export const X_LOCAL = 'mean of x_i';

/** The three panels' data: rows with null values (k = 0 loss, no test set) are left out. */
export function paperPanelPoints(series: readonly PaperSeries[]): { objective: Point[]; accuracy: Point[]; consensus: Point[] } {
  const objective: Point[] = [];
  const accuracy: Point[] = [];
  const consensus: Point[] = [];
  for (const { label, rows } of series) {
    for (const r of rows) {
      if (r.localLoss !== null) objective.push({ series: label, epoch: r.epoch, value: r.localLoss });
      if (r.testAccuracy !== null) accuracy.push({ series: label, epoch: r.epoch, value: r.testAccuracy, model: X_MEAN });
      if (r.localTestAccuracyMean !== null)
        accuracy.push({ series: label, epoch: r.epoch, value: r.localTestAccuracyMean, model: X_LOCAL });
      if (r.consensusSum > CONSENSUS_FLOOR) consensus.push({ series: label, epoch: r.epoch, value: r.consensusSum });
    }
  }
  return { objective, accuracy, consensus };
}

/** The figure; null when no series has a single plottable point. */
export function paperPanelsSpec(series: readonly PaperSeries[]): TopLevelSpec | null {
  const { objective, accuracy, consensus } = paperPanelPoints(series);
  if (objective.length + accuracy.length + consensus.length === 0) return null;
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch' } as const;
  const color = { field: 'series', type: 'nominal', title: 'method', sort: series.map((s) => s.label) } as const;
  const panel = (
    values: Point[],
    title: string | { text: string; subtitle: string },
    y: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => ({
    title,
    width: 260,
    height: 200,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: { x, y: { field: 'value', type: 'quantitative', ...y }, color, ...extra },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: CHART_CONFIG,
    hconcat: [
      panel(objective, 'Objective', { title: 'mean local minibatch loss', scale: { zero: false } }),
      panel(
        accuracy,
        { text: 'Test Accuracy', subtitle: `solid: ${X_MEAN}, dashed: ${X_LOCAL}` },
        { title: 'test accuracy', scale: { zero: false } },
        {
          strokeDash: {
            field: 'model',
            type: 'nominal',
            scale: {
              domain: [X_MEAN, X_LOCAL],
              range: [
                [1, 0],
                [5, 3],
              ],
            },
            legend: null, // stroke symbols do not rasterise: the panel title explains the dashes
          },
          detail: { field: 'model' },
        },
      ),
      panel(consensus, 'Consensus Error', { title: 'Σ_i ‖x_i − x̄‖²', scale: { type: 'log' } }),
    ],
  } as unknown as TopLevelSpec;
}
