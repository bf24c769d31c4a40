/**
 * Checkpoint cost and time to resume (issue 12), for a9a (the 8-node CDProxSGT example, logistic,
 * d = 124) and LeNet5 on Fashion-MNIST (Experiment B's CDProxSGT, 5 nodes, b = 8, d = 44,426), in
 * this process with the simulator:
 *   - bytes and ms per checkpoint: a short run with `checkpointEvery` = E writes ⌊(K − 1)/E⌋
 *     checkpoints; ms = what the steps wait for (capture + the copy into one buffer), and beside it
 *     the ms until durable (SHA-256 + write + fsync + rename + fsync of the folder, in the
 *     checkpoint writer thread);
 *   - ms per iteration: the resumed part's timings.ndjson "iterations" block (evaluation excluded);
 *   - overhead at checkpointEvery = one epoch, estimated: ms per checkpoint ÷ (ms per iteration ×
 *     iterations per epoch), epoch = training samples ÷ (n · b); the bound is < 2 %;
 *   - the same overhead measured end to end on a9a (measureOverhead);
 *   - time to resume: find + read + verify the newest checkpoint (prepareSimResume), then the
 *     restore itself ("resume" phase of timings.ndjson); set-up + init (data, model, W) is the same
 *     as a fresh start's and printed beside it.
 * A missing Fashion-MNIST prints MISSING instead of the LeNet5 row, never skips silently.
 * This file runs from the sources (tsx); it gives worker threads the same loader (as the test runner
 * does), so the checkpoints go through the writer thread as in a compiled install, and says so.
 *   node --import tsx bench/run.ts checkpoint
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { prepareSimResume } from '../node/resume/sim-resume.ts';
import { loadConfig } from '../node/config/load.ts';
import { ProxmeshError } from '../node/errors.ts';
import { runSimulation } from '../node/sim/run-sim.ts';
import { checkpointThreadAvailable } from '../node/checkpoint/store.ts';
import { type BenchOptions, type BenchReport, fixed, int, pct } from './harness.ts';

const root = join(import.meta.dirname, '..');

/** file: URL of tsx's ESM API (test/vitest.config.ts devThreadLoader), for threads started from the sources. */
function devThreadLoader(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('tsx/package.json');
  const api = (require(pkgJson) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  return pathToFileURL(join(dirname(pkgJson), api)).href;
}
process.env.PROXMESH_DEV_THREAD_LOADER ??= devThreadLoader();

/** A full GC between the measured runs (V8's gc(), exposed at run time). */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

export interface Case {
  readonly label: string;
  readonly raw: Record<string, unknown>;
  /** Iterations of the short run and the checkpoint interval within it. */
  readonly iterations: number;
  readonly every: number;
  /** Training samples (a9a 32,561; Fashion-MNIST 60,000), for iterations per epoch. */
  readonly samples: number;
}

export function cases(quick: boolean): Case[] {
  const a9a = loadConfig(join(root, 'examples', 'a9a-cdproxsgt-ring8.yaml'));
  const lenet = loadConfig(join(root, 'examples', 'paper', 'b-cdproxsgt.yaml'));
  const plain = (c: unknown) => JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
  return [
    { label: 'a9a, 8 nodes, CDProxSGT', raw: plain(a9a), iterations: quick ? 42 : 202, every: 20, samples: 32561 },
    {
      label: 'LeNet5 Fashion-MNIST, 5 nodes, CDProxSGT',
      raw: { ...plain(lenet), init: { kind: 'random', scale: 1, perNode: false } },
      iterations: quick ? 22 : 62,
      every: 20,
      samples: 60000,
    },
  ];
}

function phases(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(join(dir, 'timings.ndjson'), 'utf8').trim().split('\n')) {
    const t = JSON.parse(line) as { phase: string; seconds: number };
    out[t.phase] = (out[t.phase] ?? 0) + t.seconds;
  }
  return out;
}

/** One row of the table: a short checkpointed run stopped before its end, then resumed. */
export async function measure(c: Case): Promise<Record<string, number | string | null>> {
  const dir = mkdtempSync(join(tmpdir(), 'proxmesh-bench-ckpt-'));
  try {
    const K = c.iterations;
    const config = loadConfig({ ...c.raw, iterations: K, evalEvery: K, checkpointEvery: c.every, output: { dir: 'runs' } });
    const writes: { bytes: number; ms: number; durableMs: number }[] = [];
    const crashAt = K - 1;
    try {
      await runSimulation(config, {
        outDir: join(dir, 'run'),
        onCheckpoint: (w) => writes.push(w),
        onProgress: (p) => {
          if (p.iter === crashAt) throw new Error('bench: stop before the end to resume');
        },
      });
    } catch (err) {
      if (err instanceof ProxmeshError) throw err;
    }
    const first = phases(join(dir, 'run'));
    const t0 = performance.now();
    const plan = prepareSimResume(join(dir, 'run'));
    const loadMs = performance.now() - t0;
    await runSimulation(plan.config, { outDir: plan.dir, resume: plan.loaded.checkpoint });
    const second = phases(join(dir, 'run'));
    // The stopped run wrote no "iterations" block (its only one ends at K): the resumed part's.
    const msPerIter = (1000 * second.iterations) / (K - plan.loaded.checkpoint.header.round);
    const n = (config.topology as { nodes: number }).nodes;
    const b = config.batchSize as number;
    const epochIters = Math.floor(c.samples / (n * b));
    const msPerCkpt = writes.reduce((s, w) => s + w.ms, 0) / writes.length;
    return {
      run: c.label,
      checkpoints: writes.length,
      bytes: writes[writes.length - 1].bytes,
      msPerCkpt,
      durableMs: writes.reduce((s, w) => s + w.durableMs, 0) / writes.length,
      msPerIter,
      epochIters,
      overhead: msPerCkpt / (msPerIter * epochIters),
      loadMs,
      restoreMs: 1000 * (second.resume ?? 0),
      setupMs: 1000 * ((second.setup ?? 0) + (second.init ?? 0) - (first.setup ?? 0) - (first.init ?? 0)),
    };
  } catch (err) {
    if (!(err instanceof ProxmeshError) || (err.code !== 'PROXMESH_ERR_DATASET_MISSING' && err.code !== 'PROXMESH_ERR_DATASET')) throw err;
    return { run: `${c.label}: MISSING (${err.code}; proxmesh data pull fashion-mnist)` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The overhead measured end to end: the same run (10 epochs of a9a, evaluation only at 0 and K)
 * with checkpointEvery = 0 and = one epoch, alternated `reps` times (A B B A …: load and the order
 * within a pair hit both alike); the
 * ratio of the medians of the whole runSimulation wall time, checkpoint waits included (the steps
 * blocked, a full queue, the flush of the last checkpoint before the run ends), and the median of
 * the pairs' own ratios. The writer thread is started by the first checkpointed run of the process
 * and kept: its start is in the first pair only.
 */
export async function measureOverhead(c: Case, reps: number): Promise<Record<string, number | string | null>> {
  const n = (c.raw.topology as { nodes: number }).nodes;
  const epoch = Math.floor(c.samples / (n * (c.raw.batchSize as number)));
  const K = 10 * epoch;
  const times: [number[], number[]] = [[], []];
  const steps: [number[], number[]] = [[], []];
  const load0 = loadavg()[0];
  for (let r = 0; r < reps; r++) {
    // A B, then B A: whichever runs second in a pair pays the first one's garbage, so the order alternates too.
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const every = i === 0 ? 0 : epoch;
      const dir = mkdtempSync(join(tmpdir(), 'proxmesh-bench-ckpt-'));
      try {
        const config = loadConfig({ ...c.raw, iterations: K, evalEvery: K, checkpointEvery: every, output: { dir: 'runs' } });
        collectGarbage(); // neither run pays for the previous one's garbage
        const t0 = performance.now();
        await runSimulation(config, { outDir: join(dir, 'run') });
        times[i].push(performance.now() - t0);
        steps[i].push(1000 * phases(join(dir, 'run')).iterations);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const med = (v: number[]) => v.slice().sort((a, b) => a - b)[v.length >> 1];
  return {
    run: c.label,
    iterations: K,
    every: epoch,
    pairs: reps,
    plainMs: med(times[0]),
    ckptMs: med(times[1]),
    overhead: med(times[1]) / med(times[0]) - 1,
    pairOverhead: med(times[1].map((t, i) => t / times[0][i] - 1)),
    stepsMs: med(steps[1]) - med(steps[0]),
    load: `${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
  };
}

export async function run(opts: BenchOptions): Promise<BenchReport> {
  const rows: Record<string, number | string | null>[] = [];
  for (const c of cases(opts.quick)) rows.push(await measure(c));
  const overhead = [await measureOverhead(cases(opts.quick)[0], opts.quick ? 3 : 25)];
  const how = checkpointThreadAvailable()
    ? 'SHA-256, write, fsync, rename, fsync(dir) in the checkpoint writer thread, up to 2 checkpoints on their way'
    : 'NO writer thread could be started here: the I/O ran on the step loop, which yielded once per step while it was in flight';
  return {
    name: 'checkpoint',
    tables: [
      {
        title: 'Checkpoint cost and time to resume (simulator, all nodes in one file)',
        columns: [
          { key: 'run', label: 'run' },
          { key: 'checkpoints', label: 'ckpts', fmt: int },
          { key: 'bytes', label: 'bytes/ckpt', fmt: int },
          { key: 'msPerCkpt', label: 'steps blocked ms/ckpt', fmt: fixed(2) },
          { key: 'durableMs', label: 'until durable ms', fmt: fixed(1) },
          { key: 'msPerIter', label: 'ms/iter', fmt: fixed(2) },
          { key: 'epochIters', label: 'iters/epoch', fmt: int },
          { key: 'overhead', label: 'overhead @1 epoch', fmt: pct },
          { key: 'loadMs', label: 'find+read+verify ms', fmt: fixed(1) },
          { key: 'restoreMs', label: 'restore ms', fmt: fixed(1) },
          { key: 'setupMs', label: 'setup+init ms (as a fresh start)', fmt: fixed(0) },
        ],
        rows,
        notes: [
          'steps blocked: capture + the copy into one buffer, mean over the run; until durable: from the capture to the fsync of the folder; bytes: the whole file (header 128 B).',
          `until durable: ${how}.`,
          'overhead @1 epoch (estimate) = steps blocked ÷ (ms/iter × iters/epoch), epoch = samples ÷ (n·b); the issue bounds it at 2 %.',
          'Time to resume = find+read+verify + restore + the same set-up a fresh run pays (data, model, W, init).',
        ],
      },
      {
        title: 'Overhead end to end: the same run without and with a checkpoint every epoch (median of alternated runs)',
        columns: [
          { key: 'run', label: 'run' },
          { key: 'iterations', label: 'K', fmt: int },
          { key: 'every', label: 'checkpointEvery', fmt: int },
          { key: 'plainMs', label: 'no checkpoints ms', fmt: fixed(0) },
          { key: 'ckptMs', label: 'checkpoints ms', fmt: fixed(0) },
          { key: 'pairs', label: 'pairs', fmt: int },
          { key: 'overhead', label: 'overhead (medians)', fmt: pct },
          { key: 'pairOverhead', label: 'overhead (median pair)', fmt: pct },
          { key: 'stepsMs', label: 'Δ iterations ms', fmt: fixed(1) },
          { key: 'load', label: 'load average (1 min)' },
        ],
        rows: overhead,
        notes: [
          `Whole runSimulation wall time (set-up, 2 evaluations, K iterations), the two runs alternated; ${how}.`,
          'The writer thread starts with the first checkpointed run of the process and is kept: its start-up is in the first pair only. A full GC before every run.',
          'Δ iterations: the medians of the iterations block of timings.ndjson (the steps and whatever the checkpoints cost them), with minus without.',
        ],
      },
    ],
  };
}
