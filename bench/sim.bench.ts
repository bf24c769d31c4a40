/**
 * Simulator throughput against a vectorised NumPy implementation of the same run
 * (bench/baselines/cdproxsgt_a9a.py), measured one after the other in the same bench run:
 * full-batch a9a, logistic + ℓ1 (λ = 1e-4), sorted split, ring (metropolis), CDProxSGT with top-10 %
 * (global scope) on x and y, η = 0.5, γ_x = γ_y = 0.5, x⁰ = 0, for n = 8, 64, 1024 and 10,000.
 *
 * - proxmesh: the COMPILED command users run, `node dist/node/cli/bin.js sim --config <tmp yaml>
 *   --out <tmp dir> --quiet`, with its default thread count (min(2, cores); the table's "threads"
 *   column, read from timings.ndjson), and once more with `--threads 1`, in a child process (plain node, no tsx loader: tsx's ESM live
 *   bindings turn an imported binding read in a hot loop into a getter call, which is not what
 *   users run). `npm run -s build` runs first when dist/ is missing or older than any source under
 *   node/, topologies/ or coordinator/. Iterations per second from the run's timings.ndjson (the
 *   "iterations" blocks only, evaluation excluded), set-up = its "setup" + "init" phases; the
 *   objectives compared below come from its metrics.ndjson.
 *   This file itself (the NumPy side, the W rows it is handed, the table) still runs under tsx.
 * - NumPy: the script times its own iteration loop (evaluation excluded) and set-up (data parse,
 *   layout); it receives our W rows, so both mix with the same matrix.
 * - Agreement: both evaluate φ(x̄) at the same iterations; the table prints the largest relative
 *   difference, which shows the two ran the same maths (it is ~1e-15 when they do).
 * A missing Python or numpy is printed as MISSING in the table, never skipped silently.
 *   node --import tsx bench/run.ts sim
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../node/config/load.ts';
import type { FrozenConfig } from '../node/config/schema.ts';
import { findDataFile } from '../node/problem/datasets/paths.ts';
import { buildRunTopology } from '../node/assemble/assemble.ts';
import { mixingRow } from '../topologies/mixing.ts';
import { runBaseline } from './baselines/python.ts';
import { type BenchOptions, type BenchReport, fixed, int, ratio, sig } from './harness.ts';

const LAMBDA = 1e-4;
const ETA = 0.5;
const GAMMA = 0.5;
const RATIO = 0.1;

/** The run with n nodes and K iterations, evaluated at 0, K/2 and K (the raw config, as a YAML file would hold it). */
export function benchRawConfig(
  nodes: number,
  iterations: number,
  topology: Record<string, unknown> = { kind: 'ring' },
): Record<string, unknown> {
  return {
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
  };
}

/** The same, validated and frozen. */
export function benchConfig(nodes: number, iterations: number, topology: Record<string, unknown> = { kind: 'ring' }): FrozenConfig {
  return loadConfig(benchRawConfig(nodes, iterations, topology));
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliBin = join(root, 'dist', 'node', 'cli', 'bin.js');

/** Newest mtime (ms) of the .ts sources that `npm run build` compiles. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let built = false;
/** Builds dist/ (once per bench process) when it is missing or older than a source file. */
function ensureBuilt(): void {
  if (built) return;
  const sources = Math.max(...['node', 'topologies', 'coordinator'].map((d) => newestSource(join(root, d))));
  if (!existsSync(cliBin) || newestBuilt() < sources) {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  }
  built = true;
}

/** mtime of dist/.tsbuildinfo (written by every build; an incremental build need not rewrite bin.js), else 0. */
function newestBuilt(): number {
  const info = join(root, 'dist', '.tsbuildinfo');
  return existsSync(info) ? statSync(info).mtimeMs : 0;
}

interface Measured {
  readonly itersPerSec: number;
  /** threads the run used (timings.ndjson "setup" row); 1 for NumPy */
  readonly threads: number;
  readonly setupSec: number;
  readonly objectives: ReadonlyMap<number, number>;
}

/** Runs the compiled CLI on the raw config in a child process and reads its run folder. */
function runOurs(raw: Record<string, unknown>, iterations: number, threads?: number): Measured {
  ensureBuilt();
  const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-bench-sim-'));
  const dir = join(tmp, 'run');
  const yaml = join(tmp, 'config.yaml');
  try {
    writeFileSync(yaml, `${JSON.stringify(raw, null, 2)}\n`); // JSON is YAML
    const args = [
      cliBin,
      'sim',
      '--config',
      yaml,
      '--out',
      dir,
      '--quiet',
      ...(threads === undefined ? [] : ['--threads', String(threads)]),
    ];
    execFileSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    let loop = 0;
    let setup = 0;
    let used = 1;
    for (const line of readFileSync(join(dir, 'timings.ndjson'), 'utf8').trim().split('\n')) {
      const t = JSON.parse(line) as { phase: string; seconds: number; threads?: number };
      if (t.phase === 'iterations') loop += t.seconds;
      if (t.phase === 'setup' || t.phase === 'init') setup += t.seconds;
      if (t.phase === 'setup' && t.threads !== undefined) used = t.threads;
    }
    const objectives = new Map<number, number>();
    for (const line of readFileSync(join(dir, 'metrics.ndjson'), 'utf8').trim().split('\n')) {
      const r = JSON.parse(line) as { iter: number; objective: number };
      objectives.set(r.iter, r.objective);
    }
    return { itersPerSec: iterations / loop, threads: used, setupSec: setup, objectives };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface NumpyOut {
  readonly setupSec: number;
  readonly itersPerSec: number;
  readonly objectives: readonly { iter: number; objective: number }[];
  readonly numpy: string;
}

function runNumpy(config: FrozenConfig, evalAt: readonly number[], exactExp = false): Measured | string {
  const train = findDataFile('a9a/a9a.gz');
  if (train === null) return 'MISSING: a9a/a9a.gz not found';
  const topo = buildRunTopology(config);
  const rows = Array.from({ length: topo.graph.n }, (_, i) => {
    const r = mixingRow(topo.mixing, i);
    return { ids: Array.from(r.ids), weights: Array.from(r.weights) };
  });
  const input = {
    train,
    features: 123,
    lambda: LAMBDA,
    eta: ETA,
    gammaX: GAMMA,
    gammaY: GAMMA,
    ratio: RATIO,
    iterations: config.iterations,
    evalAt,
    rows,
    exactExp,
  };
  const r = runBaseline<NumpyOut>('cdproxsgt_a9a.py', ['numpy'], input);
  if (!r.ok) return `MISSING: ${r.missing}`;
  return {
    itersPerSec: r.value.itersPerSec,
    threads: 1,
    setupSec: r.value.setupSec,
    objectives: new Map(r.value.objectives.map((o) => [o.iter, o.objective])),
  };
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
  for (const key of ['ours', 'ours1', 'numpy', 'ratio', 'ratio1', 'oursSetup', 'numpySetup', 'agreement', 'agreementNpExp']) {
    const v = reps
      .map((r) => r[key])
      .filter((x): x is number => typeof x === 'number')
      .sort((a, b) => a - b);
    if (v.length === reps.length) out[key] = v.length % 2 === 1 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
  return out;
}

/** One table row: ours, then NumPy, on the same config (n nodes, K iterations). */
export async function compareAt(nodes: number, iterations: number): Promise<Record<string, number | string | null>> {
  const raw = benchRawConfig(nodes, iterations);
  const config = loadConfig(raw);
  const ours = runOurs(raw, iterations);
  const np = runNumpy(config, [...ours.objectives.keys()]);
  const ours1 = runOurs(raw, iterations, 1);
  const base = typeof np === 'string' ? null : np;
  // agreement: the same NumPy run with V8's exp (fdlibm) in the gradient, so both engines see the
  // same bits; with np.exp a last-bit difference can flip a near-tie in top-k after many iterations
  const exact = base === null ? null : runNumpy(config, [...ours.objectives.keys()], true);
  return {
    nodes,
    iterations,
    threads: ours.threads,
    ours: ours.itersPerSec,
    ours1: ours1.itersPerSec,
    numpy: base === null ? 'MISSING' : base.itersPerSec,
    ratio: base === null ? null : ours.itersPerSec / base.itersPerSec,
    ratio1: base === null ? null : ours1.itersPerSec / base.itersPerSec,
    oursSetup: ours.setupSec,
    numpySetup: base === null ? null : base.setupSec,
    agreement: exact === null || typeof exact === 'string' ? null : maxRelDiff(ours.objectives, exact.objectives),
    agreementNpExp: base === null ? null : maxRelDiff(ours.objectives, base.objectives),
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
        title:
          'proxmesh sim vs vectorised NumPy, same run (full-batch a9a, logistic + l1, sorted split, ring, CDProxSGT, top-10 % global on x and y, γ = η = 0.5)',
        columns: [
          { key: 'nodes', label: 'n', fmt: int },
          { key: 'iterations', label: 'K', fmt: int },
          { key: 'reps', label: 'reps', fmt: int },
          { key: 'threads', label: 'threads', fmt: int },
          { key: 'ours', label: 'proxmesh it/s', fmt: sig },
          { key: 'numpy', label: 'NumPy it/s', fmt: sig },
          { key: 'ratio', label: 'proxmesh ÷ NumPy', fmt: ratio },
          { key: 'ours1', label: 'proxmesh 1 thread it/s', fmt: sig },
          { key: 'ratio1', label: '1 thread ÷ NumPy', fmt: ratio },
          { key: 'oursSetup', label: 'proxmesh set-up s', fmt: fixed(2) },
          { key: 'numpySetup', label: 'NumPy set-up s', fmt: fixed(2) },
          { key: 'agreement', label: 'max rel. diff φ(x̄)', fmt: (v) => (typeof v === 'number' ? v.toExponential(1) : sig(v)) },
          { key: 'agreementNpExp', label: '… with np.exp', fmt: (v) => (typeof v === 'number' ? v.toExponential(1) : sig(v)) },
        ],
        rows,
        notes: [
          'it/s: iteration loop only (all n nodes step once), evaluation excluded; proxmesh = the compiled CLI (node dist/node/cli/bin.js sim) from its timings.ndjson, NumPy timed around its loop.',
          'threads: the compiled CLI\'s default (min(2, cores)), which the run folder records; "1 thread": the same run with --threads 1 (identical metrics.ndjson). NumPy runs on one core.',
          'reps: ours and NumPy alternate that many times; each column is the median, the ratio the median of the per-rep ratios.',
          'set-up: proxmesh "setup" + "init" (data, partition, graph, W, spectral figures, node state); NumPy: parse + layout.',
          "max rel. diff φ(x̄): |ours − NumPy|/|NumPy| of the objective at k = 0, K/2 and K, NumPy run once more with V8's exp (fdlibm, bit for bit) in the gradient;",
          '"… with np.exp": the same against the timed run (glibc exp differs in the last bit, which can flip a top-k near-tie after many iterations).',
          ...notes,
        ],
      },
    ],
  };
}
