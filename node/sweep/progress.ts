/**
 * One progress display for a whole study: cells done/total, failed, the running cells with their
 * fraction, and an ETA. 'tty' redraws one status line (stderr of a terminal); 'lines' prints a plain
 * line per finished / retried / failed cell; 'quiet' prints nothing.
 *
 * ETA = elapsed · (R − p) / p, with R the cells this run has to run and p = cells finished by this
 * run + Σ over running cells of iter/K (work units done; assumes equal-cost cells).
 */
import { performance } from 'node:perf_hooks';
import type { SweepEvent } from './run-sweep.ts';

export type SweepProgressMode = 'tty' | 'lines' | 'quiet';

export interface SweepProgress {
  readonly onEvent: (e: SweepEvent) => void;
  /** Stops redrawing (idempotent); the last status line is terminated. */
  stop(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** ETA in seconds from elapsed time and work done (p of R units); null before any progress. */
export function etaSeconds(elapsed: number, doneUnits: number, totalUnits: number): number | null {
  if (doneUnits <= 0) return null;
  return Math.max(0, (elapsed * (totalUnits - doneUnits)) / doneUnits);
}

export function createSweepProgress(
  mode: SweepProgressMode,
  stream: NodeJS.WritableStream,
  now: () => number = () => performance.now(),
): SweepProgress {
  if (mode === 'quiet') return { onEvent() {}, stop() {} };
  let total = 0;
  let toRun = 0;
  let finished = 0; // by this run (done or failed)
  let doneTotal = 0; // done cells including skipped ones
  let failed = 0;
  let t0 = now();
  let lastDraw = 0;
  let drawn = false;
  const running = new Map<string, number>();

  const eta = (): string => {
    let units = finished;
    for (const f of running.values()) units += f;
    const e = etaSeconds((now() - t0) / 1000, units, toRun);
    return e === null ? '?' : formatDuration(e);
  };
  const status = (): string => {
    const run = [...running.entries()].map(([id, f]) => `${id.length > 40 ? `${id.slice(0, 37)}...` : id} ${Math.round(f * 100)}%`);
    return `sweep ${doneTotal}/${total} done${failed > 0 ? `, ${failed} failed` : ''} | running ${running.size}${run.length > 0 ? ` (${run.join('; ')})` : ''} | ETA ${eta()}`;
  };
  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - lastDraw < 200) return;
    lastDraw = t;
    stream.write(`\r\x1b[2K${status()}`);
    drawn = true;
  };
  const line = (text: string): void => {
    if (mode === 'tty' && drawn) stream.write('\r\x1b[2K');
    stream.write(`${text}\n`);
    if (mode === 'tty') draw(true);
  };

  return {
    onEvent(e) {
      switch (e.type) {
        case 'start':
          total = e.total;
          toRun = e.toRun;
          doneTotal = e.skipped;
          t0 = now();
          line(
            `study: ${e.total} cells, ${e.skipped} already done (skipped), ${e.toRun} to run${e.stale > 0 ? ` (${e.stale} with results for another config)` : ''}, ${e.parallel} at a time → ${e.dir}`,
          );
          break;
        case 'cell-start':
          running.set(e.cell, 0);
          if (mode === 'tty') draw(true);
          break;
        case 'cell-progress':
          running.set(e.cell, e.iterations > 0 ? e.iter / e.iterations : 0);
          if (mode === 'tty') draw(false);
          break;
        case 'cell-done':
          running.delete(e.cell);
          finished += 1;
          doneTotal += 1;
          line(`[${doneTotal}/${total}] done ${e.cell} (${e.seconds.toFixed(1)} s) | running ${running.size} | ETA ${eta()}`);
          break;
        case 'cell-retry':
          running.delete(e.cell);
          line(
            `cell ${e.cell} ${e.failure.message} (attempt ${e.failure.attempts}); retrying once. stderr tail:\n${indent(e.failure.stderrTail)}`,
          );
          break;
        case 'cell-failed':
          running.delete(e.cell);
          finished += 1;
          failed += 1;
          line(`cell ${e.cell} FAILED twice: ${e.failure.message}. stderr tail:\n${indent(e.failure.stderrTail)}`);
          break;
        case 'end':
          line(`study finished in ${formatDuration(e.seconds)}: ${e.done}/${total} done, ${e.failed} failed`);
          break;
      }
    },
    stop() {
      if (mode === 'tty' && drawn) {
        stream.write('\r\x1b[2K');
        drawn = false;
      }
    },
  };
}

function indent(text: string): string {
  return text === ''
    ? '    (no stderr)'
    : text
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n');
}
