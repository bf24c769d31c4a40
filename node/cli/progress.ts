/**
 * Progress of a long command. Modes: 'bar' (a TTY: cli-progress bar with ETA and the current
 * objective, on stderr), 'lines' (one plain line per evaluation row on stdout), 'json' (one JSON
 * object per evaluation row on stdout; the caller prints the final summary object), 'quiet'.
 */
import cliProgress from 'cli-progress';
import type { MetricsRow } from '../results/metrics-row.ts';
import type { SimProgress } from '../sim/run-sim.ts';
import { canonicalRow } from '../results/metrics-format.ts';
import type { CliIo } from './io.ts';

export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

export interface Progress {
  update(p: SimProgress): void;
  stop(): void;
}

export function progressMode(opts: { json?: boolean; quiet?: boolean }, io: CliIo): ProgressMode {
  if (opts.json) return 'json';
  if (opts.quiet) return 'quiet';
  return io.stderr.isTTY ? 'bar' : 'lines';
}

function fmt(v: number | null, digits = 6): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : v.toPrecision(digits);
}

/** "iter 100/2000  epoch 0.39  objective 0.412345  stationarity 0.0123  consensus 3.4e-5  sent 1.23 MB" */
export function progressLine(row: MetricsRow, iterations: number): string {
  const acc = row.testAccuracy ?? row.trainAccuracy;
  return [
    `iter ${row.iter}/${iterations}`,
    `epoch ${fmt(row.epoch, 4)}`,
    `objective ${fmt(row.objective)}`,
    `stationarity ${fmt(row.stationarity, 4)}`,
    `consensus ${fmt(row.consensus, 4)}`,
    `density ${fmt(row.density, 3)}`,
    `${row.testAccuracy !== null ? 'test' : 'train'} acc ${fmt(acc, 4)}`,
    `sent ${(row.bytesSent / 1e6).toFixed(3)} MB`,
  ].join('  ');
}

export function createProgress(mode: ProgressMode, io: CliIo): Progress {
  if (mode === 'quiet') return { update() {}, stop() {} };
  if (mode === 'json') {
    return {
      update(p) {
        if (p.row) io.stdout.write(`${JSON.stringify({ type: 'row', ...canonicalRow(p.row) })}\n`);
      },
      stop() {},
    };
  }
  if (mode === 'lines') {
    return {
      update(p) {
        if (p.row) io.stdout.write(`${progressLine(p.row, p.iterations)}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: 'sim |{bar}| {value}/{total} it | ETA {eta_formatted} | objective {objective}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (!started) {
        bar.start(p.iterations, p.iter, { objective: 'n/a' });
        started = true;
      }
      bar.update(p.iter, p.row ? { objective: fmt(p.row.objective) } : {});
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
