/**
 * Vega-Lite spec builders: pure functions from curves to specs (data inlined). Rendering is
 * render.ts's job. Log scales: bits on x (they span decades between compressors, the key figure for
 * compression), stationarity and consensus error on y; rows a log axis cannot show (≤ 0) are dropped
 * here, so the specs carry only plottable data.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Curve, ParetoData } from './aggregate.ts';
import { DASHES, SHAPES, titleFor } from './encodings.ts';
import type { MetricKey } from './read.ts';

export type XAxis = 'iter' | 'bits' | 'wireBytes' | 'simTime';

export interface MetricStyle {
  /** Axis title, with the paper's symbols. */
  title: string;
  log: boolean;
}

export const METRIC_STYLE: Readonly<Record<MetricKey, MetricStyle>> = {
  objective: { title: 'objective φ(x̄) = f(x̄) + r(x̄)', log: false },
  f: { title: 'loss f(x̄)', log: false },
  r: { title: 'regularizer r(x̄)', log: false },
  stationarity: { title: 'stationarity ‖x̄ − prox_ηr(x̄ − η∇f(x̄))‖/η', log: true },
  consensus: { title: 'consensus error (1/n)Σ‖x_i − x̄‖²', log: true },
  density: { title: 'density of x̄ (fraction of nonzeros)', log: false },
  trainAccuracy: { title: 'train accuracy', log: false },
  testAccuracy: { title: 'test accuracy', log: false },
  localLoss: { title: 'minibatch loss (mean over nodes)', log: false },
};

export const X_AXIS: Readonly<Record<XAxis, { title: string; log: boolean }>> = {
  iter: { title: 'iteration k', log: false },
  bits: { title: 'payload bits sent (cumulative, all nodes)', log: true },
  wireBytes: { title: 'wire bytes sent: payload + headers, MACs, handshake, acks (cumulative, all nodes)', log: true },
  // Log: time to a target spans decades between a slow and a fast network (docs/clock.md).
  simTime: { title: 'simulated time (s), config network (docs/clock.md)', log: true },
};

const X_NOUN: Readonly<Record<XAxis, string>> = {
  iter: 'iterations',
  bits: 'bits sent',
  wireBytes: 'wire bytes',
  simTime: 'simulated time',
};

/** Shared look: a font list resvg can resolve on a bare Linux box, white background. */
export const CHART_CONFIG = {
  font: 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' as const },
  // Style legends name several keys ('algorithm=choco, partition=sorted'): room so they are not cut.
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360, titleLimit: 360 },
  title: { fontSize: 14, anchor: 'start' as const },
};

export interface CurveChartOptions {
  metric: MetricKey;
  x: XAxis;
  title?: string;
  /** Override the metric's default y scale. */
  logY?: boolean;
  /** Override the metric's axis title (e.g. 'accuracy' for train and test together). */
  yTitle?: string;
  /** Legend title for the colour channel. */
  colorTitle?: string;
  /** Legend title for the dash / shape channel (curves with a `style`). */
  styleTitle?: string;
  /** Header title of the facets (curves with a `panel`). */
  panelTitle?: string;
  width?: number;
  height?: number;
}

/** A chart row: one point of one curve. */
export interface CurveRow {
  series: string;
  group: string;
  style: string;
  panel: string;
  iter: number;
  bits: number;
  /** Present when the run counted its wire bytes. */
  wireBytes?: number;
  /** Present when the run had a simulated clock. */
  simTime?: number;
  value: number;
  lo: number | null;
  hi: number | null;
}

/**
 * Flatten curves to rows, dropping points a log axis cannot show (bits = 0 on log-x, value ≤ 0 on
 * log-y) and, on a wire-bytes axis, points of runs that did not count wire bytes.
 */
export function curveRows(curves: readonly Curve[], x: XAxis, logY: boolean): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const c of curves) {
    for (const p of c.points) {
      const xv = p[x];
      if (xv === undefined || (X_AXIS[x].log && !(xv > 0))) continue;
      if (logY && !(p.value > 0)) continue;
      // A band that reaches ≤ 0 cannot be drawn on log-y: keep the mean, drop the band there.
      const bandOk = p.lo !== null && p.hi !== null && (!logY || p.lo > 0);
      rows.push({
        series: c.series,
        group: c.group,
        style: c.style ?? '',
        panel: c.panel ?? '',
        iter: p.iter,
        bits: p.bits,
        ...(p.wireBytes !== undefined ? { wireBytes: p.wireBytes } : {}),
        ...(p.simTime !== undefined ? { simTime: p.simTime } : {}),
        value: p.value,
        lo: bandOk ? p.lo : null,
        hi: bandOk ? p.hi : null,
      });
    }
  }
  return rows;
}

/** Metric vs iterations or vs bits: mean line per curve, min/max band when curves carry one. */
export function curveChartSpec(curves: readonly Curve[], opts: CurveChartOptions): TopLevelSpec {
  const style = { ...METRIC_STYLE[opts.metric], ...(opts.yTitle ? { title: opts.yTitle } : {}) };
  const logY = opts.logY ?? style.log;
  const xs = X_AXIS[opts.x];
  const rows = curveRows(curves, opts.x, logY);
  const maxPoints = Math.max(0, ...curves.map((c) => c.points.length));
  const x = {
    field: opts.x,
    type: 'quantitative' as const,
    title: xs.title,
    scale: xs.log ? { type: 'log' as const } : { zero: false },
    axis: xs.log ? { format: '~s' } : {},
  };
  const yScale = logY ? { type: 'log' as const } : { zero: false };
  // Band and line share one colour scale and one legend; the legend draws opaque strokes (the
  // band's translucent area would otherwise set the symbol's look).
  const color = {
    field: 'group',
    type: 'nominal' as const,
    title: opts.colorTitle ?? 'series',
    legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5 },
  };
  const detail = { field: 'series', type: 'nominal' as const };
  // Keys colour leaves apart get a dash pattern (and a point shape where points are drawn), one
  // legend naming them; keys beyond that get facets (encodings.ts).
  const styled = rows.some((r) => r.style !== '')
    ? {
        strokeDash: {
          field: 'style',
          type: 'nominal' as const,
          title: opts.styleTitle ?? 'style',
          scale: { range: DASHES },
          legend: {
            symbolType: 'stroke',
            symbolStrokeWidth: 2,
            symbolSize: 400,
            encode: { symbols: { update: { stroke: { value: '#333' } } } },
          },
        },
        // The same key again as the point shape, where lines overlap and dashes are hard to tell apart,
        // with its own legend: a copy of the field, because Vega-Lite merges the legends of one field
        // into a shape legend and the dashes would vanish from it.
        shape: {
          field: 'styleShape',
          type: 'nominal' as const,
          title: `${opts.styleTitle ?? 'style'} (marker)`,
          scale: { range: SHAPES },
          legend: { symbolFillColor: '#333', symbolStrokeColor: '#333' },
        },
      }
    : {};
  const layers: Record<string, unknown>[] = [];
  if (rows.some((r) => r.lo !== null)) {
    layers.push({
      mark: { type: 'area', opacity: 0.18 },
      encoding: { x, y: { field: 'lo', type: 'quantitative', scale: yScale, title: style.title }, y2: { field: 'hi' }, color, detail },
    });
  }
  layers.push({
    ...(rows.some((r) => r.style !== '') ? { transform: [{ calculate: 'datum.style', as: 'styleShape' }] } : {}),
    mark: { type: 'line', point: maxPoints <= 30, strokeWidth: 1.8 },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', scale: yScale, title: style.title },
      color,
      detail,
      ...styled,
      order: { field: opts.x },
    },
  });
  const title = opts.title ?? `${style.title.split(' ')[0]} vs ${X_NOUN[opts.x]}`;
  return withPanels(rows, { title, width: opts.width ?? 480, height: opts.height ?? 280, layer: layers }, opts.panelTitle);
}

/**
 * A top-level spec: one chart, or one panel per distinct `panel` value (two columns, shared scales,
 * smaller panels) when the rows carry one.
 */
function withPanels(
  rows: readonly { panel: string }[],
  chart: { title: string; width: number; height: number; layer: unknown[] },
  panelTitle?: string,
): TopLevelSpec {
  const head = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.title,
    data: { values: rows },
    config: CHART_CONFIG,
  };
  if (!rows.some((r) => r.panel !== ''))
    return { ...head, width: chart.width, height: chart.height, layer: chart.layer } as unknown as TopLevelSpec;
  return {
    ...head,
    facet: { field: 'panel', type: 'nominal', title: panelTitle ?? 'panel', header: { labelFontSize: 12, titleFontSize: 12 } },
    columns: 2,
    spec: { width: Math.round(chart.width * 0.75), height: Math.round(chart.height * 0.8), layer: chart.layer },
  } as unknown as TopLevelSpec;
}

/**
 * Pareto plot: final quality (test accuracy, else objective) against total bits, log-x; colour, shape
 * and panels as in the curve figures (ParetoData); each panel's non-dominated cells joined by a
 * dashed step line.
 */
export function paretoSpec(data: ParetoData, opts: { title?: string; width?: number; height?: number } = {}): TopLevelSpec {
  const rows = data.points.filter((p) => p.bits > 0);
  const yTitle = data.metric === 'testAccuracy' ? 'final test accuracy' : 'final objective φ(x̄)';
  const x = {
    field: 'bits',
    type: 'quantitative' as const,
    title: 'total payload bits sent',
    scale: { type: 'log' as const },
    axis: { format: '~s' },
  };
  const y = { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } };
  const shape =
    data.styleKeys.length > 0
      ? { shape: { field: 'style', type: 'nominal', title: titleFor(data.styleKeys), scale: { range: SHAPES } } }
      : {};
  return withPanels(
    rows,
    {
      title: opts.title ?? `Pareto: ${yTitle} vs bits`,
      width: opts.width ?? 480,
      height: opts.height ?? 280,
      layer: [
        {
          transform: [{ filter: 'datum.frontier' }],
          mark: { type: 'line', interpolate: 'step-after', color: '#888', strokeDash: [4, 3] },
          encoding: { x, y, order: { field: 'bits' } },
        },
        {
          mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
          encoding: { x, y, color: { field: 'group', type: 'nominal', title: data.colorTitle }, ...shape },
        },
      ],
    },
    titleFor(data.panelKeys),
  );
}
