/**
 * A real proxmesh cluster in containers (coordinator + 5 workers on a user-defined network), driven from
 * the host through the coordinator's mapped port. Every run that is allowed to finish must produce
 * metrics.ndjson byte-identical to runSimulation of the same config — with no fault, with a worker cut
 * off the network for 3 s, with 5 % random packet loss, and with a bandwidth cap — because exchanges are
 * synchronous and reliable (acked, re-sent, de-duplicated). Killing a worker of a run without
 * checkpoints must fail the run with an error naming the node and the round (the other workers stay
 * up for the next run). Killing a worker of a checkpointing run, then starting its container again
 * (as a restart policy would), heals the run: it ends byte-identical to the simulator's. Wall times
 * and per-edge bytes are printed, never asserted.
 * Needs dockerd and root (nsenter into the containers' network namespaces).
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
import type { StartedTestContainer } from 'testcontainers';
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
/** The heal test's job: long enough for a kill after the first committed checkpoint, checkpoints every 40 rounds. */
const HEAL_ITERATIONS = 1200;
let healJob: PreparedJob;
const names: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(2)} s`;

beforeAll(async () => {
  if (SKIP) return;
  const t0 = performance.now();
  image = await ensureImage();
  job = await prepareJob();
  healJob = await prepareJob({ iterations: HEAL_ITERATIONS, checkpointEvery: EVAL_EVERY });
  console.log(`[containers] image ${image} ready and reference simulation done in ${secs(t0)}`);
}, 600_000);

afterAll(async () => {
  if (SKIP) return;
  // Whatever happened (a timeout leaves a test's finally racing us): remove every cluster by label.
  const docker = await dockerClient();
  await Promise.all(names.map((n) => removeCluster(docker, n)));
  if (job) rmSync(job.dir, { recursive: true, force: true });
  if (healJob) rmSync(healJob.dir, { recursive: true, force: true });
}, 120_000);

async function launch(key: string, extra: Partial<Parameters<typeof startCluster>[0]> = {}): Promise<{ c: Cluster; t0: number }> {
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
    ...extra,
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

/** Each container's log once all match `re` (or at the deadline: the caller's expectation then fails on the logs). */
async function pollLogs(c: Cluster, containers: readonly StartedTestContainer[], re: RegExp, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = await Promise.all(
      containers.map(async (w) => (await c.docker.getContainer(w.getId()).logs({ stdout: true, stderr: true })).toString('utf8')),
    );
    if (logs.every((l) => re.test(l)) || Date.now() > deadline) return logs;
    await sleep(200);
  }
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
    'a worker killed mid-run (no checkpoints) fails the run with an error naming the node and the round; the others stay up, idle',
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
        // The coordinator sends `stop` to the survivors: they end the run and stay up, registered
        // again for the next run (a container is not restarted after each run).
        const survivors = c.workers.filter((_, i) => i !== VICTIM);
        const logs = await pollLogs(c, survivors, /registered again \(idle\)/, 30_000);
        expect(logs.every((l) => /registered again \(idle\)/.test(l))).toBe(true);
        expect(await running(c, survivors)).toEqual(survivors.map(() => true));
        console.log(
          `[kill] worker-${VICTIM} SIGKILLed at evaluated iteration ${at.lastIteration}; run failed ${(detectMs / 1000).toFixed(2)} s later ` +
            `(${f.code}: ${f.message}; node ${f.node}, round ${f.round}); the ${survivors.length} other workers stay up, idle; wall ${secs(t0)}`,
        );
      } finally {
        await c.stop();
      }
      const left = await c.docker.listContainers({ filters: { label: [`proxmesh.cluster=${c.name}`] } });
      expect(left).toEqual([]);
    },
    TEST_TIMEOUT,
  );
  it(
    'a worker container killed mid-run (docker kill) and started again: the run heals and ends byte-identical to sim',
    async () => {
      // Each worker's checkpoint folder is a host folder (its volume): it outlives the container's restart.
      const volumes = Array.from({ length: NODES }, (_, i) => {
        const d = join(healJob.dir, `worker-${i}-volume`);
        mkdirSync(d, { recursive: true });
        chmodSync(d, 0o777); // the image runs as uid 1000
        return d;
      });
      const { c, t0 } = await launch('heal', {
        configFile: healJob.configFile,
        workerEnv: () => ({ PROXMESH_CHECKPOINT_DIR: '/checkpoints' }),
        workerMounts: (i) => [{ source: volumes[i], target: '/checkpoints' }],
      });
      try {
        // After the first committed checkpoint (round 40 or later), well before the end.
        const at = await waitForRun(c, (r) => r.state === 'running' && (r.lastIteration ?? -1) >= 3 * EVAL_EVERY, 120_000, 50);
        expect(at.lastIteration!).toBeLessThan(HEAL_ITERATIONS);
        const victim = c.docker.getContainer(c.workers[VICTIM].getId());
        await victim.kill({ signal: 'SIGKILL' });
        const healing = await waitForRun(c, (r) => r.state === 'healing' || r.state === 'waiting', 30_000, 20);
        // The orchestrator's part: start the container again (same hostname, so the same ordinal; same volume).
        await victim.start();
        const done = await waitForRun(c, (r) => r.state === 'done', 180_000);
        const results = await getResults(c);
        expect(done.failure).toBeNull();
        expect(done.rows).toBe(HEAL_ITERATIONS / EVAL_EVERY + 1);
        expect(results).toBe(healJob.expected);
        const survivors = c.workers.filter((_, i) => i !== VICTIM);
        expect(await running(c, c.workers)).toEqual(c.workers.map(() => true));
        const logs = await pollLogs(c, survivors, /rollback of run job/, 10_000);
        expect(logs.every((l) => /rollback of run job/.test(l))).toBe(true);
        // The coordinator went back to a committed checkpoint (a multiple of checkpointEvery = 40, after round 0), not to the start.
        const [coordLog] = await pollLogs(c, [c.coordinator], /run rolled back to round \d+/, 10_000);
        const round = Number(/run rolled back to round (\d+)/.exec(coordLog)?.[1]);
        expect(round).toBeGreaterThanOrEqual(EVAL_EVERY);
        expect(round % EVAL_EVERY).toBe(0);
        expect(round).toBeLessThanOrEqual(at.lastIteration! + 2 * EVAL_EVERY);
        console.log(
          `[heal] worker-${VICTIM} SIGKILLed at evaluated iteration ${at.lastIteration} (seen as ${healing.state}); rolled back to round ${round}; started again; ` +
            `the run healed and ended byte-identical to runSimulation (${done.rows} rows); wall ${secs(t0)}`,
        );
      } finally {
        await c.stop();
      }
    },
    TEST_TIMEOUT,
  );
});
