/**
 * Worker failures on a real local cluster: a worker killed mid-run fails the run at once (its exit
 * is seen by the parent, no peer timeout involved) naming the node, and no worker process survives;
 * a frozen worker (SIGSTOP) makes its neighbours' peer links time out, which fails the run with
 * PROXMESH_ERR_PEER_TIMEOUT naming the node and the round.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { pidAlive, pollUntil, smallConfig, tempDirs } from './helpers.ts';

const dirs = tempDirs();
let pids: number[] = [];
afterEach(() => {
  // Anything left (a failed assertion) is killed here; the tests assert that nothing is left.
  for (const p of pids)
    if (pidAlive(p)) {
      try {
        process.kill(p, 'SIGCONT');
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  pids = [];
});
afterAll(() => dirs.cleanup());

// Long enough that the run cannot finish before the failure is injected at the first evaluation.
const config = smallConfig({ iterations: 100_000, evalEvery: 50 });

describe('worker failures', () => {
  it('SIGKILL of a worker rejects with PROXMESH_ERR_WORKER_FAILED naming it, well within the peer timeout; no child is left', async () => {
    const started = Date.now();
    let killedAt = 0;
    const err = await runLocalCluster(config, {
      outDir: dirs.make(),
      // peer links would need 60 s to notice; the parent must see the exit first
      workerEnv: { PROXMESH_PEER_TIMEOUT_MS: '60000' },
      signal: AbortSignal.timeout(45_000),
      onSpawned: ({ pids: p }) => {
        pids = p;
      },
      onProgress: ({ row }) => {
        if (row.iter === 50 && killedAt === 0) {
          killedAt = Date.now();
          process.kill(pids[1], 'SIGKILL');
        }
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProxmeshError);
    const e = err as ProxmeshError;
    expect(e.code).toBe('PROXMESH_ERR_WORKER_FAILED');
    // whichever the coordinator sees first: the control socket closing, or the child's exit
    expect(e.message).toMatch(/^(node 1 disconnected from the coordinator at round \d+|worker 1 \(pid \d+\) exited with SIGKILL)/);
    expect(e.detail).toMatchObject({ node: 1 });
    expect(killedAt).toBeGreaterThan(started);
    expect(Date.now() - killedAt).toBeLessThan(30_000); // far below the 60 s peer timeout
    // runLocalCluster resolves only after every child exited
    expect(pids.filter(pidAlive)).toEqual([]);
  }, 60_000);

  it('workers that cannot start (bad environment) fail the run with their stderr, no hang', async () => {
    const err = await runLocalCluster(smallConfig(), {
      outDir: dirs.make(),
      workerEnv: { PROXMESH_HEARTBEAT_MS: 'soon' },
      signal: AbortSignal.timeout(45_000),
      onSpawned: ({ pids: p }) => {
        pids = p;
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProxmeshError);
    expect((err as ProxmeshError).code).toBe('PROXMESH_ERR_WORKER_FAILED');
    expect((err as ProxmeshError).message).toMatch(
      /worker \d+ .*exited with code 2[\s\S]*error PROXMESH_ERR_USAGE: PROXMESH_HEARTBEAT_MS must be an integer/,
    );
    expect(pids.filter(pidAlive)).toEqual([]);
  }, 60_000);

  it('a frozen worker (SIGSTOP): its neighbours fail with PROXMESH_ERR_PEER_TIMEOUT naming node and round', async () => {
    let stopped = -1;
    const err = await runLocalCluster(config, {
      outDir: dirs.make(),
      workerEnv: { PROXMESH_PEER_TIMEOUT_MS: '1500', PROXMESH_HEARTBEAT_MS: '200' },
      signal: AbortSignal.timeout(45_000),
      onSpawned: ({ pids: p }) => {
        pids = p;
      },
      onProgress: ({ row }) => {
        if (row.iter === 50 && stopped < 0) {
          stopped = 2;
          process.kill(pids[2], 'SIGSTOP');
        }
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProxmeshError);
    const e = err as ProxmeshError;
    expect(e.code).toBe('PROXMESH_ERR_PEER_TIMEOUT');
    // ring of 4: nodes 1 and 3 are node 2's neighbours; the failing one names itself and the round
    expect(e.detail).toMatchObject({ node: expect.any(Number), round: expect.any(Number) });
    expect([1, 3]).toContain(e.detail!.node);
    expect(e.detail!.round as number).toBeGreaterThanOrEqual(50);
    expect(e.message).toMatch(new RegExp(`^node ${e.detail!.node} lost peer 2 at round ${e.detail!.round} \\(no frame for 1500 ms\\)`));
    // the stopped child was killed by the teardown (SIGKILL works on a stopped process)
    await pollUntil(() => (pids.some(pidAlive) ? undefined : true), AbortSignal.timeout(10_000));
  }, 60_000);
});
