/**
 * A real proxmesh cluster in containers (coordinator + 5 workers on a user-defined network), driven from
 * the host through the coordinator's mapped port. Every run that is allowed to finish must produce
 * metrics.ndjson byte-identical to runSimulation of the same config — with no fault, with a worker cut
 * off the network for 3 s, with 5 % random packet loss, and with a bandwidth cap — because exchanges are
 * synchronous and reliable (acked, re-sent, de-duplicated). Killing a worker must fail the run with an
 * error naming the node and the round. Wall times and per-edge bytes are printed, never asserted.
 * Needs dockerd and root (nsenter into the containers' network namespaces).
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient, getResults, removeCluster, running, startCluster, waitForRun, type Cluster, type RunView } from './cluster.ts';
import { formatEdges, scrapeEdgeBytes } from './edge-bytes.ts';
import {
  addBandwidthCap,
  addPacketLoss,
  bandwidthCapStats,
  containerPid,
  disconnectWorker,
  droppedPackets,
  hasPacketLoss,
  interfaceWithIp,
  reconnectWorker,
  removeBandwidthCap,
  netnsGone,
  removePacketLoss,
} from './faults.ts';
import { ensureImage } from './image.ts';
import { DOCKER_AVAILABLE, skipUnlessCi } from '../support/system.ts';

/** No dockerd: skipped on a developer machine, a failure under CI=true (see test/support/system.ts). */
const SKIP = skipUnlessCi(DOCKER_AVAILABLE);
import { EVAL_EVERY, ITERATIONS, NODES, prepareJob, type PreparedJob } from './job.ts';

const HEARTBEAT_MS = 200;
/** Well above the 3 s cut: the stall is healed by heartbeats + re-dial, not by failing the run. */
const PEER_TIMEOUT_MS = 20_000;
const RUN_ID = 'job';
/** The worker the faults hit (a ring: it has two neighbours). */
const VICTIM = 2;
const TEST_TIMEOUT = 240_000;

let image = '';
let job: PreparedJob;
const names: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(2)} s`;

beforeAll(async () => {
  if (SKIP) return;
  const t0 = performance.now();
  image = await ensureImage();
  job = await prepareJob();
  console.log(`[containers] image ${image} ready and reference simulation done in ${secs(t0)}`);
}, 600_000);

afterAll(async () => {
  if (SKIP) return;
  // Whatever happened (a timeout leaves a test's finally racing us): remove every cluster by label.
  const docker = await dockerClient();
  await Promise.all(names.map((n) => removeCluster(docker, n)));
  if (job) rmSync(job.dir, { recursive: true, force: true });
}, 120_000);

async function launch(key: string): Promise<{ c: Cluster; t0: number }> {
  const name = `pmx-${key}-${process.pid}`;
  names.push(name);
  const t0 = performance.now();
  const c = await startCluster({
    image,
    name,
    nodes: NODES,
    configFile: job.configFile,
    runId: RUN_ID,
    heartbeatMs: HEARTBEAT_MS,
    peerTimeoutMs: PEER_TIMEOUT_MS,
  });
  console.log(`[${key}] coordinator + ${NODES} workers up in ${secs(t0)} (${c.baseUrl})`);
  return { c, t0: performance.now() };
}

/** Waits until the run is under way (first evaluation after k = 0 reported), so a fault lands mid-run. */
async function midRun(c: Cluster): Promise<RunView> {
  const v = await waitForRun(c, (r) => r.state === 'running' && (r.lastIteration ?? -1) >= EVAL_EVERY, 120_000, 50);
  expect(v.lastIteration!).toBeLessThan(ITERATIONS);
  return v;
}

/** Waits for the end, checks the results are the simulator's byte for byte, prints time and traffic. */
async function finishIdentical(key: string, c: Cluster, t0: number, edges: ReturnType<typeof scrapeEdgeBytes>): Promise<void> {
  const done = await waitForRun(c, (r) => r.state === 'done', 180_000);
  const wall = secs(t0);
  const results = await getResults(c);
  const e = edges.stop();
  expect(done.failure).toBeNull();
  expect(done.rows).toBe(ITERATIONS / EVAL_EVERY + 1);
  expect(results).toBe(job.expected);
  const runMs = done.finishedAt ? Date.parse(done.finishedAt) - Date.parse(done.createdAt) : NaN;
  console.log(
    `[${key}] done: wall ${wall} from start-up to done, run ${runMs} ms (created → finished); ` +
      `results byte-identical to runSimulation (${results.length} B, ${done.rows} rows)\n[${key}] per-edge bytes sent (last scrape):\n${formatEdges(e)}`,
  );
}

/**
 * A fault on the victim's network interface from mid-run for 4 s. `checkAndRemove` runs only if the
 * worker is still up (it may finish first): it asserts the fault took effect, lifts it and says what
 * it saw. The run must then finish with results byte-identical to the simulator's.
 */
async function interfaceFault(
  key: string,
  what: string,
  fault: { apply(pid: number, iface: string): Promise<void>; checkAndRemove(pid: number, iface: string): Promise<string> },
): Promise<void> {
  const { c, t0 } = await launch(key);
  try {
    const edges = scrapeEdgeBytes(c);
    const pid = await containerPid(c, c.workers[VICTIM].getId());
    const iface = await interfaceWithIp(pid, c.workerIps[VICTIM]);
    const at = await midRun(c);
    await fault.apply(pid, iface);
    await sleep(4000);
    const stillUp = (await running(c, [c.workers[VICTIM]]))[0];
    const seen = stillUp ? await fault.checkAndRemove(pid, iface) : 'worker had already finished';
    console.log(`[${key}] ${what} on worker-${VICTIM} ${iface} from evaluated iteration ${at.lastIteration} for 4 s: ${seen}`);
    await finishIdentical(key, c, t0, edges);
  } finally {
    await c.stop();
  }
}

describe.skipIf(SKIP)('proxmesh cluster in containers', () => {
  it(
    'a fault-free run serves results byte-identical to runSimulation',
    async () => {
      const { c, t0 } = await launch('clean');
      try {
        const edges = scrapeEdgeBytes(c);
        await finishIdentical('clean', c, t0, edges);
      } finally {
        await c.stop();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'a worker cut off the network for 3 s: heartbeats detect the stall, links are re-dialled, results identical',
    async () => {
      const { c, t0 } = await launch('cut');
      try {
        const edges = scrapeEdgeBytes(c);
        const at = await midRun(c);
        const tCut = performance.now();
        await disconnectWorker(c, VICTIM);
        await sleep(3000);
        await reconnectWorker(c, VICTIM);
        const after = await waitForRun(c, () => true, 10_000);
        console.log(
          `[cut] worker-${VICTIM} cut at evaluated iteration ${at.lastIteration} for 3 s (reconnected after ${secs(tCut)}); ` +
            `run state on reconnect: ${after.state}, evaluated iteration ${after.lastIteration}`,
        );
        // The run cannot complete while one node of a synchronous ring is unreachable.
        expect(after.lastIteration!).toBeLessThan(ITERATIONS);
        await finishIdentical('cut', c, t0, edges);
        console.log(`[cut] recovery: ${secs(tCut)} from the cut to done`);
      } finally {
        await c.stop();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    '5 % random packet loss on a worker interface (nft numgen): results identical',
    async () => {
      await interfaceFault('loss', '5 % loss', {
        apply: (pid, iface) => addPacketLoss(pid, iface, 5),
        checkAndRemove: async (pid) => {
          const dropped = await droppedPackets(pid);
          await removePacketLoss(pid);
          expect(await hasPacketLoss(pid)).toBe(false);
          expect(dropped).toBeGreaterThan(0);
          return `${dropped} packets dropped, rule removed`;
        },
      });
    },
    TEST_TIMEOUT,
  );

  it(
    'a bandwidth cap (tc tbf 96 kbit/s) on a worker: results identical',
    async () => {
      await interfaceFault('tbf', '96 kbit/s egress cap', {
        apply: (pid, iface) => addBandwidthCap(pid, iface, '96kbit'),
        checkAndRemove: async (pid, iface) => {
          const stats = await bandwidthCapStats(pid, iface);
          expect(stats.kind).toBe('tbf');
          expect(stats.sentBytes).toBeGreaterThan(0);
          await removeBandwidthCap(pid, iface);
          // the worker may have finished and its namespace gone with the qdisc (netnsGone)
          if (!netnsGone(pid)) expect((await bandwidthCapStats(pid, iface)).kind).not.toBe('tbf');
          return `${stats.sentBytes} B through the bucket, ${stats.overlimits} overlimits, cap removed`;
        },
      });
    },
    TEST_TIMEOUT,
  );

  it(
    'a worker killed mid-run fails the run with an error naming the node and the round; no container keeps running',
    async () => {
      const { c, t0 } = await launch('kill');
      try {
        const at = await midRun(c);
        const tKill = performance.now();
        await c.docker.getContainer(c.workers[VICTIM].getId()).kill({ signal: 'SIGKILL' });
        // Bounded by the peer timeout: a dead node must be noticed at the latest when its peers give up on it.
        const failed = await waitForRun(c, (r) => r.state === 'failed', PEER_TIMEOUT_MS + 15_000);
        const detectMs = performance.now() - tKill;
        expect(failed.failure).not.toBeNull();
        const f = failed.failure!;
        expect(f.node).toBe(VICTIM);
        expect(f.message).toMatch(new RegExp(`node ${VICTIM}\\b`));
        expect(f.message).toMatch(/round \d+/);
        expect(f.round).not.toBeNull();
        expect(f.round!).toBeGreaterThan(at.lastIteration!);
        expect(f.round!).toBeLessThanOrEqual(ITERATIONS);
        // The coordinator sends `stop` to the survivors: every worker container exits by itself.
        const survivors = c.workers.filter((_, i) => i !== VICTIM);
        const deadline = Date.now() + 30_000;
        let up = await running(c, survivors);
        while (up.some(Boolean) && Date.now() < deadline) {
          await sleep(200);
          up = await running(c, survivors);
        }
        expect(up).toEqual(survivors.map(() => false));
        const exitCodes = await Promise.all(survivors.map(async (w) => (await c.docker.getContainer(w.getId()).inspect()).State.ExitCode));
        console.log(
          `[kill] worker-${VICTIM} SIGKILLed at evaluated iteration ${at.lastIteration}; run failed ${(detectMs / 1000).toFixed(2)} s later ` +
            `(${f.code}: ${f.message}; node ${f.node}, round ${f.round}); survivors exited with codes ${exitCodes.join(',')}; wall ${secs(t0)}`,
        );
      } finally {
        await c.stop();
      }
      const left = await c.docker.listContainers({ filters: { label: [`proxmesh.cluster=${c.name}`] } });
      expect(left).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
