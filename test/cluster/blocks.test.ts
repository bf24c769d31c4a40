/**
 * Many logical nodes per worker process (--nodes-per-worker): nodes of one process exchange through
 * memory, nodes of different processes over WebSockets, and the run is still the simulator's byte
 * for byte (the bytes are counted from the payloads on every edge alike).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { readText, smallConfig, tempDirs } from './helpers.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

async function sameAsSim(over: Record<string, unknown>, nodesPerWorker: number, processes: number): Promise<void> {
  const config = smallConfig(over);
  const simDir = dirs.make();
  const clDir = dirs.make();
  const pids: number[] = [];
  await runSimulation(config, { outDir: simDir });
  const cl = await runLocalCluster(config, {
    outDir: clDir,
    nodesPerWorker,
    signal: AbortSignal.timeout(170_000),
    onSpawned: (info) => pids.push(...info.pids),
  });
  expect(pids).toHaveLength(processes);
  expect(cl.run.state).toBe('done');
  // Nodes of one block share their process's peer URL.
  expect(new Set(cl.run.workers.map((w) => w.peerUrl)).size).toBe(processes);
  const rows = readText(simDir, 'metrics.ndjson');
  expect(rows.trim().split('\n').length).toBeGreaterThan(1);
  expect(readText(clDir, 'metrics.ndjson')).toBe(rows);
  // Wire accounting from the run's exchange plan (static W or the schedule's rounds) in both runners.
  expect(readText(clDir, 'edges.csv')).toBe(readText(simDir, 'edges.csv'));
  expect(JSON.parse(readText(clDir, 'summary.json'))).toEqual(JSON.parse(readText(simDir, 'summary.json')));
}

describe('nodes per worker process', () => {
  it('a ring of 6 on 3 processes (2 per process; one block is split across the ring) ≡ sim', async () => {
    await sameAsSim({ topology: { kind: 'ring', nodes: 6 } }, 2, 3);
  }, 180_000);

  it('CDProxSGT on a complete graph of 5 with 2 per process (a short last block) ≡ sim', async () => {
    await sameAsSim(
      {
        algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
        compression: { x: { kind: 'topk', ratio: 0.3, scope: 'global' }, y: { kind: 'topk', ratio: 0.3, scope: 'global' } },
        topology: { kind: 'complete', nodes: 5 },
      },
      2,
      3,
    );
  }, 180_000);

  // A time-varying topology inside blocks: each node of a block gets a ScheduledCommunicator over its
  // BlockTransport, links the union of its neighbours over the schedule (the remote ones over
  // WebSockets) and exchanges with its round-k peers only; metrics (wire figures included) and
  // edges.csv are the simulator's byte for byte.
  it('DProxSGT on the directed one-peer exponential schedule, 6 nodes on 3 processes ≡ sim', async () => {
    await sameAsSim(
      { algorithm: { name: 'dproxsgt', eta: 0.05 }, topology: { kind: 'ring', nodes: 6, schedule: { kind: 'one-peer-exponential' } } },
      2,
      3,
    );
  }, 180_000);

  it('DPSGD on a cycle schedule (ring → complete), 5 nodes on 2 processes ≡ sim', async () => {
    await sameAsSim(
      {
        algorithm: { name: 'dpsgd', eta: 0.05 },
        topology: { kind: 'ring', nodes: 5, schedule: { kind: 'cycle', then: [{ kind: 'complete' }] } },
      },
      3,
      2,
    );
  }, 180_000);

  it('256 logical nodes on 4 processes (a9a, ring) ≡ sim', async () => {
    await sameAsSim(
      {
        iterations: 4,
        evalEvery: 2,
        batchSize: 8,
        problem: { dataset: { name: 'a9a' }, model: { kind: 'logistic', intercept: true }, regularizer: { kind: 'l1', lambda: 1e-4 } },
        topology: { kind: 'ring', nodes: 256 },
      },
      64,
      4,
    );
  }, 180_000);
});
