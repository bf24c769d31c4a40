/**
 * Which figures a report holds, as (name, title, Vega-Lite spec) triples. Pure: folders in, specs out.
 */
import type { TopLevelSpec } from 'vega-lite';
import { paretoData, runCurve, studyCurves, studyEncoding, type Curve } from './aggregate.ts';
import { titleFor } from './encodings.ts';
import { curveChartSpec, paretoSpec, type XAxis } from './charts.ts';
import { algorithmDisplayName, compressorLabel, getPath, showValue } from './describe.ts';
import { paperPanelsSpec, type PaperSeries } from './paper-panels.ts';
import type { MetricKey, RunFolder, StudyFolder } from './read.ts';

export interface FigurePlan {
  /** File stem (kebab-case) of the figure's SVG/PNG. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

interface CurveFigure {
  name: string;
  metric: MetricKey;
  x: XAxis;
  title: string;
}

/** The curve figures, in page order (bits figures early: they are the point of a compression study). */
const CURVE_FIGURES: readonly CurveFigure[] = [
  { name: 'objective-vs-iter', metric: 'objective', x: 'iter', title: 'Objective φ(x̄) vs iterations' },
  { name: 'objective-vs-bits', metric: 'objective', x: 'bits', title: 'Objective φ(x̄) vs bits sent' },
  // Everything on the wire, not just payloads: on small models headers, MACs and acks outweigh them.
  { name: 'objective-vs-wire-bytes', metric: 'objective', x: 'wireBytes', title: 'Objective φ(x̄) vs total wire bytes' },
  { name: 'stationarity-vs-iter', metric: 'stationarity', x: 'iter', title: 'Stationarity vs iterations' },
  { name: 'stationarity-vs-bits', metric: 'stationarity', x: 'bits', title: 'Stationarity vs bits sent' },
  { name: 'consensus-vs-iter', metric: 'consensus', x: 'iter', title: 'Consensus error vs iterations' },
  { name: 'accuracy-vs-iter', metric: 'testAccuracy', x: 'iter', title: 'Accuracy vs iterations' },
  { name: 'density-vs-iter', metric: 'density', x: 'iter', title: 'Density of x̄ vs iterations' },
  // Against the simulated clock (config `network`, docs/clock.md); skipped for runs without one.
  { name: 'objective-vs-sim-time', metric: 'objective', x: 'simTime', title: 'Objective φ(x̄) vs simulated time' },
  { name: 'stationarity-vs-sim-time', metric: 'stationarity', x: 'simTime', title: 'Stationarity vs simulated time' },
  { name: 'consensus-vs-sim-time', metric: 'consensus', x: 'simTime', title: 'Consensus error vs simulated time' },
  { name: 'accuracy-vs-sim-time', metric: 'testAccuracy', x: 'simTime', title: 'Accuracy vs simulated time' },
  { name: 'density-vs-sim-time', metric: 'density', x: 'simTime', title: 'Density of x̄ vs simulated time' },
];

/** The paper's three panels against epochs, for runs that wrote paper-metrics.ndjson. */
export const PAPER_PANELS = 'paper-panels';
const PAPER_PANELS_TITLE = "The paper's panels: objective, test accuracy and consensus error vs epochs";

/** The paper-panels figure of these series, when any has a plottable point. */
function paperPanelsPlan(series: readonly PaperSeries[]): FigurePlan[] {
  const spec = paperPanelsSpec(series);
  return spec === null ? [] : [{ name: PAPER_PANELS, title: PAPER_PANELS_TITLE, spec }];
}

/** Every figure name a report can hold (for the `figures` option). */
export const FIGURE_NAMES: readonly string[] = [...CURVE_FIGURES.map((f) => f.name), 'pareto', PAPER_PANELS];

const hasPoints = (curves: readonly Curve[]): boolean => curves.some((c) => c.points.length > 0);

/** False when every point was dropped for the axes (e.g. bitsSent = 0 throughout on a log-x figure). */
const specHasData = (spec: TopLevelSpec): boolean => ((spec as { data?: { values?: unknown[] } }).data?.values?.length ?? 0) > 0;

/** Series label of a lone run: algorithm and, when it compresses, its compressor. */
export function runLabel(run: RunFolder): string {
  const alg = showValue(getPath(run.config, 'algorithm.name'));
  const comp = compressorLabel(run.config);
  return comp === 'uncompressed' ? alg : `${alg} · ${comp}`;
}

/** Figures of one run; accuracy shows train and test as two lines. Empty figures are skipped. */
export function runFigures(run: RunFolder): FigurePlan[] {
  const label = runLabel(run);
  const out: FigurePlan[] = [];
  for (const f of CURVE_FIGURES) {
    let curves: Curve[];
    if (f.metric === 'testAccuracy') {
      curves = [
        { ...runCurve(run, 'trainAccuracy', 'train'), group: 'train' },
        { ...runCurve(run, 'testAccuracy', 'test'), group: 'test' },
      ].filter((c) => c.points.length > 0);
    } else {
      curves = [runCurve(run, f.metric, label)];
    }
    if (!hasPoints(curves)) continue;
    const spec = curveChartSpec(curves, {
      metric: f.metric,
      x: f.x,
      title: f.title,
      ...(f.metric === 'testAccuracy' ? { yTitle: 'accuracy', colorTitle: 'split' } : { colorTitle: 'run' }),
    });
    if (specHasData(spec)) out.push({ name: f.name, title: f.title, spec });
  }
  if (run.paperMetrics) out.push(...paperPanelsPlan([{ label: algorithmDisplayName(run.config), rows: run.paperMetrics }]));
  return out;
}

/**
 * One paper-panels series per cell that wrote paper metrics, named as the paper names the method;
 * when two cells share an algorithm, the cell id is added to tell them apart.
 */
export function studyPaperSeries(study: StudyFolder): PaperSeries[] {
  const withPaper = study.cells.flatMap((c) =>
    c.run.paperMetrics ? [{ cell: c.cell, name: algorithmDisplayName(c.run.config), rows: c.run.paperMetrics }] : [],
  );
  return withPaper.map(({ cell, name, rows }) => ({
    label: withPaper.filter((o) => o.name === name).length > 1 ? `${name} (${cell})` : name,
    rows,
  }));
}

/**
 * Figures of a study: one curve per seed group (mean, min/max band over seeds), coloured by the
 * grouping axis when given; accuracy is test accuracy, or train accuracy without a test set; plus
 * the Pareto plot of final quality against total bits.
 */
export function studyFigures(study: StudyFolder, opts: { groupBy?: string } = {}): FigurePlan[] {
  const out: FigurePlan[] = [];
  const hasTest = study.cells.some((c) => c.run.metrics.some((r) => r.testAccuracy !== null));
  const enc = studyEncoding(study.cells, opts.groupBy);
  const titles = { colorTitle: enc.colorTitle, styleTitle: titleFor(enc.plan.style), panelTitle: titleFor(enc.plan.panel) };
  for (const f of CURVE_FIGURES) {
    const metric: MetricKey = f.metric === 'testAccuracy' && !hasTest ? 'trainAccuracy' : f.metric;
    const curves = studyCurves(study, metric, opts);
    if (!hasPoints(curves)) continue;
    const vs = f.x === 'simTime' ? 'simulated time' : 'iterations';
    const title = f.metric === 'testAccuracy' ? (hasTest ? `Test accuracy vs ${vs}` : `Train accuracy vs ${vs}`) : f.title;
    const spec = curveChartSpec(curves, { metric, x: f.x, title, ...titles });
    if (specHasData(spec)) out.push({ name: f.name, title, spec });
  }
  const pareto = paretoData(study, opts);
  const title = pareto.metric === 'testAccuracy' ? 'Pareto: final test accuracy vs total bits' : 'Pareto: final objective vs total bits';
  const spec = paretoSpec(pareto, { title });
  if (specHasData(spec)) out.push({ name: 'pareto', title, spec });
  out.push(...paperPanelsPlan(studyPaperSeries(study)));
  return out;
}
