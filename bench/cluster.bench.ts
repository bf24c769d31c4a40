/**
 * The local cluster against the simulator, measured on the shipped (compiled) code: the bench builds
 * dist/ (npm run build) and runs `runLocalCluster` / `runSimulation` from there, so the workers it
 * spawns run compiled JavaScript as a user's do. Issue 11's table, each row on its own configuration:
 *   1. default example (a9a CDProxSGT top-10 %, ring of 8): wall of run ÷ wall of sim;
 *   2. start-up of that cluster (8 workers): spawn → every worker ready (round 0), with the split of
 *      timings.ndjson (register, load, config, data, connect);
 *   3. examples/breast-cancer-beer-complete4.yaml: ms per iteration (timings.ndjson 'iterations'
 *      phases) of run ÷ sim, and the run's per-phase step split (compute, encode, send, wait);
 *   4. 64 worker processes, a9a ring, 100 iterations: completes, byte-identical, wall and the peak
 *      RSS (VmHWM) of every worker;
 *   5. 1,024 logical nodes on 8 worker processes: completes, byte-identical;
 *   6. the per-frame path alone: CPU µs per data frame (sent and received, both ends in this process)
 *      of a complete graph of 4 WebSocket transports on loopback exchanging BEER-sized messages
 *      (d = 31, top-30 %) through NetworkCommunicator, so the frame path is measured without the
 *      scheduler noise of many processes (process.cpuUsage, user + system).
 * Prints figures only (never asserts on time).
 *   node --import tsx bench/cluster.bench.ts [--quick] [--only 1,3]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? new Set(args[onlyArg + 1].split(',').map(Number)) : null;
const want = (i: number) => only === null || only.has(i);

execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
const dist = (rel: string) => import(pathToFileURL(join(root, 'dist', rel)).href);
const { loadConfig } = await dist('node/config/load.js');
const { readConfigFile } = await dist('node/config/parse.js');
const { runLocalCluster } = await dist('node/run/local-cluster.js');
const { runSimulation } = await dist('node/sim/run-sim.js');
const { WsTransport } = await dist('node/transport/ws.js');
const { NetworkCommunicator } = await dist('node/transport/network-communicator.js');
const { maxFrameBytes } = await dist('node/codec/frame.js');

const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-bench-cluster-'));
let dirN = 0;
const dir = () => join(tmp, String(dirN++));
const f2 = (x: number) => x.toFixed(2);
const example = (name: string) => readConfigFile(join(root, 'examples', name)) as Record<string, unknown>;
const read = (d: string, f: string) => readFileSync(join(d, f), 'utf8');
const timings = (d: string) =>
  read(d, 'timings.ndjson')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);

/** Mean ms per iteration over the 'iterations' phases, and the mean step split if present. */
function perIteration(d: string): { ms: number; split: Record<string, number> | null } {
  let s = 0;
  let k = 0;
  const split: Record<string, number> = { compute: 0, encode: 0, send: 0, wait: 0 };
  let ks = 0;
  for (const e of timings(d)) {
    if (e.phase === 'iterations') {
      s += e.seconds;
      k += e.to - e.from;
    }
    if (e.phase === 'step-split') {
      for (const p of Object.keys(split)) split[p] += e[p] * (e.to - e.from);
      ks += e.to - e.from;
    }
  }
  for (const p of Object.keys(split)) split[p] = (split[p] / ks) * 1000;
  return { ms: (s / k) * 1000, split: ks > 0 ? split : null };
}

async function simAndRun(raw: Record<string, unknown>, opts: Record<string, unknown> = {}) {
  const config = loadConfig(raw);
  const sd = dir();
  const t0 = performance.now();
  await runSimulation(config, { outDir: sd });
  const simMs = performance.now() - t0;
  const cd = dir();
  const marks: Record<string, number> = {};
  let pids: number[] = [];
  let peakKb: number[] = [];
  const t1 = performance.now();
  await runLocalCluster(config, {
    outDir: cd,
    ...opts,
    onSpawned: (i: { pids: number[] }) => {
      marks.spawned = performance.now();
      pids = i.pids;
    },
    beforeStart: async () => {
      marks.ready = performance.now();
    },
    beforeTeardown: async () => {
      marks.done = performance.now();
      peakKb = pids.map((p) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? NaN));
    },
  });
  const runMs = performance.now() - t1;
  const same = read(sd, 'metrics.ndjson') === read(cd, 'metrics.ndjson');
  return { simMs, runMs, marks, t1, same, sd, cd, peakKb, config };
}

/**
 * Row 6: n WsTransports (complete graph) in this process; every node exchanges a d-dimensional
 * top-30 % f64 message per round. Returns CPU µs per frame (each frame counted once, its send and
 * its receive both in this process) and wall µs per round, after `warm` rounds of JIT warm-up.
 */
async function framePath(
  n: number,
  d: number,
  rounds: number,
  warm: number,
): Promise<{ cpuUs: number; userUs: number; sysUs: number; wallUs: number; frames: number }> {
  const k = Math.max(1, Math.round(0.3 * d));
  const indices = Int32Array.from({ length: k }, (_, i) => Math.floor((i * d) / k));
  const msg = { dim: d, indices, values: { kind: 'float', precision: 'f64', data: Float64Array.from({ length: k }, (_, i) => i + 0.5) } };
  const urls = new Map<number, string>();
  const ids = [...Array(n).keys()];
  const ts = ids.map(
    (id) =>
      new WsTransport({
        id,
        run: 'bench',
        token: 'bench-token',
        neighbours: ids.filter((j) => j !== id),
        maxFrameBytes: maxFrameBytes(d),
        expectedDim: d,
        peerAddress: (p: number) => urls.get(p),
      }),
  );
  for (const t of ts) {
    await t.start();
    urls.set(t.id, t.url);
  }
  const connected = () => ts.every((t) => [...t.stats().peers.values()].every((p: { connections: number }) => p.connections > 0));
  for (let i = 0; !connected(); i++) {
    if (i > 1500) throw new Error('row 6: links did not come up');
    await new Promise((r) => setTimeout(r, 10));
  }
  const comms = ts.map((t, id) => new NetworkCommunicator({ transport: t, self: id, peers: ids, dim: d }));
  const loop = async (c: { exchange(r: number, p: string, m: unknown): Promise<unknown> }, from: number, to: number) => {
    for (let r = from; r < to; r++) await c.exchange(r, 'x', msg);
  };
  await Promise.all(comms.map((c) => loop(c, 0, warm)));
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(comms.map((c) => loop(c, warm, warm + rounds)));
  const u = process.cpuUsage(u0);
  const wallUs = ((performance.now() - t0) * 1000) / rounds;
  for (const c of comms) c.close();
  await Promise.all(ts.map((t) => t.stop()));
  const frames = rounds * n * (n - 1);
  return { cpuUs: (u.user + u.system) / frames, userUs: u.user / frames, sysUs: u.system / frames, wallUs, frames };
}

console.log(
  `cluster vs simulator (compiled dist/), node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map(f2).join(' ')}${quick ? ', quick' : ''}`,
);
try {
  if (want(1) || want(2)) {
    const raw = example('a9a-cdproxsgt-ring8.yaml');
    const r = await simAndRun(quick ? { ...raw, iterations: 100, evalEvery: 10 } : raw);
    const split = timings(r.cd).find((e) => e.phase === 'startup-split');
    console.log(`\n1. default example (a9a CDProxSGT, ring of 8, K = ${r.config.iterations})`);
    console.log(
      `   sim ${f2(r.simMs / 1000)} s · run ${f2(r.runMs / 1000)} s · run ÷ sim ${f2(r.runMs / r.simMs)}× · metrics identical: ${r.same ? 'yes' : 'NO'}`,
    );
    console.log(
      `   run: start-up ${f2((r.marks.ready - r.t1) / 1000)} s, iterations ${f2((r.marks.done - r.marks.ready) / 1000)} s, teardown ${f2((r.t1 + r.runMs - r.marks.done) / 1000)} s`,
    );
    console.log(
      `2. start-up to round 0, 8 workers: ${f2((r.marks.ready - r.t1) / 1000)} s (spawn → ready ${f2((r.marks.ready - r.marks.spawned) / 1000)} s)`,
    );
    if (split) {
      const m = (k: string) => `${f2(split[k].mean)} (max ${f2(split[k].max)})`;
      console.log(
        `   per worker, s: load ${m('load')} · config ${m('config')} · data ${m('data')} · connect ${m('connect')}; run created → all registered ${f2(split.registered)} s`,
      );
    }
  }
  if (want(3)) {
    const r = await simAndRun(example('breast-cancer-beer-complete4.yaml'));
    const sim = perIteration(r.sd);
    const run = perIteration(r.cd);
    console.log(
      `\n3. breast-cancer BEER complete-4: sim ${sim.ms.toFixed(3)} ms/iter · run ${run.ms.toFixed(3)} ms/iter · run ÷ sim ${f2(run.ms / sim.ms)}× · identical: ${r.same ? 'yes' : 'NO'}`,
    );
    if (run.split)
      console.log(
        `   run step split, ms/iter (mean over nodes): ${Object.entries(run.split)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(' · ')}`,
      );
  }
  if (want(4)) {
    const raw = example('a9a-cdproxsgt-ring8.yaml');
    const r = await simAndRun(
      { ...raw, iterations: quick ? 20 : 100, evalEvery: 10, topology: { kind: 'ring', nodes: 64, weights: 'metropolis' } },
      { workerEnv: { PROXMESH_PEER_TIMEOUT_MS: '120000' } },
    );
    const mb = r.peakKb.map((k) => k / 1024);
    console.log(
      `\n4. 64 worker processes, a9a ring, K = ${r.config.iterations}: completed · identical: ${r.same ? 'yes' : 'NO'} · wall ${f2(r.runMs / 1000)} s (start-up ${f2((r.marks.ready - r.t1) / 1000)} s) · sim ${f2(r.simMs / 1000)} s`,
    );
    console.log(`   peak RSS per worker: mean ${f2(mb.reduce((a, b) => a + b, 0) / mb.length)} MB, max ${f2(Math.max(...mb))} MB`);
  }
  if (want(5)) {
    const raw = example('a9a-cdproxsgt-ring8.yaml');
    const r = await simAndRun(
      { ...raw, iterations: quick ? 5 : 20, evalEvery: 5, batchSize: 8, topology: { kind: 'ring', nodes: 1024, weights: 'metropolis' } },
      { nodesPerWorker: 128, workerEnv: { PROXMESH_PEER_TIMEOUT_MS: '120000' } },
    );
    const mb = r.peakKb.map((k) => k / 1024);
    console.log(
      `\n5. 1,024 logical nodes on ${r.peakKb.length} worker processes (a9a ring, K = ${r.config.iterations}): completed · identical: ${r.same ? 'yes' : 'NO'} · run ${f2(r.runMs / 1000)} s · sim ${f2(r.simMs / 1000)} s · peak RSS per worker max ${f2(Math.max(...mb))} MB`,
    );
  }
  if (want(6)) {
    // Medians over repetitions: one run moves with whatever else holds the machine's cores.
    const reps = quick ? 3 : 7;
    const runs: Awaited<ReturnType<typeof framePath>>[] = [];
    for (let i = 0; i < reps; i++) runs.push(await framePath(4, 31, quick ? 500 : 2000, 500));
    const med = (f: (r: (typeof runs)[number]) => number) => {
      const v = runs.map(f).sort((a, b) => a - b);
      return v[(v.length - 1) >> 1];
    };
    console.log(
      `\n6. per-frame path, 4 WebSocket transports in one process (complete graph, d = 31, top-30 %, ${runs[0].frames} frames per run, median of ${reps}):`,
    );
    console.log(
      `   CPU ${med((r) => r.cpuUs).toFixed(1)} µs per frame (user ${med((r) => r.userUs).toFixed(1)}, system ${med((r) => r.sysUs).toFixed(1)}; min ${Math.min(...runs.map((r) => r.cpuUs)).toFixed(1)}) · wall ${med((r) => r.wallUs).toFixed(0)} µs per round`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
