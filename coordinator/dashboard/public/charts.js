// Live line charts drawn as plain SVG: one chart per metric, x = iteration k or cumulative bits.
// Log axes drop points they cannot show (≤ 0), as node/report/charts.ts does for the reports.
// Each chart's <svg> carries data-count = number of points drawn (tests and scrapers read it).
import { fmtNum, fmtSi, svgEl } from './format.js';

const W = 460;
const H = 230;
const M = { l: 64, r: 14, t: 30, b: 38 };
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** "Nice" linear ticks over [lo, hi] (steps 1, 2, 5 × 10^k). */
function linearTicks(lo, hi, count = 5) {
  const span = hi - lo;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * Log-axis ticks inside [lo, hi] (lo > 0): powers of ten (thinned to ≤ 6) over wide ranges,
 * 1-2-5 or 1…9 × 10^e over narrow ones, plain linear ticks when not even those give two.
 */
function logTicks(lo, hi) {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const decades = Math.log10(hi / lo);
  const inside = (t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9);
  let mult = [1];
  if (decades < 0.6) mult = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  else if (decades < 2) mult = [1, 2, 5];
  const every = Math.max(1, Math.ceil((b - a + 1) / 6));
  const ticks = [];
  for (let e = a; e <= b; e += mult.length > 1 ? 1 : every) for (const m of mult) ticks.push(Number((m * 10 ** e).toPrecision(6)));
  const kept = ticks.filter(inside);
  return kept.length >= 2 ? kept : linearTicks(lo, hi, 4).filter((t) => t > 0);
}

function makeScale(values, log, pad) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) {
    if (lo === hi) { lo /= 10; hi *= 10; }
    if (pad) { const p = Math.log10(hi / lo) * 0.05; lo /= 10 ** p; hi *= 10 ** p; }
    const ll = Math.log10(lo);
    const lh = Math.log10(hi);
    return { lo, hi, log: true, t: (v) => (Math.log10(v) - ll) / (lh - ll), ticks: logTicks(lo, hi) };
  }
  if (lo === hi && !pad) hi = lo + 1; // x of a single point: no negative iterations or bits
  else if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
  if (pad) { const p = (hi - lo) * 0.05; lo -= p; hi += p; }
  return { lo, hi, log: false, t: (v) => (v - lo) / (hi - lo), ticks: linearTicks(lo, hi) };
}

/**
 * createLineChart(container, { id, title, x: 'iter' | 'bits', logX, logY, series: [{ key, label }], yFormat })
 * → { update(rows) } where rows are metrics rows.
 */
export function createLineChart(container, opts) {
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', 'data-chart': opts.id, 'data-count': 0, role: 'img', 'aria-label': opts.title });
  container.appendChild(svg);
  const xKey = opts.x ?? 'iter';
  const xTitle = xKey === 'bits' ? 'payload bits sent (cumulative)' : 'iteration k';
  const yFmt = opts.yFormat ?? fmtNum;
  const xFmt = xKey === 'bits' ? (v) => fmtSi(v) : fmtNum;

  function update(rows) {
    const xOf = (r) => (xKey === 'bits' ? r.bitsSent : r.iter);
    const ok = (v, log) => typeof v === 'number' && Number.isFinite(v) && (!log || v > 0);
    const lines = opts.series.map((s) => ({
      ...s,
      pts: rows.filter((r) => ok(xOf(r), opts.logX) && ok(r[s.key], opts.logY)).map((r) => [xOf(r), r[s.key]]),
    }));
    const all = lines.flatMap((l) => l.pts);
    svg.replaceChildren();
    svg.setAttribute('data-count', String(all.length));
    svg.appendChild(svgEl('text', { x: M.l, y: 18, class: 'chart-title' }, opts.title));
    const pw = W - M.l - M.r;
    const ph = H - M.t - M.b;
    svg.appendChild(svgEl('rect', { x: M.l, y: M.t, width: pw, height: ph, class: 'plot-bg' }));
    if (all.length === 0) {
      svg.appendChild(svgEl('text', { x: M.l + pw / 2, y: M.t + ph / 2, class: 'empty', 'text-anchor': 'middle' }, 'waiting for data…'));
      return;
    }
    const sx = makeScale(all.map((p) => p[0]), !!opts.logX, false);
    const sy = makeScale(all.map((p) => p[1]), !!opts.logY, true);
    const px = (v) => M.l + sx.t(v) * pw;
    const py = (v) => M.t + (1 - sy.t(v)) * ph;
    for (const t of sy.ticks) {
      const y = py(t);
      svg.appendChild(svgEl('line', { x1: M.l, x2: M.l + pw, y1: y, y2: y, class: 'grid' }));
      svg.appendChild(svgEl('text', { x: M.l - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, yFmt(t)));
    }
    for (const t of sx.ticks) {
      const x = px(t);
      svg.appendChild(svgEl('line', { x1: x, x2: x, y1: M.t + ph, y2: M.t + ph + 4, class: 'axis' }));
      svg.appendChild(svgEl('text', { x, y: M.t + ph + 16, class: 'tick', 'text-anchor': 'middle' }, xFmt(t)));
    }
    svg.appendChild(svgEl('text', { x: M.l + pw / 2, y: H - 4, class: 'axis-title', 'text-anchor': 'middle' }, xTitle + (opts.logX ? ' (log)' : '')));
    if (opts.logY) svg.appendChild(svgEl('text', { x: W - M.r, y: 18, class: 'axis-title', 'text-anchor': 'end' }, 'log scale'));
    lines.forEach((l, i) => {
      const color = PALETTE[i % PALETTE.length];
      if (l.pts.length === 0) return;
      const g = svgEl('g', { 'data-series': l.key, 'data-count': l.pts.length });
      g.appendChild(svgEl('polyline', { points: l.pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
      if (l.pts.length <= 120) {
        for (const [x, y] of l.pts) {
          const c = svgEl('circle', { cx: px(x).toFixed(1), cy: py(y).toFixed(1), r: 2.5, fill: color });
          c.appendChild(svgEl('title', {}, `${xKey === 'bits' ? 'bits' : 'k'} = ${xFmt(x)}: ${l.label} = ${fmtNum(y)}`));
          g.appendChild(c);
        }
      }
      svg.appendChild(g);
      if (lines.length > 1) {
        // legend on the title line, right-aligned, one 56-px slot per series
        const lx = W - M.r - 56 * (lines.length - i);
        svg.appendChild(svgEl('line', { x1: lx, x2: lx + 14, y1: 14, y2: 14, stroke: color, 'stroke-width': 2 }));
        svg.appendChild(svgEl('text', { x: lx + 18, y: 18, class: 'legend' }, l.label));
      }
    });
  }

  update([]);
  return { update };
}
