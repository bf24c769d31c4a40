/**
 * Simulator throughput: iterations per second of the a9a example (examples/a9a-cdproxsgt-ring8.yaml,
 * CDProxSGT, top-10% on x and y) with topology.nodes overridden to n = 8, 64, 1024, and of its
 * uncompressed counterpart (a9a-dproxsgt-ring8.yaml, DProxSGT) at n = 8 for the ratio
 * compressed / uncompressed, measured alternately in the same run.
 * Only the iteration loop is timed: evalEvery = iterations, so the only evaluations are at k = 0 and
 * k = K, and the clock runs from the progress report of k = 0 (after setup, init and the first
 * evaluation) to that of k = K − 1 (before the last evaluation). outDir null: nothing is written.
 *   node --import tsx bench/run.ts sim
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../node/config/load.ts';
import { readConfigFile } from '../node/config/parse.ts';
import { runSimulation } from '../node/sim/run-sim.ts';
import { type BenchOptions, type BenchReport, fixed, int, ratio, sig } from './harness.ts';

const examples = fileURLToPath(new URL('../examples/', import.meta.url));

interface SimTiming {
  readonly example: string;
  readonly algorithm: string;
  readonly nodes: number;
  readonly iterations: number;
  readonly setupSec: number;
  readonly itersPerSec: number;
  readonly bytesPerIter: number;
}

async function timeSim(example: string, nodes: number, iterations: number): Promise<SimTiming> {
  const raw = readConfigFile(join(examples, example)) as Record<string, unknown>;
  const config = loadConfig({ ...raw, iterations, evalEvery: iterations, topology: { ...(raw.topology as object), nodes } });
  const t0 = performance.now();
  let tStart = NaN;
  let tEnd = NaN;
  const res = await runSimulation(config, {
    outDir: null,
    onProgress: (p) => {
      if (p.iter === 0) tStart = performance.now();
      if (p.iter === iterations - 1) tEnd = performance.now();
    },
  });
  const last = res.rows[res.rows.length - 1];
  return {
    example,
    algorithm: config.algorithm.name,
    nodes,
    iterations,
    setupSec: (tStart - t0) / 1000,
    itersPerSec: (iterations - 1) / ((tEnd - tStart) / 1000),
    bytesPerIter: last.bytesSent / iterations,
  };
}

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function run(opts: BenchOptions): Promise<BenchReport> {
  const C = 'a9a-cdproxsgt-ring8.yaml';
  const U = 'a9a-dproxsgt-ring8.yaml';
  const iters8 = opts.quick ? 30 : 300;
  const reps8 = opts.quick ? 1 : 3;
  const plan: readonly { nodes: number; iterations: number }[] = opts.quick
    ? [{ nodes: 64, iterations: 5 }]
    : [
        { nodes: 64, iterations: 100 },
        { nodes: 1024, iterations: 15 },
      ];

  // n = 8: compressed and uncompressed alternately (C U C U …), median iterations/s of each.
  const c8: SimTiming[] = [];
  const u8: SimTiming[] = [];
  for (let r = 0; r < reps8; r++) {
    c8.push(await timeSim(C, 8, iters8));
    u8.push(await timeSim(U, 8, iters8));
  }
  const pick = (ts: SimTiming[]): SimTiming => {
    const med = median(ts.map((t) => t.itersPerSec));
    return { ...ts[0], itersPerSec: med, setupSec: median(ts.map((t) => t.setupSec)) };
  };
  const runs: SimTiming[] = [pick(c8)];
  for (const p of plan) runs.push(await timeSim(C, p.nodes, p.iterations));
  runs.push(pick(u8));

  const rows = runs.map((t) => ({
    algorithm: t.algorithm,
    nodes: t.nodes,
    iterations: t.iterations,
    itersPerSec: t.itersPerSec,
    msPerIter: 1000 / t.itersPerSec,
    nodeItersPerSec: t.itersPerSec * t.nodes,
    bytesPerIter: t.bytesPerIter,
    setupSec: t.setupSec,
  }));
  const c = runs[0];
  const u = runs[runs.length - 1];
  const ratioRows = [
    {
      pair: 'cdproxsgt / dproxsgt, n = 8',
      speed: c.itersPerSec / u.itersPerSec,
      bytes: c.bytesPerIter / u.bytesPerIter,
    },
  ];
  return {
    name: 'sim',
    tables: [
      {
        title: `Simulator on a9a (logistic + l1, ring, sorted split, batch 64); n = 8 is the median of ${reps8} runs`,
        columns: [
          { key: 'algorithm', label: 'algorithm' },
          { key: 'nodes', label: 'n', fmt: int },
          { key: 'iterations', label: 'K', fmt: int },
          { key: 'itersPerSec', label: 'iter/s', fmt: sig },
          { key: 'msPerIter', label: 'ms/iter', fmt: sig },
          { key: 'nodeItersPerSec', label: 'node-iter/s', fmt: int },
          { key: 'bytesPerIter', label: 'payload B/iter', fmt: int },
          { key: 'setupSec', label: 'setup+init+eval s', fmt: fixed(2) },
        ],
        rows,
        notes: [
          'iter/s times the iteration loop only (all n nodes step once per iteration); node-iter/s = iter/s × n.',
          'payload B/iter = bytesSent after K iterations / K, summed over all nodes and peers (codec exact lengths).',
        ],
      },
      {
        title: 'Compressed vs uncompressed at n = 8 (same run, alternating)',
        columns: [
          { key: 'pair', label: 'pair' },
          { key: 'speed', label: 'iter/s ratio', fmt: ratio },
          { key: 'bytes', label: 'bytes/iter ratio', fmt: ratio },
        ],
        rows: ratioRows,
      },
    ],
  };
}
