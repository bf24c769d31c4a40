/**
 * The self-healing local cluster (docs/resume.md "Cluster"): 8 worker processes, a9a CDProxSGT,
 * checkpoints every few rounds. A seeded worker is SIGKILLed at a seeded evaluation (once, then
 * twice in one run); the cluster restarts from the newest round the coordinator and every node
 * have, and the run folder ends byte-identical to `proxmesh sim`'s. No worker process is left.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { loadConfig } from '../../node/config/load.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { pidAlive, tempDirs } from '../cluster/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const COMPARED = ['metrics.ndjson', 'metrics.csv', 'summary.json', 'edges.csv'];
const dirs = tempDirs();
const spawned: number[] = [];
afterEach(() => {
  for (const p of spawned.splice(0))
    if (pidAlive(p))
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
});
afterAll(() => dirs.cleanup());

/** The a9a example (8 nodes, CDProxSGT, top-k), shortened to 120 iterations; checkpoints every 10 rounds. */
function config(extra = '', edit = (y: string) => y) {
  const file = join(dirs.make('proxmesh-heal-cfg-'), 'heal.yaml');
  const yaml = edit(
    readFileSync(join(ROOT, 'examples', 'a9a-cdproxsgt-ring8.yaml'), 'utf8')
      .replace('iterations: 300', 'iterations: 120')
      .replace('evalEvery: 30', 'evalEvery: 20'),
  );
  writeFileSync(file, `${yaml}\ncheckpointEvery: 10\n${extra}`);
  return loadConfig(file);
}

/** A network section: the coordinator's simulated clock is part of its checkpoint. */
const NETWORK = `network:
  links: { kind: random, latency: { min: 0.0005, max: 0.002 }, bandwidth: { min: 2.0e4, max: 2.0e5 } }
  compute: { samplesPerSecond: 1.0e6, stragglers: { fraction: 0.25, slowdown: 4 } }
`;

function expectSameFiles(a: string, b: string): void {
  for (const f of COMPARED) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
}

describe('self-healing local cluster (real SIGKILL of worker processes)', () => {
  const cfg = config();
  let reference = '';
  beforeAll(async () => {
    reference = dirs.make('proxmesh-heal-sim-');
    await runSimulation(cfg, { outDir: reference });
  }, 120_000);

  /** Runs the cluster, killing `kills[a].victim` in attempt a once that attempt delivered `kills[a].row` rows. */
  async function healRun(kills: { victim: number; row: number }[], c = cfg, maxRestarts?: number) {
    const out = dirs.make('proxmesh-heal-');
    let attempt = 0;
    let pids: number[] = [];
    let rowsThisAttempt = 0;
    const restarts: { round: number; reason: string }[] = [];
    const result = await runLocalCluster(c, {
      outDir: out,
      ...(maxRestarts !== undefined ? { maxRestarts } : {}),
      signal: AbortSignal.timeout(110_000),
      onSpawned: ({ pids: p }) => {
        pids = p;
        spawned.push(...p);
        rowsThisAttempt = 0;
      },
      onProgress: () => {
        rowsThisAttempt++;
        const k = kills[attempt];
        if (k !== undefined && rowsThisAttempt === k.row) {
          attempt++;
          process.kill(pids[k.victim], 'SIGKILL');
        }
      },
      onRestart: (r) => restarts.push({ round: r.round, reason: r.reason }),
    });
    return { out, result, restarts, pids: () => pids };
  }

  it('one worker SIGKILLed at a seeded evaluation: restarted from the common checkpoint, byte-identical to sim', async () => {
    const rng = Rng.derive(12, 'heal-one');
    const kill = { victim: rng.int(8), row: 2 + rng.int(3) };
    const { out, result, restarts } = await healRun([kill]);
    expect(result.run.state).toBe('done');
    expect(restarts).toHaveLength(1);
    expect(restarts[0].reason).toMatch(new RegExp(`worker ${kill.victim} \\(pid \\d+\\) exited with SIGKILL`));
    expect(restarts[0].round % 10).toBe(0);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    expectSameFiles(reference, out);
    expect(spawned.filter(pidAlive)).toEqual([]);
  }, 120_000);

  it('two kills in one run (seeded victims): two restarts, byte-identical to sim', async () => {
    const rng = Rng.derive(12, 'heal-two');
    const kills = [
      { victim: rng.int(8), row: 2 + rng.int(2) },
      { victim: rng.int(8), row: 2 },
    ];
    const { out, result, restarts } = await healRun(kills);
    expect(result.run.state).toBe('done');
    expect(restarts).toHaveLength(2);
    expect(restarts[1].round).toBeGreaterThanOrEqual(restarts[0].round);
    expectSameFiles(reference, out);
    expect(spawned.filter(pidAlive)).toEqual([]);
  }, 120_000);

  it('with a network section: the simulated clock resumes too (simTime byte-identical to sim)', async () => {
    // Softmax on digits (d = 650) with top-5 %: frame sizes vary (delta-coded indices), so the
    // clock's per-block mean frame sizes are state a fresh clock would get wrong.
    const netCfg = config(NETWORK, (y) =>
      y
        .replace('dataset: { name: a9a }', 'dataset: { name: digits, testFraction: 0.2 }')
        .replace('model: { kind: logistic, intercept: true }', 'model: { kind: softmax, intercept: true }')
        .replaceAll('ratio: 0.1', 'ratio: 0.05'),
    );
    const ref = dirs.make('proxmesh-heal-sim-net-');
    await runSimulation(netCfg, { outDir: ref });
    expect(readFileSync(join(ref, 'metrics.ndjson'), 'utf8')).toMatch(/"simTime":\d+\.\d+/);
    const rng = Rng.derive(12, 'heal-network');
    const { out, restarts } = await healRun([{ victim: rng.int(8), row: 3 + rng.int(2) }], netCfg);
    expect(restarts).toHaveLength(1);
    expectSameFiles(ref, out);
  }, 120_000);

  it('bounded: more lost workers than maxRestarts ends with PROXMESH_ERR_WORKER_FAILED naming the last one', async () => {
    const err = await healRun(
      [
        { victim: 2, row: 2 },
        { victim: 5, row: 1 },
      ],
      cfg,
      1,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProxmeshError);
    expect((err as ProxmeshError).code).toBe('PROXMESH_ERR_WORKER_FAILED');
    expect((err as ProxmeshError).message).toMatch(/worker 5 \(pid \d+\) exited with SIGKILL|node 5 disconnected/);
    expect(spawned.filter(pidAlive)).toEqual([]);
  }, 120_000);
});
