/**
 * The simulated clock checked against a real network (issue 13 item 3, docs/clock.md "Checked against
 * a real network"). A 4-node ring cluster in containers, every directed link capped by its own htb
 * class (per-destination, the clock's per-link model) and every link passing one userspace delay
 * proxy (no netem in this kernel): the proxy runs inside worker i's network namespace on its peer
 * port and forwards to the worker, which listens on loopback only, so every frame a peer sends node
 * i (whoever dialled) crosses exactly one proxy and one cap.
 *
 * The job is bandwidth-bound on purpose: DProxSGT with dense f64 messages of an MLP on digits
 * (d = 3610, a 28.9 kB frame) over 1 Mbit/s links with 10 ms latency: ≈ 241 ms per exchange, against
 * a few ms of compute, encoding and event-loop time. A first version at 8 Mbit/s (68 ms per exchange)
 * measured 46 % above simTime on this loaded 2-core machine: CPU time, not the network, set its pace.
 * The measured wall time per iteration (least-squares slope of the coordinator's row times against
 * k, warm-up rows dropped) must match simTime per iteration within TOLERANCE; see the constant for
 * why 20 %. Run it without `nice`: the delay proxies inherit the test's priority.
 * The cluster's metrics.ndjson (simTime included) must still equal the simulator's byte for byte.
 * PROXMESH_CLOCK_CHECK_OUT=<file> writes the measured and simulated row times as JSON (the figure).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import type { MetricsRow } from '../../node/results/metrics-row.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { dockerClient, getResults, getRun, removeCluster, startCluster, type Cluster } from './cluster.ts';
import { addPerPeerCaps, containerPid, interfaceWithIp, perPeerSentBytes } from './faults.ts';
import { ensureImage } from './image.ts';
import { DOCKER_AVAILABLE, skipUnlessCi } from '../support/system.ts';

const SKIP = skipUnlessCi(DOCKER_AVAILABLE);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROXY = join(REPO, 'test', 'containers', 'delay-proxy.ts');

const NODES = 4;
const ITERATIONS = 48;
const EVAL_EVERY = 4;
/** Rows before this iteration are warm-up (links dialled through the proxies, first TCP windows). */
const WARMUP_ITER = 8;
const LATENCY_S = 0.01;
/** htb burst of each link class: ≥ rate / HZ (500 B at 1 Mbit/s, HZ = 250), small against a frame. */
const BURST_BYTES = 2000;
const BANDWIDTH_BIT = 1e6;
/**
 * |measured / simulated − 1| per iteration. What the clock leaves out, each measured or bounded here:
 * TCP/IP headers (+4.6 %: 66 B per 1448 B segment) and the reverse-direction TCP acks sharing a cap
 * (≈ +2 %); the htb burst an idle class sends at line rate (−7 % at most: 2000 B of 28.9 kB); timer
 * slack of the delay proxy (≈ 1 ms of 241 ms); the workers' real compute, encoding, MAC and
 * event-loop time, which on this 2-core machine under a load average of 20–35 varies run to run.
 * Measured: ratios 1.009 and 1.065 in two runs. 20 % holds the rest with margin. What it can and cannot tell apart: a clock
 * that charged a node's two out-links as one shared cap (≈ +96 %), ignored bandwidth (≈ −96 %) or
 * confused bits with bytes would fail; one that forgot the 10 ms latency (−4 %) would pass.
 */
const TOLERANCE = 0.2;

const JOB = {
  seed: 3,
  iterations: ITERATIONS,
  evalEvery: EVAL_EVERY,
  batchSize: 32,
  algorithm: { name: 'dproxsgt', eta: 0.05 },
  problem: { dataset: { name: 'digits' }, model: { kind: 'mlp', hidden: [48] }, regularizer: { kind: 'none' } },
  partition: { kind: 'iid' },
  topology: { kind: 'ring', nodes: NODES, weights: 'metropolis' },
  // compute: 32 samples at 20 000 samples/s = 1.6 ms, an estimate of the MLP step (small either way).
  network: { links: { kind: 'uniform', latency: LATENCY_S, bandwidth: BANDWIDTH_BIT }, compute: { samplesPerSecond: 20000 } },
} as const;

let image = '';
let dir = '';
let configFile = '';
let expected = '';
let simRows: readonly MetricsRow[] = [];
const names: string[] = [];
const proxies: ChildProcess[] = [];

beforeAll(async () => {
  if (SKIP) return;
  image = await ensureImage();
  dir = mkdtempSync(join(tmpdir(), 'proxmesh-clock-'));
  configFile = join(dir, 'job.json');
  writeFileSync(configFile, `${JSON.stringify(JOB, null, 2)}\n`, { mode: 0o644 });
  const sim = await runSimulation(loadConfig(configFile), { outDir: join(dir, 'sim') });
  simRows = sim.rows;
  const { readFileSync } = await import('node:fs');
  expected = readFileSync(join(sim.dir!, 'metrics.ndjson'), 'utf8');
}, 600_000);

afterAll(async () => {
  if (SKIP) return;
  for (const p of proxies) if (p.pid !== undefined && p.exitCode === null) p.kill('SIGTERM');
  const docker = await dockerClient();
  await Promise.all(names.map((n) => removeCluster(docker, n)));
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** Starts the delay proxy in the netns of `pid`, in front of the worker's loopback peer port. */
function startProxy(pid: number, ip: string): Promise<ChildProcess> {
  const child = spawn(
    'nsenter',
    ['-t', String(pid), '-n', process.execPath, '--import', 'tsx', PROXY, ip, '7070', '127.0.0.1', '7070', String(LATENCY_S * 1000)],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proxies.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('delay proxy did not start within 30 s')), 30_000);
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('delay-proxy ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`delay proxy exited with ${code}`)));
  });
}

/** Least-squares slope of y against x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

describe.skipIf(SKIP)('simulated clock vs a capped, delayed container network', () => {
  it(`wall time per iteration = simTime per iteration within ${TOLERANCE * 100} % (${BANDWIDTH_BIT / 1e6} Mbit/s per link, ${LATENCY_S * 1000} ms, ring of ${NODES})`, async () => {
    const name = `pmx-clock-${process.pid}`;
    names.push(name);
    // Workers listen on loopback; the proxy owns <ip>:7070; peers dial worker-<i>:7070 as always.
    const c: Cluster = await startCluster({
      image,
      name,
      nodes: NODES,
      configFile,
      runId: 'clock',
      heartbeatMs: 1000,
      peerTimeoutMs: 60_000,
      workerEnv: (i) => ({ PROXMESH_LISTEN: '127.0.0.1:7070', PROXMESH_ADVERTISE: `worker-${i}` }),
    });
    const pids = await Promise.all(c.workers.map((w) => containerPid(c, w.getId())));
    const ifaces = await Promise.all(pids.map((pid, i) => interfaceWithIp(pid, c.workerIps[i])));
    // Caps first, proxies second: no peer link can come up (so no exchange can run) before both exist.
    const peersOf = (i: number) => [(i + 1) % NODES, (i + NODES - 1) % NODES];
    for (let i = 0; i < NODES; i++)
      await addPerPeerCaps(
        pids[i],
        ifaces[i],
        peersOf(i).map((j) => c.workerIps[j]),
        BANDWIDTH_BIT,
        BURST_BYTES,
      );
    await Promise.all(pids.map((pid, i) => startProxy(pid, c.workerIps[i])));

    // Bytes through each link's cap, sampled beside the polling (workers exit, and their network
    // namespaces with them, as soon as the run is done): the last sample is kept.
    let sent: number[][] = pids.map(() => [0, 0]);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = await Promise.all(pids.map((pid, i) => perPeerSentBytes(pid, ifaces[i], 2))).catch(() => null);
        if (s !== null) sent = s;
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    // The coordinator's rows as they appear: first time each evaluated iteration is seen.
    const seen = new Map<number, number>();
    const deadline = performance.now() + 180_000;
    for (;;) {
      const v = await getRun(c);
      if (v.lastIteration !== null && !seen.has(v.lastIteration)) seen.set(v.lastIteration, performance.now() / 1000);
      if (v.state === 'done' || v.state === 'failed') {
        expect(v.failure).toBeNull();
        break;
      }
      if (performance.now() > deadline) throw new Error(`run not done after 180 s: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    sampling = false;
    await sampler;
    expect(await getResults(c)).toBe(expected); // simTime included: the coordinator's clock is the simulator's

    const rows = simRows.filter((r) => r.iter >= WARMUP_ITER && seen.has(r.iter));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const measured = slope(
      rows.map((r) => r.iter),
      rows.map((r) => seen.get(r.iter)!),
    );
    const simulated = slope(
      rows.map((r) => r.iter),
      rows.map((r) => r.simTime!),
    );
    const ratio = measured / simulated;
    const report = {
      config: { nodes: NODES, iterations: ITERATIONS, evalEvery: EVAL_EVERY, latencyS: LATENCY_S, bandwidthBit: BANDWIDTH_BIT },
      perIteration: { measuredS: measured, simulatedS: simulated, ratio },
      framePayloadBytes: simRows[simRows.length - 1].bytesSent / (NODES * 2 * 2 * ITERATIONS),
      capturedBytesPerLink: sent,
      rows: rows.map((r) => ({ iter: r.iter, wallS: seen.get(r.iter)! - seen.get(rows[0].iter)!, simS: r.simTime! - rows[0].simTime! })),
    };
    console.log(
      `[clock] per iteration: measured ${(measured * 1000).toFixed(1)} ms, simTime ${(simulated * 1000).toFixed(1)} ms, ratio ${ratio.toFixed(3)}; bytes through each link's cap ${JSON.stringify(sent)}`,
    );
    if (process.env.PROXMESH_CLOCK_CHECK_OUT) writeFileSync(process.env.PROXMESH_CLOCK_CHECK_OUT, `${JSON.stringify(report, null, 2)}\n`);
    // Every link's cap carried traffic: the frames really crossed the shaped path.
    // (sampled up to 300 ms before the end: at least 80 % of the run's frames)
    for (const perLink of sent) for (const b of perLink) expect(b).toBeGreaterThan(ITERATIONS * 2 * 28_000 * 0.8);
    expect(Math.abs(ratio - 1)).toBeLessThanOrEqual(TOLERANCE);
  }, 400_000);
});
