/**
 * Runs a resolved study into one study folder:
 *   study.json          the resolved study (base, axes, zip, seeds, targets, cells with ids and diffs)
 *   cells/<id>/         one run folder per cell (the simulator's format)
 *   index.ndjson / .csv one row per finished cell, rewritten atomically after every cell
 * Cells run at most `parallel` at a time, each in its own process. Resumable: a cell whose folder
 * holds a completed summary.json for the same config is skipped. A failed attempt (nonzero exit, or
 * no completed summary) is reported with its stderr tail and retried once; a cell failing twice is
 * marked failed in the index while the others go on.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProxmeshError } from '../errors.ts';
import { cellFolderState, readFinishedCell } from './cell-results.ts';
import type { PlannedCell, ResolvedStudy } from './load-study.ts';
import { runCellProcess, type CellRunResult } from './run-cell.ts';
import { buildIndexRows, writeAtomic, writeIndex, type CellFailure, type CellOutcome, type IndexRow } from './study-index.ts';

export type SweepEvent =
  | { type: 'start'; total: number; toRun: number; skipped: number; stale: number; parallel: number; dir: string }
  | { type: 'cell-start'; cell: string; attempt: number }
  | { type: 'cell-progress'; cell: string; iter: number; iterations: number }
  | { type: 'cell-done'; cell: string; seconds: number }
  | { type: 'cell-retry'; cell: string; failure: CellFailure }
  | { type: 'cell-failed'; cell: string; failure: CellFailure }
  | { type: 'end'; done: number; failed: number; seconds: number };

export interface SweepOptions {
  /** The study folder (created if needed). */
  readonly outDir: string;
  /** Cells at a time; default: the study's `parallel`, else os.availableParallelism(). */
  readonly parallel?: number;
  readonly onEvent?: (e: SweepEvent) => void;
  /** Kill a cell's process after this many ms (counts as a failed attempt); default: no limit. */
  readonly cellTimeoutMs?: number;
  /** Environment of the cell processes (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface SweepResult {
  readonly dir: string;
  readonly total: number;
  /** Cells already finished before this run. */
  readonly skipped: number;
  /** Cells run (successfully) by this run. */
  readonly ran: number;
  readonly failed: readonly string[];
  readonly rows: readonly IndexRow[];
  readonly seconds: number;
}

/** The JSON of study.json. */
export function studyJson(study: ResolvedStudy): Record<string, unknown> {
  return {
    name: study.name,
    description: study.description,
    file: study.file,
    baseFile: study.baseFile,
    base: study.base,
    axes: study.axes,
    zip: study.zip,
    seeds: study.seeds,
    targets: study.targets,
    parallel: study.parallel,
    cells: study.cells.map((c) => ({ cell: c.id, dir: c.dir, diff: c.diff })),
  };
}

function failureOf(run: CellRunResult, attempts: number, summaryMissing: boolean): CellFailure {
  const what = run.timedOut
    ? 'timed out'
    : run.signal !== null
      ? `killed by ${run.signal}`
      : run.exitCode !== 0
        ? `exited with status ${run.exitCode}`
        : summaryMissing
          ? 'exited 0 without a completed summary.json'
          : 'failed';
  return { attempts, exitCode: run.exitCode, signal: run.signal, message: what, stderrTail: run.stderrTail };
}

export async function runSweep(study: ResolvedStudy, opts: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const dir = resolve(opts.outDir);
  const parallel = opts.parallel ?? study.parallel ?? availableParallelism();
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `parallel must be a positive integer (got ${parallel})`);
  const emit = opts.onEvent ?? (() => {});
  try {
    mkdirSync(join(dir, 'cells'), { recursive: true });
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `cannot create study folder ${dir}: ${(err as Error).message}`, { dir });
  }
  writeAtomic(dir, 'study.json', `${JSON.stringify(studyJson(study), null, 2)}\n`);

  const diffPaths = [...new Set(study.cells.flatMap((c) => Object.keys(c.diff)))];
  const outcomes = new Map<string, CellOutcome>();
  const flushIndex = (): IndexRow[] => {
    const rows = buildIndexRows(study.cells, outcomes, study.targets);
    writeIndex(dir, rows, diffPaths, study.targets);
    return rows;
  };

  const queue: { cell: PlannedCell; attempt: number }[] = [];
  let stale = 0;
  for (const cell of study.cells) {
    const state = cellFolderState(join(dir, cell.dir), cell.config);
    if (state === 'done') outcomes.set(cell.id, { status: 'done', result: readFinishedCell(join(dir, cell.dir), cell.config) });
    else {
      if (state === 'stale') stale += 1;
      queue.push({ cell, attempt: 1 });
    }
  }
  const skipped = outcomes.size;
  let rows = flushIndex();
  emit({ type: 'start', total: study.cells.length, toRun: queue.length, skipped, stale, parallel, dir });

  let ran = 0;
  const failed: string[] = [];
  const runOne = async (cell: PlannedCell, attempt: number): Promise<void> => {
    const cellDir = join(dir, cell.dir);
    // A summary from an earlier (other-config or crashed) attempt must not make this one look done.
    rmSync(join(cellDir, 'summary.json'), { force: true });
    emit({ type: 'cell-start', cell: cell.id, attempt });
    const run = await runCellProcess({
      config: cell.config,
      outDir: cellDir,
      timeoutMs: opts.cellTimeoutMs,
      env: opts.env,
      onProgress: (iter, iterations) => emit({ type: 'cell-progress', cell: cell.id, iter, iterations }),
    });
    const ok = run.exitCode === 0 && cellFolderState(cellDir, cell.config) === 'done';
    if (ok) {
      try {
        outcomes.set(cell.id, { status: 'done', result: readFinishedCell(cellDir, cell.config) });
        ran += 1;
        emit({ type: 'cell-done', cell: cell.id, seconds: run.seconds });
      } catch (err) {
        const failure: CellFailure = {
          attempts: attempt,
          exitCode: 0,
          signal: null,
          message: `unreadable results: ${(err as Error).message}`,
          stderrTail: run.stderrTail,
        };
        outcomes.set(cell.id, { status: 'failed', failure });
        failed.push(cell.id);
        emit({ type: 'cell-failed', cell: cell.id, failure });
      }
    } else {
      const failure = failureOf(run, attempt, run.exitCode === 0);
      if (attempt < 2) {
        emit({ type: 'cell-retry', cell: cell.id, failure });
        queue.unshift({ cell, attempt: attempt + 1 });
        return;
      }
      outcomes.set(cell.id, { status: 'failed', failure });
      failed.push(cell.id);
      emit({ type: 'cell-failed', cell: cell.id, failure });
    }
    rows = flushIndex();
  };

  const lane = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await runOne(next.cell, next.attempt);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, queue.length)) }, lane));

  const order = new Map(study.cells.map((c) => [c.id, c.index]));
  failed.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const seconds = (performance.now() - t0) / 1000;
  emit({ type: 'end', done: skipped + ran, failed: failed.length, seconds });
  return { dir, total: study.cells.length, skipped, ran, failed, rows, seconds };
}
