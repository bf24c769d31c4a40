/**
 * `proxmesh sweep --config study.yaml [--out DIR] [--parallel N] [--json] [--quiet] [--dry-run]`
 * Progress goes to `stderr` (a status line on a TTY, plain lines otherwise); the returned `stdout`
 * is the final summary (text, or one JSON object with --json). When any cell failed twice, the
 * sweep still finishes the other cells, writes the index, then throws PROXMESH_ERR_WORKER_FAILED
 * (exit status 1) naming the failed cells and the study folder.
 */
import { join } from 'node:path';
import { ProxmeshError } from '../errors.ts';
import { loadStudy } from './load-study.ts';
import { createSweepProgress, type SweepProgressMode } from './progress.ts';
import { runSweep, type SweepResult } from './run-sweep.ts';
import { canonicalJson } from './grid.ts';

export interface SweepCommandOptions {
  /** Study file (YAML or JSON). */
  readonly config: string;
  /** Study folder; default studies/<study name> under the working directory. */
  readonly out?: string;
  /** Cells at a time (overrides the study's `parallel`; default os.availableParallelism()). */
  readonly parallel?: number;
  /** Machine output: stdout is one JSON object; no progress display. */
  readonly json?: boolean;
  /** No progress display. */
  readonly quiet?: boolean;
  /** Validate the study and list its cells without running anything. */
  readonly dryRun?: boolean;
  /** Where progress goes (default process.stderr); a TTY gets a redrawn status line. */
  readonly stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Kill a cell's process after this many ms (counts as a failed attempt). */
  readonly cellTimeoutMs?: number;
  /** Environment of the cell processes (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

export async function sweepCommand(opts: SweepCommandOptions): Promise<{ stdout: string }> {
  if (opts.parallel !== undefined && (!Number.isInteger(opts.parallel) || opts.parallel < 1)) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `option --parallel: expected a positive integer (got ${opts.parallel})`);
  }
  const study = loadStudy(opts.config);
  const outDir = opts.out ?? join('studies', study.name);
  if (opts.dryRun) {
    if (opts.json) {
      return {
        stdout: `${JSON.stringify({ study: study.name, dir: outDir, cells: study.cells.map((c) => ({ cell: c.id, dir: c.dir, diff: c.diff })) })}\n`,
      };
    }
    const lines = study.cells.map(
      (c) =>
        `${c.id}  ${Object.entries(c.diff)
          .map(([p, v]) => `${p}=${canonicalJson(v)}`)
          .join(' ')}`,
    );
    return { stdout: `study ${study.name}: ${study.cells.length} valid cells → ${outDir}\n${lines.join('\n')}\n` };
  }
  const stream = opts.stderr ?? process.stderr;
  const mode: SweepProgressMode = opts.json || opts.quiet ? 'quiet' : stream.isTTY ? 'tty' : 'lines';
  const progress = createSweepProgress(mode, stream);
  let result: SweepResult;
  try {
    result = await runSweep(study, {
      outDir,
      parallel: opts.parallel,
      onEvent: progress.onEvent,
      cellTimeoutMs: opts.cellTimeoutMs,
      env: opts.env,
    });
  } finally {
    progress.stop();
  }
  const done = result.skipped + result.ran;
  const summary = {
    study: study.name,
    dir: result.dir,
    total: result.total,
    done,
    skipped: result.skipped,
    ran: result.ran,
    failed: result.failed,
    seconds: result.seconds,
  };
  const stdout = opts.json
    ? `${JSON.stringify(summary)}\n`
    : `study ${study.name}: ${done}/${result.total} cells done (${result.skipped} skipped, ${result.ran} run, ${result.failed.length} failed)\nresults in ${result.dir} (index.ndjson, index.csv)\n`;
  if (result.failed.length > 0) {
    throw new ProxmeshError(
      'PROXMESH_ERR_WORKER_FAILED',
      `${result.failed.length} of ${result.total} cells failed twice: ${result.failed.join(', ')}; the other cells finished, results in ${result.dir}`,
      summary,
    );
  }
  return { stdout };
}
