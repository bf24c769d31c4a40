/**
 * From results to plottable curves: one curve per run, or per group of study cells that differ only
 * by seed (mean with a min/max band over seeds), and the Pareto data (final quality vs total bits).
 * Pure functions over the read folders.
 */
import { compressorLabel, getPath, isSeedPath, showValue } from './describe.ts';
import { labelFor, planEncodings, shortKey, type EncodingPlan, type Part } from './encodings.ts';
import type { MetricKey, RunFolder, StudyCell, StudyFolder } from './read.ts';
import type { StoredMetricsRow } from '../results/metrics-row.ts';

export interface CurvePoint {
  iter: number;
  /** Cumulative payload bits sent by all nodes at this evaluation (mean over seeds). */
  bits: number;
  /** Cumulative wire bytes (payload, headers, MACs, handshake, acks) of all nodes (mean over seeds); absent when a run lacks them. */
  wireBytes?: number;
  /** Simulated seconds (mean over seeds); absent when a run has no clock (config `network`). */
  simTime?: number;
  /** The metric at x̄ (mean over seeds). */
  value: number;
  /** Min / max over seeds; null for a single run. */
  lo: number | null;
  hi: number | null;
}

export interface Curve {
  /** Line identity (every grouping key's value). */
  series: string;
  /** Colour key: the value of the grouping axis (e.g. the compressor), or the series of a lone run. */
  group: string;
  /** Dash / shape key: the keys colour leaves apart ('' when colour separates every series). */
  style?: string;
  /** Facet key: keys beyond what colour and style can carry ('' or absent: one panel). */
  panel?: string;
  points: CurvePoint[];
}

export interface SeedGroup {
  /** Canonical JSON of the cell diff without the seed path. */
  key: string;
  /** Readable label built from the paths that vary between groups. */
  label: string;
  /** The diff without the seed. */
  diff: Record<string, unknown>;
  /** The varying keys' values, in label order (compression paths as one 'compressor' key). */
  parts: Part[];
  members: StudyCell[];
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Group study cells by their diff with the seed removed; cells that differ only by seed share a group.
 * Groups keep the order of their first cell in index.ndjson.
 */
export function groupBySeed(cells: readonly StudyCell[]): SeedGroup[] {
  const byKey = new Map<string, SeedGroup>();
  for (const c of cells) {
    const diff = Object.fromEntries(Object.entries(c.diff).filter(([k]) => !isSeedPath(k)));
    const key = canonical(diff);
    const g = byKey.get(key);
    if (g) g.members.push(c);
    else byKey.set(key, { key, label: '', diff, parts: [], members: [c] });
  }
  const groups = [...byKey.values()];
  // Label with the paths whose values vary between groups; compression paths collapse into the
  // compressor's short name (topk(0.1)) because 'compression.x.ratio=0.1' reads badly in a legend.
  const paths = [...new Set(groups.flatMap((g) => Object.keys(g.diff)))].sort();
  const varying = paths.filter((p) => new Set(groups.map((g) => canonical(g.diff[p]))).size > 1);
  for (const g of groups) {
    const parts: Part[] = [];
    if (varying.some((p) => p.replace(/^\$?[./]?/, '').startsWith('compression'))) {
      parts.push({ key: 'compressor', value: compressorLabel(g.members[0].run.config) });
    }
    for (const p of varying) {
      if (p.replace(/^\$?[./]?/, '').startsWith('compression')) continue;
      parts.push({ key: p.replace(/^\$?[./]?/, ''), value: showValue(g.diff[p]) });
    }
    g.parts = parts;
    const text = parts.map((p) => (p.key === 'compressor' ? p.value : `${p.key}=${p.value}`));
    g.label = text.length > 0 ? text.join(', ') : groups.length === 1 ? 'all cells' : g.key;
  }
  return groups;
}

/** The channels of a study's figures: each seed group's colour value, and which keys go to style and panel. */
export interface StudyEncoding {
  readonly groups: SeedGroup[];
  /** Colour value per group (same order as groups). */
  readonly colors: string[];
  readonly colorTitle: string;
  readonly plan: EncodingPlan;
}

/** Colour by `groupBy` (else by the first varying key), then style and panel by encodings.ts. */
export function studyEncoding(cells: readonly StudyCell[], groupBy?: string): StudyEncoding {
  const groups = groupBySeed(cells);
  const first = groups[0]?.parts[0]?.key;
  let colors: string[];
  let colorTitle: string;
  if (groupBy) {
    colors = groups.map((g) => groupValue(g.members[0].run.config, groupBy));
    colorTitle = groupBy;
  } else if (first !== undefined) {
    colors = groups.map((g) => labelFor(g.parts, [first]));
    colorTitle = shortKey(first);
  } else {
    colors = groups.map((g) => g.label);
    colorTitle = 'cells';
  }
  return {
    groups,
    colors,
    colorTitle,
    plan: planEncodings(
      groups.map((g) => g.parts),
      colors,
    ),
  };
}

/** One run's curve of `metric` (rows where the metric is null are dropped). */
export function runCurvePoints(metrics: readonly StoredMetricsRow[], metric: MetricKey): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const row of metrics) {
    const v = row[metric];
    if (v !== null) out.push({ iter: row.iter, bits: row.bitsSent, value: v, lo: null, hi: null, ...wireOf([row]), ...simTimeOf([row]) });
  }
  return out;
}

/**
 * Mean and min/max of `metric` over runs (seeds), at the iterations every run evaluated with a
 * non-null value: value = (1/S)Σ_s m_s, lo = min_s m_s, hi = max_s m_s, bits = (1/S)Σ_s bits_s.
 * A single run gives its own curve without a band.
 */
export function aggregateSeeds(runs: readonly (readonly StoredMetricsRow[])[], metric: MetricKey): CurvePoint[] {
  if (runs.length === 0) return [];
  if (runs.length === 1) return runCurvePoints(runs[0], metric);
  const maps = runs.map((rows) => new Map(rows.map((r) => [r.iter, r])));
  const out: CurvePoint[] = [];
  for (const first of runs[0]) {
    const rows = maps.map((m) => m.get(first.iter));
    if (rows.some((r) => r === undefined || r[metric] === null)) continue;
    let sum = 0;
    let bits = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows as StoredMetricsRow[]) {
      const v = r[metric] as number;
      sum += v;
      bits += r.bitsSent;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out.push({
      iter: first.iter,
      bits: bits / rows.length,
      value: sum / rows.length,
      lo,
      hi,
      ...wireOf(rows as StoredMetricsRow[]),
      ...simTimeOf(rows as StoredMetricsRow[]),
    });
  }
  return out;
}

/** { wireBytes: mean over the rows } when every row has it, else nothing. */
function wireOf(rows: readonly StoredMetricsRow[]): { wireBytes?: number } {
  let sum = 0;
  for (const r of rows) {
    if (r.wireBytes == null) return {};
    sum += r.wireBytes;
  }
  return { wireBytes: sum / rows.length };
}

/** { simTime: mean over the rows } when every row has one, else nothing. */
function simTimeOf(rows: readonly StoredMetricsRow[]): { simTime?: number } {
  let sum = 0;
  for (const r of rows) {
    if (r.simTime == null) return {};
    sum += r.simTime;
  }
  return { simTime: sum / rows.length };
}

/** The colour key of a run for a grouping axis: 'compressor', 'algorithm', or any config path. */
export function groupValue(config: Record<string, unknown>, groupBy: string): string {
  if (groupBy === 'compressor') return compressorLabel(config);
  if (groupBy === 'algorithm') return showValue(getPath(config, 'algorithm.name'));
  return showValue(getPath(config, groupBy));
}

/** One curve per seed group of a study, with its colour, style and panel values (studyEncoding). */
export function studyCurves(study: StudyFolder, metric: MetricKey, opts: { groupBy?: string } = {}): Curve[] {
  const enc = studyEncoding(study.cells, opts.groupBy);
  return enc.groups.map((g, i) => ({
    series: g.label,
    group: enc.colors[i],
    style: labelFor(g.parts, enc.plan.style),
    panel: labelFor(g.parts, enc.plan.panel),
    points: aggregateSeeds(
      g.members.map((c) => c.run.metrics),
      metric,
    ),
  }));
}

/** The curve of a single run. */
export function runCurve(run: RunFolder, metric: MetricKey, series: string): Curve {
  return { series, group: series, points: runCurvePoints(run.metrics, metric) };
}

export interface ParetoPoint {
  cell: string;
  compressor: string;
  algorithm: string;
  /** Colour, shape and panel values (studyEncoding, as in the curve figures). */
  group: string;
  style: string;
  panel: string;
  /** Total payload bits sent (last row). */
  bits: number;
  /** Final test accuracy, or final objective when the study has no test set. */
  value: number;
  /** Not dominated within its panel: no other cell there reaches a better value with at most as many bits. */
  frontier: boolean;
}

export interface ParetoData {
  metric: 'testAccuracy' | 'objective';
  colorTitle: string;
  /** Keys on the shape channel and on the panels (empty: not used). */
  styleKeys: readonly string[];
  panelKeys: readonly string[];
  points: ParetoPoint[];
}

/**
 * Final quality against total bits, one point per cell. Accuracy is maximised, the objective
 * minimised; the frontier is the set of cells not dominated in (fewer bits, better value), per panel
 * (a panel is one setting, e.g. one topology: a frontier across settings would compare unlike runs).
 */
export function paretoData(study: StudyFolder, opts: { groupBy?: string } = {}): ParetoData {
  const last = (c: StudyCell): StoredMetricsRow => c.run.metrics[c.run.metrics.length - 1];
  const metric = study.cells.some((c) => last(c).testAccuracy !== null) ? 'testAccuracy' : 'objective';
  const better = (a: number, b: number): boolean => (metric === 'testAccuracy' ? a > b : a < b);
  const enc = studyEncoding(study.cells, opts.groupBy);
  const points: ParetoPoint[] = [];
  enc.groups.forEach((g, i) => {
    for (const c of g.members) {
      const row = last(c);
      const v = row[metric];
      if (v === null) continue;
      points.push({
        cell: c.cell,
        compressor: compressorLabel(c.run.config),
        algorithm: showValue(getPath(c.run.config, 'algorithm.name')),
        // With --group-by the cell's own config decides (cells of one seed group agree unless a diff omits a key).
        group: opts.groupBy ? groupValue(c.run.config, opts.groupBy) : enc.colors[i],
        style: labelFor(g.parts, enc.plan.style),
        panel: labelFor(g.parts, enc.plan.panel),
        bits: row.bitsSent,
        value: v,
        frontier: false,
      });
    }
  });
  // Keep the cells' index order for the output.
  const rank = new Map(study.cells.map((c, i) => [c.cell, i]));
  points.sort((a, b) => rank.get(a.cell)! - rank.get(b.cell)!);
  for (const panel of new Set(points.map((p) => p.panel))) {
    const order = points
      .filter((p) => p.panel === panel)
      .sort((a, b) => a.bits - b.bits || (better(a.value, b.value) ? -1 : better(b.value, a.value) ? 1 : 0));
    let best: number | null = null;
    for (const p of order) {
      if (best === null || better(p.value, best)) {
        p.frontier = true;
        best = p.value;
      }
    }
  }
  return { metric, colorTitle: enc.colorTitle, styleKeys: enc.plan.style, panelKeys: enc.plan.panel, points };
}
