// Live line charts: Vega-Lite specs compiled in the browser (vegaLite.compile) and rendered by a
// vega View as SVG. Expressions go through vega-interpreter (parse with { ast: true } and
// expr: expressionInterpreter), so the page runs under script-src 'self' without 'unsafe-eval'.
// Each chart owns one named data set, 'points': one tuple per drawable point, built here from the
// metrics rows the way node/report/charts.ts curveRows does for the reports (log axes drop ≤ 0 and
// non-finite values, so the specs carry only plottable data). A new row is an insert changeset, not a
// re-render. The chart's box carries data-chart = id and data-count = number of tuples in 'points'
// (read back from the view; tests and scrapers read it).
// vega and vegaLite are the globals of the UMD bundles loaded by index.html before this module.
import { expressionInterpreter } from '/dashboard/vendor/vega-interpreter.js';
import { htmlEl } from './format.js';

const { vega, vegaLite } = globalThis;

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const DATA = 'points';
/** ms between two append renders of one chart: at most ~5 redraws per second per chart. */
const APPEND_GAP_MS = 200;

/** Shared look, as node/report/charts.ts CHART_CONFIG (system fonts, light grid). */
const CHART_CONFIG = {
  font: 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal', titleColor: '#5b6670', labelColor: '#5b6670' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top', direction: 'horizontal' },
  title: { fontSize: 13, fontWeight: 'normal', anchor: 'start' },
  range: { category: PALETTE },
};

/** x axes as node/report/charts.ts X_AXIS: iterations (linear) or cumulative payload bits. */
const X_AXIS = {
  iter: { title: 'iteration k', field: 'iter' },
  bits: { title: 'payload bits sent (cumulative, all nodes)', field: 'bits' },
};

const finite = (v) => typeof v === 'number' && Number.isFinite(v);

/** The chart tuples of one metrics row: one per series whose point the axes can show. */
export function rowPoints(row, opts) {
  const x = opts.x === 'bits' ? row.bitsSent : row.iter;
  if (!finite(x) || (opts.logX && !(x > 0))) return [];
  const out = [];
  for (const s of opts.series) {
    const v = row[s.key];
    if (!finite(v) || (opts.logY && !(v > 0))) continue;
    out.push({ iter: row.iter, bits: row.bitsSent, series: s.label, value: v });
  }
  return out;
}

/** The Vega-Lite spec of one chart (data by name: filled through changesets). */
export function chartSpec(opts) {
  const xs = X_AXIS[opts.x ?? 'iter'];
  const multi = opts.series.length > 1;
  const x = {
    field: xs.field,
    type: 'quantitative',
    title: opts.logX ? `${xs.title} (log)` : xs.title,
    scale: opts.logX ? { type: 'log', nice: false } : { zero: false, nice: false },
    // explicit precisions: vega derives one from the tick step otherwise, NaN for a one-value domain
    axis: xs.field === 'bits' ? { format: '.3~s' } : { format: '~d' },
  };
  const y = {
    field: 'value',
    type: 'quantitative',
    title: opts.yTitle ?? (opts.logY ? 'log scale' : null),
    scale: opts.logY ? { type: 'log' } : { zero: false },
    axis: { format: opts.yFormat ?? '.4~g' },
  };
  const color = multi
    ? {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: opts.series.map((s) => s.label),
        legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5 },
      }
    : { value: PALETTE[0] };
  const tooltip = [
    { field: 'series', type: 'nominal' },
    { field: xs.field, type: 'quantitative', title: xs.field === 'bits' ? 'bits' : 'k', format: xs.field === 'bits' ? '.3~s' : 'd' },
    { field: 'value', type: 'quantitative', format: '.4~g' },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: 'container',
    height: 190,
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { name: DATA },
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
    encoding: { x, y, color, order: { field: xs.field }, tooltip },
    config: CHART_CONFIG,
  };
}

/**
 * createLineChart(container, { id, title, x: 'iter' | 'bits', logX, logY, series: [{ key, label }], yFormat })
 * → { reset(rows), append(row) } — reset replaces the data, append inserts one row's points;
 * both return a promise resolved once the view has re-rendered.
 */
export function createLineChart(container, opts) {
  const box = htmlEl('div', { class: 'chart', 'data-chart': opts.id, 'data-count': 0, role: 'img', 'aria-label': opts.title });
  const empty = htmlEl('p', { class: 'empty' }, 'waiting for data…');
  container.append(box, empty);
  const runtime = vega.parse(vegaLite.compile(chartSpec(opts)).spec, null, { ast: true });
  const view = new vega.View(runtime, { expr: expressionInterpreter, renderer: 'svg', container: box, hover: true });
  const settle = () => {
    const n = view.data(DATA).length;
    box.setAttribute('data-count', String(n));
    empty.hidden = n > 0;
  };
  // One vega run at a time, and changes that arrive while one runs are merged into the next: a fast
  // run sends a row every few ms, and a re-render per row (SVG, all points, axes laid out again)
  // would queue without bound and starve the page. So at most one run is in flight and one batch
  // waits; every change's promise settles once a run that includes it has drawn.
  let queue = view.runAsync().then(settle, (err) => console.error(`chart ${opts.id}:`, err));
  /** The batch not yet handed to vega: reset = replace all data by points; else insert points. */
  let pending = null;
  const flush = () => {
    const { reset, points } = pending;
    pending = null;
    const cs = reset ? vega.changeset().remove(vega.truthy).insert(points) : vega.changeset().insert(points);
    // resize(): with autosize 'fit-x' vega lays the axes out again only when asked, and new data
    // changes the width of the y tick labels. A failed run is logged and does not block the next change.
    return view.change(DATA, cs).resize().runAsync();
  };
  const apply = (reset, points) => {
    if (!pending) {
      pending = { reset: false, points: [] };
      // A pause of APPEND_GAP_MS before an append batch leaves the page time for input and other
      // charts; a reset (a new snapshot) is drawn at once.
      queue = queue
        .then(() => (pending?.reset ? undefined : new Promise((r) => setTimeout(r, APPEND_GAP_MS))))
        .then(flush)
        .then(settle, (err) => console.error(`chart ${opts.id}:`, err));
    }
    if (reset) {
      pending.reset = true;
      pending.points = points;
    } else pending.points.push(...points);
    return queue;
  };

  return {
    reset: (rows) =>
      apply(
        true,
        rows.flatMap((r) => rowPoints(r, opts)),
      ),
    append: (row) => apply(false, rowPoints(row, opts)),
  };
}
