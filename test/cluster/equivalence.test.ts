/**
 * The key acceptance test of the real cluster: a networked run (coordinator + one worker process
 * per node, WebSocket links on loopback) writes a metrics.ndjson byte-identical to the simulator's
 * for the same config and seed — so every random draw, mixing order, codec round trip and byte count
 * of the cluster equals the simulator's (DESIGN.md §3). The threaded simulator (`--threads 2`,
 * node/sim/threads) must write the same bytes too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { readText, smallConfig, tempDirs } from './helpers.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const cases: [string, Record<string, unknown>][] = [
  ['DProxSGT', { algorithm: { name: 'dproxsgt', eta: 0.05 } }],
  // The authors' RegL1 order (issue 15): the step uses the un-mixed tracker; the config key reaches the workers.
  ['ProxGT-SA + stepTracker unmixed', { algorithm: { name: 'proxgtsa', eta: 0.05, stepTracker: 'unmixed' } }],
  [
    'CDProxSGT + rand-k',
    {
      algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      compression: { x: { kind: 'randk', ratio: 0.3, scope: 'layer' }, y: { kind: 'randk', ratio: 0.3, scope: 'global', scaled: false } },
    },
  ],
  [
    'CDProxSGT + QSGD',
    {
      algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      compression: { x: { kind: 'qsgd', levels: 4, scope: 'global' }, y: { kind: 'qsgd', levels: 8, scope: 'layer' } },
      topology: { kind: 'complete', nodes: 5 },
    },
  ],
  // Issue 13 compressors: natural (powers of two on the wire) on x, TernGrad ternary on y …
  [
    'CDProxSGT + natural / ternary',
    {
      algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      compression: { x: { kind: 'natural' }, y: { kind: 'dither' } },
    },
  ],
  // … and low-rank factors of the softmax weight matrix (2 × 30, rank 1; the bias passes raw), with the warm start in state.
  [
    'Choco + low-rank (softmax)',
    {
      algorithm: { name: 'choco', eta: 0.05, gammaX: 0.5 },
      problem: {
        dataset: { name: 'breast-cancer', testFraction: 0.2 },
        model: { kind: 'softmax', intercept: true },
        regularizer: { kind: 'none' },
      },
      compression: { x: { kind: 'lowrank', rank: 1, precision: 'f32' }, y: { kind: 'identity' } },
    },
  ],
  // Issue 13 time-varying topology: directed one-peer exponential (i sends to i + 2^(k mod 2), mixes with i − 2^(k mod 2)), links to the union, exchanges with the round's peers only.
  [
    'DProxSGT + one-peer exponential schedule',
    {
      algorithm: { name: 'dproxsgt', eta: 0.05 },
      topology: { kind: 'hypercube', nodes: 4, schedule: { kind: 'one-peer-exponential' } },
    },
  ],
  // DEEPSTORM on random matchings: its round −1 exchange uses W_0.
  [
    'DEEPSTORM + random-matching schedule',
    {
      algorithm: { name: 'deepstorm', eta: 0.05, beta: 0.8, initBatches: 2 },
      topology: { kind: 'complete', nodes: 4, schedule: { kind: 'random-matching', period: 3 } },
    },
  ],
  // DEEPSTORM's initialisation exchanges at round −1 (d⁰ from initBatches minibatches).
  ['DEEPSTORM', { algorithm: { name: 'deepstorm', eta: 0.05, beta: 0.8, initBatches: 3 } }],
  // AllReduce: every node talks to every other (pattern 'all'), init at round −1.
  ['AllReduce', { algorithm: { name: 'allreduce', eta: 0.05 }, topology: { kind: 'ring', nodes: 5 } }],
  // Issue 13 simulated clock: the coordinator computes simTime from the reports as the simulator does
  // (variable-size top-k frames, seeded random links, seeded stragglers) …
  [
    'CDProxSGT + top-k + network clock',
    {
      algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      compression: { x: { kind: 'topk', ratio: 0.2, scope: 'global' }, y: { kind: 'topk', ratio: 0.2, scope: 'global' } },
      network: {
        links: { kind: 'random', latency: { min: 0.001, max: 0.02 }, bandwidth: { min: 1e6, max: 1e8 } },
        compute: { samplesPerSecond: 5000, stragglers: { fraction: 0.25, slowdown: 8 } },
      },
    },
  ],
  // … and on a time-varying topology (frames only on the round's links).
  [
    'DProxSGT + one-peer exponential + network clock',
    {
      algorithm: { name: 'dproxsgt', eta: 0.05 },
      topology: { kind: 'hypercube', nodes: 4, schedule: { kind: 'one-peer-exponential' } },
      network: { links: { kind: 'uniform', latency: 0.005, bandwidth: 1e7 }, compute: { samplesPerSecond: 1000 } },
    },
  ],
];

describe('local cluster ≡ simulator (byte-identical metrics.ndjson)', () => {
  it.each(cases)(
    '%s',
    async (_name, over) => {
      const config = smallConfig(over);
      const simDir = dirs.make();
      const clDir = dirs.make();
      const sim = await runSimulation(config, { outDir: simDir });
      const cl = await runLocalCluster(config, { outDir: clDir, signal: AbortSignal.timeout(50_000) });
      const simRows = readText(simDir, 'metrics.ndjson');
      expect(readText(clDir, 'metrics.ndjson')).toBe(simRows);
      expect(readText(clDir, 'metrics.csv')).toBe(readText(simDir, 'metrics.csv'));
      expect(readText(clDir, 'edges.csv')).toBe(readText(simDir, 'edges.csv'));
      // 0, 5, 10, 15, 20 and real traffic counted on both sides
      expect(simRows.trim().split('\n')).toHaveLength(5);
      expect(sim.rows[sim.rows.length - 1].bytesSent).toBeGreaterThan(0);
      // simTime only with a network section, then strictly increasing after row 0
      const times = sim.rows.map((r) => r.simTime);
      if ('network' in over) for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
      else expect(times.every((t) => t === undefined)).toBe(true);
      expect(cl.run.state).toBe('done');
      expect(JSON.parse(readText(clDir, 'summary.json'))).toEqual(JSON.parse(readText(simDir, 'summary.json')));
      // the threaded simulator (2 threads where the run can be split, else its one-thread fallback)
      const thrDir = dirs.make();
      await runSimulation(config, { outDir: thrDir, threads: 2 });
      expect(readText(thrDir, 'metrics.ndjson')).toBe(readText(clDir, 'metrics.ndjson'));
      expect(readText(thrDir, 'edges.csv')).toBe(readText(clDir, 'edges.csv'));
    },
    90_000,
  );
});
