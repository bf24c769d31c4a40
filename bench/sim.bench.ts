/**
 * Simulator throughput against a vectorised NumPy implementation of the same run
 * (bench/baselines/cdproxsgt_a9a.py), measured one after the other in the same bench run:
 * full-batch a9a, logistic + ℓ1 (λ = 1e-4), sorted split, ring (metropolis), CDProxSGT with top-10 %
 * (global scope) on x and y, η = 0.5, γ_x = γ_y = 0.5, x⁰ = 0, for n = 8, 64, 1024 and 10,000.
 *
 * - proxmesh: `runSimulation` writing a run folder; iterations per second from its timings.ndjson
 *   (the "iterations" blocks only, evaluation excluded), set-up = its "setup" + "init" phases.
 * - NumPy: the script times its own iteration loop (evaluation excluded) and set-up (data parse,
 *   layout); it receives our W rows, so both mix with the same matrix.
 * - Agreement: both evaluate φ(x̄) at the same iterations; the table prints the largest relative
 *   difference, which shows the two ran the same maths (it is ~1e-15 when they do).
 * A missing Python or numpy is printed as MISSING in the table, never skipped silently.
 *   node --import tsx bench/run.ts sim
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../node/config/load.ts';
import type { FrozenConfig } from '../node/config/schema.ts';
import { findDataFile } from '../node/problem/datasets/paths.ts';
import { buildRunTopology } from '../node/sim/assemble.ts';
import { runSimulation } from '../node/sim/run-sim.ts';
import { mixingRow } from '../topologies/mixing.ts';
import { runBaseline } from './baselines/python.ts';
import { type BenchOptions, type BenchReport, fixed, int, ratio, sig } from './harness.ts';

const LAMBDA = 1e-4;
const ETA = 0.5;
const GAMMA = 0.5;
const RATIO = 0.1;

/** The run with n nodes and K iterations, evaluated at 0, K/2 and K. */
export function benchConfig(nodes: number, iterations: number, topology: Record<string, unknown> = { kind: 'ring' }): FrozenConfig {
  return loadConfig({
    seed: 42,
    iterations,
    evalEvery: Math.max(1, Math.floor(iterations / 2)),
    batchSize: 'full',
    algorithm: { name: 'cdproxsgt', eta: ETA, gammaX: GAMMA, gammaY: GAMMA },
    compression: { x: { kind: 'topk', ratio: RATIO, scope: 'global' }, y: { kind: 'topk', ratio: RATIO, scope: 'global' } },
    problem: { dataset: { name: 'a9a' }, model: { kind: 'logistic', intercept: true }, regularizer: { kind: 'l1', lambda: LAMBDA } },
    partition: { kind: 'sorted' },
    topology: { ...topology, nodes, weights: 'metropolis' },
    init: { kind: 'zero' },
  });
}

interface Measured {
  readonly itersPerSec: number;
  readonly setupSec: number;
  readonly objectives: ReadonlyMap<number, number>;
}

async function runOurs(config: FrozenConfig): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'proxmesh-bench-sim-'));
  try {
    const res = await runSimulation(config, { outDir: dir });
    let loop = 0;
    let setup = 0;
    for (const line of readFileSync(join(dir, 'timings.ndjson'), 'utf8').trim().split('\n')) {
      const t = JSON.parse(line) as { phase: string; seconds: number };
      if (t.phase === 'iterations') loop += t.seconds;
      if (t.phase === 'setup' || t.phase === 'init') setup += t.seconds;
    }
    return { itersPerSec: config.iterations / loop, setupSec: setup, objectives: new Map(res.rows.map((r) => [r.iter, r.objective])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface NumpyOut {
  readonly setupSec: number;
  readonly itersPerSec: number;
  readonly objectives: readonly { iter: number; objective: number }[];
  readonly numpy: string;
}

function runNumpy(config: FrozenConfig, evalAt: readonly number[]): Measured | string {
  const train = findDataFile('a9a/a9a.gz');
  if (train === null) return 'MISSING: a9a/a9a.gz not found';
  const topo = buildRunTopology(config);
  const rows = Array.from({ length: topo.graph.n }, (_, i) => {
    const r = mixingRow(topo.mixing, i);
    return { ids: Array.from(r.ids), weights: Array.from(r.weights) };
  });
  const input = { train, features: 123, lambda: LAMBDA, eta: ETA, gammaX: GAMMA, gammaY: GAMMA, ratio: RATIO, iterations: config.iterations, evalAt, rows };
  const r = runBaseline<NumpyOut>('cdproxsgt_a9a.py', ['numpy'], input);
  if (!r.ok) return `MISSING: ${r.missing}`;
  return { itersPerSec: r.value.itersPerSec, setupSec: r.value.setupSec, objectives: new Map(r.value.objectives.map((o) => [o.iter, o.objective])) };
}

/** max over the common iterations of |a − b| / |b|. */
function maxRelDiff(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): number {
  let worst = 0;
  for (const [k, v] of b) {
    const u = a.get(k);
    if (u === undefined) return NaN;
    worst = Math.max(worst, Math.abs(u - v) / Math.abs(v));
  }
  return worst;
}

/** Median over repetitions of each numeric column; the ratio is the median of the per-rep ratios. */
function medianRow(reps: readonly Record<string, number | string | null>[]): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = { ...reps[0] };
  for (const key of ['ours', 'numpy', 'ratio', 'oursSetup', 'numpySetup', 'agreement']) {
    const v = reps.map((r) => r[key]).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
    if (v.length === reps.length) out[key] = v.length % 2 === 1 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
  return out;
}

/** One table row: ours, then NumPy, on the same config (n nodes, K iterations). */
export async function compareAt(nodes: number, iterations: number): Promise<Record<string, number | string | null>> {
  const config = benchConfig(nodes, iterations);
  const ours = await runOurs(config);
  const np = runNumpy(config, [...ours.objectives.keys()]);
  const base = typeof np === 'string' ? null : np;
  return {
    nodes,
    iterations,
    ours: ours.itersPerSec,
    numpy: base === null ? 'MISSING' : base.itersPerSec,
    ratio: base === null ? null : ours.itersPerSec / base.itersPerSec,
    oursSetup: ours.setupSec,
    numpySetup: base === null ? null : base.setupSec,
    agreement: base === null ? null : maxRelDiff(ours.objectives, base.objectives),
    missing: typeof np === 'string' ? np : null,
  };
}

export async function run(opts: BenchOptions): Promise<BenchReport> {
  // reps: ours and NumPy alternate (ours, NumPy, ours, NumPy, …); the row reports the median
  // it/s of each (the machine may be shared, so single runs can be off by a lot)
  const plan: readonly { nodes: number; iterations: number; reps: number }[] = opts.quick
    ? [
        { nodes: 8, iterations: 20, reps: 1 },
        { nodes: 64, iterations: 10, reps: 1 },
      ]
    : [
        { nodes: 8, iterations: 300, reps: 3 },
        { nodes: 64, iterations: 200, reps: 3 },
        { nodes: 1024, iterations: 60, reps: 3 },
        { nodes: 10000, iterations: 20, reps: 1 },
      ];
  const rows: Record<string, number | string | null>[] = [];
  const notes: string[] = [];
  for (const p of plan) {
    const reps: Record<string, number | string | null>[] = [];
    for (let r = 0; r < p.reps; r++) reps.push(await compareAt(p.nodes, p.iterations));
    const row = medianRow(reps);
    if (typeof row.numpy === 'string') notes.push(`n = ${p.nodes}: NumPy ${row.missing}`);
    rows.push({ ...row, reps: p.reps });
  }
  return {
    name: 'sim',
    tables: [
      {
        title: 'proxmesh sim vs vectorised NumPy, same run (full-batch a9a, logistic + l1, sorted split, ring, CDProxSGT, top-10 % global on x and y, γ = η = 0.5)',
        columns: [
          { key: 'nodes', label: 'n', fmt: int },
          { key: 'iterations', label: 'K', fmt: int },
          { key: 'reps', label: 'reps', fmt: int },
          { key: 'ours', label: 'proxmesh it/s', fmt: sig },
          { key: 'numpy', label: 'NumPy it/s', fmt: sig },
          { key: 'ratio', label: 'proxmesh ÷ NumPy', fmt: ratio },
          { key: 'oursSetup', label: 'proxmesh set-up s', fmt: fixed(2) },
          { key: 'numpySetup', label: 'NumPy set-up s', fmt: fixed(2) },
          { key: 'agreement', label: 'max rel. diff of φ(x̄)', fmt: (v) => (typeof v === 'number' ? v.toExponential(1) : sig(v)) },
        ],
        rows,
        notes: [
          'it/s: iteration loop only (all n nodes step once), evaluation excluded; proxmesh from timings.ndjson, NumPy timed around its loop.',
          'reps: ours and NumPy alternate that many times; each column is the median, the ratio the median of the per-rep ratios.',
          'set-up: proxmesh "setup" + "init" (data, partition, graph, W, spectral figures, node state); NumPy: parse + layout.',
          'max rel. diff: the objective φ(x̄) of both runs at k = 0, K/2 and K.',
          ...notes,
        ],
      },
    ],
  };
}
