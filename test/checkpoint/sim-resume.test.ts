/**
 * A simulation interrupted at a seeded iteration and resumed from its newest checkpoint writes
 * metrics.ndjson, metrics.csv, summary.json (and edges.csv, paper-metrics.ndjson) byte-identical
 * to the uninterrupted run, for every algorithm and every kind of state: Rng streams (randk, qsgd,
 * dither, natural), error-feedback residuals, the rand-k permutation, the PowerSGD warm start, the
 * sampler's epoch permutation, a time-varying topology's per-round counters, the simulated clock. The interruption is
 * an exception thrown from the progress callback (the process-level SIGKILL test is
 * sim-resume-cli.test.ts); it lands after rows newer than the checkpoint were appended, so the
 * resume must also cut those rows.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareSimResume } from '../../node/resume/sim-resume.ts';
import { listCheckpoints } from '../../node/checkpoint/store.ts';
import { loadConfig } from '../../node/config/load.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';

class Crash extends Error {}

const SMALL = {
  seed: 11,
  iterations: 23,
  evalEvery: 4,
  batchSize: 8,
  problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-3 } },
  partition: { kind: 'iid' },
  topology: { kind: 'ring', nodes: 5 },
  init: { kind: 'random', scale: 0.1, perNode: true },
};
const DIGITS = {
  ...SMALL,
  batchSize: 12,
  problem: {
    dataset: { name: 'digits', testFraction: 0.2 },
    model: { kind: 'softmax', intercept: true },
    regularizer: { kind: 'l1', lambda: 1e-4 },
  },
};
const ALGO = { eta: 0.05, gammaX: 0.5, gammaY: 0.5 };

const CASES: [string, Record<string, unknown>][] = [
  ['dproxsgt', { ...SMALL, algorithm: { name: 'dproxsgt', ...ALGO } }],
  ['proxgtsa', { ...SMALL, algorithm: { name: 'proxgtsa', ...ALGO } }],
  ['dpsgd', { ...SMALL, algorithm: { name: 'dpsgd', ...ALGO } }],
  ['allreduce', { ...SMALL, algorithm: { name: 'allreduce', ...ALGO } }],
  [
    'deepstorm (init draws batches, communicates at round −1)',
    { ...SMALL, algorithm: { name: 'deepstorm', ...ALGO, beta: 0.3, initBatches: 3 } },
  ],
  [
    'cdproxsgt, ef(randk) / qsgd, paper metrics',
    {
      ...SMALL,
      algorithm: { name: 'cdproxsgt', ...ALGO },
      compression: { x: { kind: 'ef', inner: { kind: 'randk', ratio: 0.3 } }, y: { kind: 'qsgd', levels: 4 } },
      metrics: { paper: true },
    },
  ],
  [
    'beer, chain(randk, natural) / dither',
    {
      ...SMALL,
      algorithm: { name: 'beer', ...ALGO },
      compression: {
        x: { kind: 'chain', steps: [{ kind: 'randk', ratio: 0.5 }, { kind: 'natural' }] },
        y: { kind: 'dither', levels: 4, norm: 'l2' },
      },
    },
  ],
  [
    'choco, ef(topk)',
    {
      ...SMALL,
      algorithm: { name: 'choco', ...ALGO },
      compression: { x: { kind: 'ef', inner: { kind: 'topk', ratio: 0.2 } }, y: { kind: 'identity' } },
    },
  ],
  [
    'cdproxsgt on softmax, lowrank (PowerSGD warm start) / ef(lowrank)',
    {
      ...DIGITS,
      algorithm: { name: 'cdproxsgt', ...ALGO },
      compression: { x: { kind: 'lowrank', rank: 2 }, y: { kind: 'ef', inner: { kind: 'lowrank', rank: 1 } } },
    },
  ],
  [
    'dproxsgt on a directed one-peer-exponential schedule',
    {
      ...SMALL,
      topology: { kind: 'hypercube', nodes: 8, schedule: { kind: 'one-peer-exponential' } },
      algorithm: { name: 'dproxsgt', ...ALGO },
    },
  ],
  ['batch larger than a shard (wrap-around epochs)', { ...SMALL, batchSize: 150, algorithm: { name: 'dproxsgt', ...ALGO } }],
  // The simulated clock (node/clock/row-clock.ts): t_i and each link's frame sizes are in the checkpoint, so simTime resumes exactly.
  // Softmax on digits: top-k frames vary in size (delta-coded indices), so each block's mean frame size w_ji matters.
  [
    'cdproxsgt on softmax, topk, with a network section (simulated clock)',
    {
      ...DIGITS,
      algorithm: { name: 'cdproxsgt', ...ALGO },
      compression: { x: { kind: 'topk', ratio: 0.05 }, y: { kind: 'topk', ratio: 0.1 } },
      network: {
        links: { kind: 'random', latency: { min: 0.0005, max: 0.002 }, bandwidth: { min: 2e4, max: 2e5 } },
        compute: { samplesPerSecond: 1e6, stragglers: { fraction: 0.2, slowdown: 5 } },
      },
    },
  ],
];

const COMPARED = ['metrics.ndjson', 'metrics.csv', 'summary.json', 'edges.csv', 'paper-metrics.ndjson'];

async function crashAndResume(raw: Record<string, unknown>, every: number, crashAt: number): Promise<{ a: string; b: string }> {
  const root = mkdtempSync(join(tmpdir(), 'proxmesh-resume-'));
  const a = join(root, 'a');
  const b = join(root, 'b');
  await runSimulation(loadConfig(raw), { outDir: a });
  await expect(
    runSimulation(loadConfig({ ...raw, checkpointEvery: every }), {
      outDir: b,
      onProgress: (p) => {
        if (p.iter === crashAt) throw new Crash(`crash at ${crashAt}`);
      },
    }),
  ).rejects.toBeInstanceOf(Crash);
  expect(existsSync(join(b, 'summary.json'))).toBe(false);
  const plan = prepareSimResume(b);
  expect(plan.loaded.refused).toEqual([]);
  expect(plan.loaded.checkpoint.header.round).toBe(Math.floor(crashAt / every) * every);
  await runSimulation(plan.config, { outDir: b, resume: plan.loaded.checkpoint });
  return { a, b };
}

function expectSameFiles(a: string, b: string): void {
  for (const f of COMPARED) {
    expect(existsSync(join(a, f)), f).toBe(existsSync(join(b, f)));
    if (existsSync(join(a, f))) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
  }
}

describe('sim resume is byte-identical to the uninterrupted run', () => {
  // Seeded crash points: after the first checkpoint, never on a checkpoint round itself.
  const rng = Rng.derive(2026, 'resume-test');
  for (const [name, raw] of CASES) {
    const every = 3 + rng.int(3); // 3..5
    let crashAt = every + 1 + rng.int(23 - every - 1);
    if (crashAt % every === 0) crashAt += 1;
    it(`${name} (checkpoint every ${every}, crash at ${crashAt})`, async () => {
      const { a, b } = await crashAndResume(raw, every, crashAt);
      expectSameFiles(a, b);
    });
  }

  it('keeps the newest 2 checkpoints and crashes right after a row newer than the checkpoint', async () => {
    const raw = CASES[5][1];
    // evalEvery 4, checkpoint every 5: at the crash (iteration 17) rows 12 and 16 were appended after the checkpoint at 10… and 15.
    const { a, b } = await crashAndResume(raw, 5, 17);
    expectSameFiles(a, b);
    expect(listCheckpoints(b, 'sim').map((c) => c.round)).toEqual([20, 15]);
  });

  it('a resumed run can itself be interrupted and resumed again (two crashes)', async () => {
    const raw = CASES[0][1];
    const root = mkdtempSync(join(tmpdir(), 'proxmesh-resume2-'));
    await runSimulation(loadConfig(raw), { outDir: join(root, 'a') });
    const b = join(root, 'b');
    const crash = (at: number) => (p: { iter: number }) => {
      if (p.iter === at) throw new Crash(String(at));
    };
    await expect(runSimulation(loadConfig({ ...raw, checkpointEvery: 3 }), { outDir: b, onProgress: crash(8) })).rejects.toBeInstanceOf(
      Crash,
    );
    const first = prepareSimResume(b);
    expect(first.loaded.checkpoint.header.round).toBe(6);
    await expect(runSimulation(first.config, { outDir: b, resume: first.loaded.checkpoint, onProgress: crash(19) })).rejects.toBeInstanceOf(
      Crash,
    );
    const second = prepareSimResume(b);
    expect(second.loaded.checkpoint.header.round).toBe(18);
    await runSimulation(second.config, { outDir: b, resume: second.loaded.checkpoint });
    expectSameFiles(join(root, 'a'), b);
  });
});
