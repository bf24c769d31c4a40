/**
 * The cluster at scale on one machine: 64 worker processes, each binding its peer and /metrics ports
 * once (port 0) and advertising what it bound, in a ring, give the simulator's metrics.ndjson byte
 * for byte. Before ports were bound once, a run this size failed with EADDRINUSE: a worker released a
 * picked port and other workers' outgoing connections took it before it bound it again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { readText, smallConfig, tempDirs } from './helpers.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('local cluster at scale', () => {
  it('64 networked worker processes in a ring ≡ the simulator', async () => {
    // breast-cancer: 455 training rows → 7 per node; minibatches of 4, 4 iterations.
    const config = smallConfig({ iterations: 4, evalEvery: 2, batchSize: 4, topology: { kind: 'ring', nodes: 64 } });
    const simDir = dirs.make();
    const clDir = dirs.make();
    await runSimulation(config, { outDir: simDir });
    const cl = await runLocalCluster(config, {
      outDir: clDir,
      signal: AbortSignal.timeout(280_000),
      workerEnv: { PROXMESH_PEER_TIMEOUT_MS: '120000' },
    });
    expect(cl.run.state).toBe('done');
    expect(cl.run.workers).toHaveLength(64);
    // Every worker advertised a distinct port it really bound.
    expect(new Set(cl.run.workers.map((w) => w.peerUrl)).size).toBe(64);
    const rows = readText(simDir, 'metrics.ndjson');
    expect(rows.trim().split('\n')).toHaveLength(3);
    expect(readText(clDir, 'metrics.ndjson')).toBe(rows);
  }, 300_000);
});
