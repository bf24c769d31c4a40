/**
 * Results tables (HTML): the final metrics of a run, one row per study cell, and per seed group
 * mean [min, max] when cells differ only by seed.
 */
import { groupBySeed } from './aggregate.ts';
import { compressorLabel, formatNumber, showValue } from './describe.ts';
import { dataTable, keyValueTable } from './html.ts';
import type { StudyFolder } from './read.ts';
import type { StoredMetricsRow, SIM_TIME_KEY, WIRE_KEYS } from '../results/metrics-row.ts';

/** Final-row columns shown in tables: [key, header] (the optional wire figures are plotted, not tabled). */
export const FINAL_COLUMNS: readonly (readonly [
  Exclude<keyof StoredMetricsRow, (typeof WIRE_KEYS)[number] | typeof SIM_TIME_KEY>,
  string,
])[] = [
  ['iter', 'K'],
  ['epoch', 'epochs'],
  ['objective', 'φ(x̄)'],
  ['stationarity', 'stationarity'],
  ['consensus', 'consensus'],
  ['density', 'density'],
  ['trainAccuracy', 'train acc'],
  ['testAccuracy', 'test acc'],
  ['bitsSent', 'bits sent'],
  ['bytesSent', 'bytes sent'],
];

const cell = (v: number | null): string => (v === null ? '—' : formatNumber(v));

/** The last metrics row as a key/value table. */
export function finalRowTable(row: StoredMetricsRow, caption = 'Final evaluation'): string {
  return keyValueTable(
    FINAL_COLUMNS.map(([k, h]) => [h, cell(row[k])] as const),
    caption,
  );
}

/** One row per cell: id, its diff values, compressor, final metrics. */
export function studyCellsTable(study: StudyFolder): string {
  const paths = [...new Set(study.cells.flatMap((c) => Object.keys(c.diff)))];
  const header = ['cell', ...paths, 'compressor', ...FINAL_COLUMNS.map(([, h]) => h)];
  const rows = study.cells.map((c) => {
    const last = c.run.metrics[c.run.metrics.length - 1];
    return [c.cell, ...paths.map((p) => showValue(c.diff[p])), compressorLabel(c.run.config), ...FINAL_COLUMNS.map(([k]) => cell(last[k]))];
  });
  return dataTable(header, rows, 'Cells (final evaluation)');
}

/** mean [min, max] of one final metric over a group's seeds; '—' when any seed has null. */
export function meanMinMax(values: readonly (number | null)[]): { mean: number; min: number; max: number } | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  const vs = values as number[];
  return { mean: vs.reduce((a, b) => a + b, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs) };
}

/** Per seed group: seeds, final metrics as mean [min, max]. Empty string when no group has ≥ 2 seeds. */
export function seedGroupsTable(study: StudyFolder): string {
  const groups = groupBySeed(study.cells);
  if (!groups.some((g) => g.members.length > 1)) return '';
  const cols = FINAL_COLUMNS.filter(([k]) => k !== 'iter' && k !== 'epoch');
  const header = ['group', 'seeds', ...cols.map(([, h]) => h)];
  const rows = groups.map((g) => {
    const finals = g.members.map((c) => c.run.metrics[c.run.metrics.length - 1]);
    return [
      g.label,
      String(g.members.length),
      ...cols.map(([k]) => {
        const s = meanMinMax(finals.map((r) => r[k]));
        if (s === null) return '—';
        return g.members.length === 1 ? formatNumber(s.mean) : `${formatNumber(s.mean)} [${formatNumber(s.min)}, ${formatNumber(s.max)}]`;
      }),
    ];
  });
  return dataTable(header, rows, 'Seed groups: mean [min, max] over seeds');
}
