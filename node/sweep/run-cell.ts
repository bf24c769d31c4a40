/**
 * Runs one cell in a child process (crash isolation: a cell that throws, runs out of memory or is
 * killed cannot take the sweep down) and reports its exit, the tail of its stderr and its progress.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { childEntryArgs } from '../runtime/child-entry.ts';

/** node/sweep/cell-worker: compiled .js in an install, the .ts source under the tests. */
const WORKER_ENTRY = childEntryArgs(import.meta.url, 'cell-worker');
const STDERR_TAIL_LINES = 20;
const STDERR_KEEP_BYTES = 16_384;

export interface CellRunOptions {
  /** The cell's resolved run config. */
  readonly config: unknown;
  /** Absolute run folder of the cell. */
  readonly outDir: string;
  readonly onProgress?: (iter: number, iterations: number) => void;
  /** Kill the child (SIGKILL) after this many ms; undefined = no limit. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface CellRunResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stderrTail: string;
  readonly seconds: number;
}

/** The last `lines` non-empty lines of `text`. */
export function tailLines(text: string, lines = STDERR_TAIL_LINES): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
}

export function runCellProcess(opts: CellRunOptions): Promise<CellRunResult> {
  const t0 = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [...WORKER_ENTRY, JSON.stringify(opts.config), opts.outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    let stderr = '';
    let pending = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_KEEP_BYTES);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      pending += s;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as { type?: string; iter?: number; iterations?: number };
          if (msg.type === 'progress' && typeof msg.iter === 'number' && typeof msg.iterations === 'number')
            opts.onProgress?.(msg.iter, msg.iterations);
        } catch {
          // not a protocol line (e.g. a stray log): ignored
        }
      }
    });
    const timer =
      opts.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    const finish = (exitCode: number | null, signal: string | null, extra = ''): void => {
      if (timer) clearTimeout(timer);
      resolvePromise({
        exitCode,
        signal,
        timedOut,
        stderrTail: tailLines(stderr + extra),
        seconds: (performance.now() - t0) / 1000,
      });
    };
    child.on('error', (err) => finish(null, null, `\nspawn failed: ${err.message}`));
    child.on('close', (code, signal) => finish(code, signal));
  });
}
