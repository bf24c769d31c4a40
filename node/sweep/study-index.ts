/**
 * index.ndjson and index.csv of a study folder: one row per finished (done or failed) cell, in grid
 * order: cell → dir → status → config diff → final metrics → derived quantities. Both files are
 * rewritten atomically (write a temporary file, then rename) so a crash never leaves half an index.
 * node/report/read.ts reads index.ndjson ({ cell, dir, diff, final } plus these extra keys).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import { BASE_METRICS_KEYS } from '../results/metrics-row.ts';
import type { FinishedCell } from './cell-results.ts';
import { deriveCell, identityBitsSent, TARGET_METRICS, type CellDerived } from './derive.ts';
import { canonicalJson } from './grid.ts';
import type { StudyTargets } from './spec.ts';

export interface CellFailure {
  readonly attempts: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly message: string;
  /** Last lines of the child's stderr. */
  readonly stderrTail: string;
}

export interface IndexCell {
  readonly id: string;
  readonly dir: string;
  readonly diff: Readonly<Record<string, unknown>>;
  readonly config: FrozenConfig;
}

export type CellOutcome = { status: 'done'; result: FinishedCell } | { status: 'failed'; failure: CellFailure };

export interface IndexRow {
  readonly cell: string;
  readonly dir: string;
  readonly status: 'done' | 'failed';
  readonly diff: Readonly<Record<string, unknown>>;
  readonly final: Record<string, number | null> | null;
  readonly derived: CellDerived | null;
  readonly error?: CellFailure;
}

function isIdentityF64(spec: unknown): boolean {
  const s = spec as { kind?: unknown; precision?: unknown } | undefined;
  return s?.kind === 'identity' && (s.precision === undefined || s.precision === 'f64');
}

function withoutCompression(config: FrozenConfig): string {
  const { compression: _c, output: _o, ...rest } = config as unknown as Record<string, unknown>;
  return canonicalJson(rest);
}

/**
 * bitsSent of the cell's identity counterpart at its own K: itself for algorithms that send
 * uncompressed messages; else a done cell equal in everything but `compression`, with Q_x = Q_y =
 * identity(f64) and the same K; else the analytic formula of derive.ts.
 */
export function identityReference(
  cell: IndexCell,
  result: FinishedCell,
  others: readonly { cell: IndexCell; result: FinishedCell }[],
): { bits: number; source: 'cell' | 'analytic' } {
  const last = result.rows[result.rows.length - 1];
  if (!result.usesCompression) return { bits: last.bitsSent, source: 'cell' };
  const key = withoutCompression(cell.config);
  for (const o of others) {
    const c = o.cell.config.compression;
    if (!isIdentityF64(c.x) || !isIdentityF64(c.y)) continue;
    if (withoutCompression(o.cell.config) !== key) continue;
    const oLast = o.result.rows[o.result.rows.length - 1];
    if (oLast.iter === last.iter) return { bits: oLast.bitsSent, source: 'cell' };
  }
  return {
    bits: identityBitsSent({
      dim: result.dim,
      links: result.links,
      phases: result.phases,
      initPhases: result.initPhases,
      iterations: last.iter,
    }),
    source: 'analytic',
  };
}

/** Rows for the cells with an outcome, in the given (grid) order. */
export function buildIndexRows(cells: readonly IndexCell[], outcomes: ReadonlyMap<string, CellOutcome>, targets: StudyTargets): IndexRow[] {
  const done: { cell: IndexCell; result: FinishedCell }[] = [];
  for (const c of cells) {
    const o = outcomes.get(c.id);
    if (o?.status === 'done') done.push({ cell: c, result: o.result });
  }
  const rows: IndexRow[] = [];
  for (const c of cells) {
    const o = outcomes.get(c.id);
    if (o === undefined) continue;
    if (o.status === 'failed') {
      rows.push({ cell: c.id, dir: c.dir, status: 'failed', diff: c.diff, final: null, derived: null, error: o.failure });
      continue;
    }
    const last = o.result.rows[o.result.rows.length - 1];
    const final: Record<string, number | null> = {};
    for (const k of BASE_METRICS_KEYS) final[k] = last[k];
    if (last.simTime != null) final.simTime = last.simTime;
    const derived = deriveCell(o.result.rows, targets, identityReference(c, o.result, done));
    rows.push({ cell: c.id, dir: c.dir, status: 'done', diff: c.diff, final, derived });
  }
  return rows;
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV: cell, dir, status, one column per diff path, final.<metric>, derived columns, error. */
export function indexCsv(rows: readonly IndexRow[], diffPaths: readonly string[], targets: StudyTargets): string {
  const reachKeys = TARGET_METRICS.filter((m) => targets[m] !== undefined);
  // Time-to-target columns only when some cell ran with a simulated clock (config `network`).
  const clocked = rows.some((r) => r.final?.simTime != null);
  const header = [
    'cell',
    'dir',
    'status',
    ...diffPaths,
    ...BASE_METRICS_KEYS.map((k) => `final.${k}`),
    'iterations',
    'bitsSent',
    'identityBits',
    'identitySource',
    'compressionRatio',
    ...reachKeys.flatMap((m) => [`${m}.target`, `${m}.iter`, `${m}.bits`, ...(clocked ? [`${m}.time`] : [])]),
    ...(clocked ? ['final.simTime'] : []),
    'error',
  ];
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) {
    const d = r.derived;
    lines.push(
      [
        r.cell,
        r.dir,
        r.status,
        ...diffPaths.map((p) => r.diff[p]),
        ...BASE_METRICS_KEYS.map((k) => r.final?.[k]),
        d?.iterations,
        d?.bitsSent,
        d?.identityBits,
        d?.identitySource,
        d?.compressionRatio,
        ...reachKeys.flatMap((m) => [targets[m], d?.reach[m]?.iter, d?.reach[m]?.bits, ...(clocked ? [d?.reach[m]?.time] : [])]),
        ...(clocked ? [r.final?.simTime] : []),
        r.error ? `${r.error.message}` : '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Write `text` to dir/file atomically: a temporary sibling, then rename (atomic on one filesystem). */
export function writeAtomic(dir: string, file: string, text: string): void {
  const target = join(dir, file);
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `cannot write ${target}: ${(err as Error).message}`, { file: target });
  }
}

export function writeIndex(studyDir: string, rows: readonly IndexRow[], diffPaths: readonly string[], targets: StudyTargets): void {
  writeAtomic(studyDir, 'index.ndjson', rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeAtomic(studyDir, 'index.csv', indexCsv(rows, diffPaths, targets));
}
