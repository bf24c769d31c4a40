/**
 * `proxmesh worker`: one cluster node (DESIGN.md §5).
 *  1. Listens for peer links, serves its own /metrics, connects to the coordinator's control channel
 *     with the cluster token and registers its peer URL (and ordinal, if any).
 *  2. On `assign`: validates the frozen config, builds exactly the node the simulator would build
 *     (node/sim/assemble.ts), opens its peer links (the lower id dials the higher) and reports ready.
 *  3. On `start`: runs the algorithm's steps through the network communicator; at k = 0, every
 *     evalEvery iterations and at k = K it reports (x_i, Σ loss, bytes) to the coordinator.
 *  4. Exits 0 after `stop` (done) or SIGTERM; exits 1 when its run fails.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { loadConfig } from './config/load.ts';
import type { FrozenConfig } from './config/schema.ts';
import { maxFrameBytes } from './codec/frame.ts';
import { ProxmeshError } from './errors.ts';
import { createControlCodec, type AssignMsg, type CoordinatorMsg, type WorkerMsg } from './cluster/control-protocol.ts';
import { createWorkerMetrics, serveMetrics, type WorkerMetrics } from './cluster/worker-metrics.ts';
import { assembleNode, buildAlgorithm, buildRunProblem, buildRunSchedule, buildRunTopology, initialPoint, peerRow } from './sim/assemble.ts';
import { NetworkCommunicator } from './transport/network-communicator.ts';
import { WsTransport } from './transport/ws.ts';
import type { NodeAlgorithm, NodeContext } from './algo/types.ts';
import type { BuiltProblem } from './sim/assemble.ts';
import { ScheduledCommunicator } from './cluster/scheduled-communicator.ts';
import { scheduleRow, scheduleSends, unionNeighbours } from '../topologies/schedule.ts';

export interface WorkerOptions {
  /** ws://host:port/control of the coordinator. */
  readonly coordinatorUrl: string;
  readonly token: string;
  /** StatefulSet ordinal or local-cluster index; null lets the coordinator choose. */
  readonly ordinal: number | null;
  /** Interface and port for peer links (port 0: pick a free one). */
  readonly listenHost: string;
  readonly listenPort: number;
  /** Host name peers use to reach this worker (default: listenHost; in Kubernetes, worker-<i>.<service>). */
  readonly advertiseHost?: string;
  /** /metrics listener (null: no metrics server). */
  readonly metricsHost: string;
  readonly metricsPort: number | null;
  /** A peer silent this long fails the run (ms). */
  readonly peerTimeoutMs?: number;
  /** Ping interval for peer links (ms). */
  readonly heartbeatMs?: number;
  /** How long to keep trying to reach the coordinator (ms). */
  readonly connectTimeoutMs?: number;
  /** Keep serving /metrics this long after the run ended, so a last scrape sees the final counts (ms, default 0). */
  readonly metricsLingerMs?: number;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

interface Active {
  readonly runId: string;
  readonly nodeId: number;
  readonly config: FrozenConfig;
  readonly transport: WsTransport;
  /** The network communicator, with the codec and wait seconds of its exchanges. */
  readonly comm: NetworkCommunicator | ScheduledCommunicator;
  readonly ctx: NodeContext;
  readonly algorithm: NodeAlgorithm<any>;
  readonly problem: BuiltProblem;
  readonly abort: AbortController;
  started: boolean;
}

/** Runs the worker until its run ends; resolves with the process exit status. */
export async function runWorker(opts: WorkerOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const metrics = createWorkerMetrics();
  const peerPort = opts.listenPort === 0 ? await freePort(opts.listenHost) : opts.listenPort;
  const advertise = opts.advertiseHost ?? opts.listenHost;
  let metricsServer: Server | null = null;
  let metricsUrl: string | null = null;
  if (opts.metricsPort !== null) {
    const m = await serveMetrics(metrics, opts.metricsHost, opts.metricsPort);
    metricsServer = m.server;
    metricsUrl = `http://${opts.metricsHost === '0.0.0.0' ? advertise : opts.metricsHost}:${m.port}/metrics`;
  }
  const codec = createControlCodec();
  let control: WebSocket | null;
  try {
    control = await connectControl(opts, log);
  } catch (err) {
    if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
    throw err;
  }
  if (control === null) {
    // SIGTERM (or stop) while still looking for the coordinator: nothing to tear down but /metrics.
    log('worker: stopped before reaching the coordinator');
    if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
    return 0;
  }
  const send = (msg: WorkerMsg) => {
    if (control.readyState === WebSocket.OPEN) control.send(codec.encode(msg));
  };
  let active: Active | null = null;
  let assigning = false;
  /** The run's transport and communicator from the moment they exist (before `active` is set). */
  let links: { transport: WsTransport; comm: NetworkCommunicator | ScheduledCommunicator; abort: AbortController } | null = null;
  let tornDown = false;

  const finished = new Promise<number>((resolve) => {
    // Idempotent: the first cause (stop, SIGTERM, failure, control loss) decides the exit status.
    const teardown = async (status: number) => {
      if (tornDown) return;
      tornDown = true;
      // `links`, not `active`: a stop or SIGTERM while the peer links are still being opened must
      // close them too, or their listener would keep this process alive.
      if (links) {
        links.abort.abort(new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', 'run stopped'));
        links.comm.close();
        await links.transport.stop().catch(() => {});
      }
      if (control.readyState === WebSocket.OPEN || control.readyState === WebSocket.CONNECTING) control.close(1000, 'bye');
      if (metricsServer && opts.metricsLingerMs && !opts.signal?.aborted) await lingerUnlessAborted(opts.metricsLingerMs, opts.signal);
      if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
      resolve(status);
    };
    opts.signal?.addEventListener('abort', () => void teardown(0), { once: true });
    control.on('close', () => {
      if (!tornDown) log('worker: control connection to the coordinator closed');
      void teardown(1);
    });
    control.on('message', (data: Buffer) => {
      let msg: CoordinatorMsg;
      try {
        msg = codec.decodeCoordinator(data);
      } catch (err) {
        log(`worker: bad control message from coordinator: ${(err as Error).message}`);
        return;
      }
      if (msg.t === 'assign') {
        // One run per worker process: a second assign (a confused coordinator) is ignored.
        if (assigning) return log(`worker: ignoring a second assign (run ${msg.runId})`);
        assigning = true;
        onAssign(msg).then((a) => {
          if (tornDown) return;
          active = a;
          send({ t: 'ready', runId: a.runId, nodeId: a.nodeId });
        }).catch((err) => {
          fail(msg.runId, msg.nodeId, err);
          void teardown(1);
        });
      } else if (msg.t === 'start') {
        const a = active;
        if (!a || a.runId !== msg.runId || a.started) return;
        a.started = true;
        runLoop(a, send, metrics).then(
          () => send({ t: 'done', runId: a.runId, nodeId: a.nodeId }),
          (err) => {
            if (!a.abort.signal.aborted) {
              fail(a.runId, a.nodeId, err);
              void teardown(1);
            }
          },
        );
      } else if (msg.t === 'stop') {
        log(`worker: stop (${msg.reason.split('\n')[0]})`);
        void teardown(msg.reason === 'done' ? 0 : 1);
      }
    });
  });

  function fail(runId: string, nodeId: number, err: unknown): void {
    const e = err instanceof ProxmeshError ? err : new ProxmeshError('PROXMESH_ERR_INTERNAL', (err as Error)?.stack ?? String(err));
    log(`worker: node ${nodeId} failed: ${e.code}: ${e.message}`);
    send({ t: 'fail', runId, nodeId, code: e.code, message: e.message });
  }

  async function onAssign(msg: AssignMsg): Promise<Active> {
    const config = loadConfig(msg.config as object);
    const topology = buildRunTopology(config);
    const n = topology.graph.n;
    const problem = buildRunProblem(config, n);
    const algorithm = buildAlgorithm(config);
    const row = peerRow(algorithm, topology, msg.nodeId);
    // A time-varying topology links the union of the neighbours over the schedule (round-row.ts).
    const schedule = buildRunSchedule(config, topology, algorithm);
    const neighbours = schedule === null ? Array.from(row.ids).filter((j) => j !== msg.nodeId) : unionNeighbours(schedule, msg.nodeId);
    const urls = new Map(msg.peers.map((p) => [p.id, p.url]));
    const transport = new WsTransport({
      id: msg.nodeId,
      run: msg.runId,
      token: opts.token,
      neighbours,
      maxFrameBytes: maxFrameBytes(problem.model.dim, Math.max(1, problem.model.layers.length)),
      expectedDim: problem.model.dim,
      host: opts.listenHost,
      port: peerPort,
      peerAddress: (p) => urls.get(p),
      peerTimeoutMs: opts.peerTimeoutMs,
      heartbeatMs: opts.heartbeatMs,
    });
    const abort = new AbortController();
    const comm =
      schedule === null
        ? new NetworkCommunicator({ transport, self: msg.nodeId, peers: row.ids, dim: problem.model.dim, signal: abort.signal })
        : new ScheduledCommunicator({ transport, self: msg.nodeId, rowAt: (k) => scheduleRow(schedule, k, msg.nodeId), sendsAt: (k) => scheduleSends(schedule, k, msg.nodeId), neighbours, dim: problem.model.dim, signal: abort.signal });
    if (tornDown) throw new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', 'run stopped before the peer links opened');
    links = { transport, comm, abort };
    metrics.bind(transport, msg.runId, msg.nodeId);
    const connected = waitConnected(transport, neighbours, opts.peerTimeoutMs ?? 30_000, abort.signal);
    await transport.start();
    log(`worker: node ${msg.nodeId} of run ${msg.runId} waiting for peers ${neighbours.join(', ')}`);
    await connected;
    log(`worker: node ${msg.nodeId} of ${n} ready (${neighbours.length} peers)`);
    const ctx = assembleNode(config, problem, topology, msg.nodeId, comm, algorithm);
    return { runId: msg.runId, nodeId: msg.nodeId, config, transport, comm, ctx, algorithm, problem, abort, started: false };
  }

  send({ t: 'register', peerUrl: `ws://${advertise}:${peerPort}`, ordinal: opts.ordinal, metricsUrl });
  log(`worker: registered (peer port ${peerPort}${metricsUrl ? `, metrics ${metricsUrl}` : ''})`);
  return finished;
}

/** Waits ms, or less if the signal aborts (SIGTERM during the linger ends it at once). */
function lingerUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function runLoop(a: Active, send: (m: WorkerMsg) => void, metrics: WorkerMetrics): Promise<void> {
  const { ctx, algorithm, problem, config, runId, nodeId, comm } = a;
  const K = config.iterations;
  const state = await algorithm.init(ctx, initialPoint(config, problem.model, nodeId));
  let lossSum = 0;
  let lossCount = 0;
  // Σ step seconds since the previous report (compute, encode, wait), for the report's means.
  const split = { compute: 0, encode: 0, wait: 0 };
  const report = (iter: number) => {
    const ts = a.transport.stats();
    const peerBytes: Record<string, number> = {};
    for (const [peer, st] of ts.peers) peerBytes[String(peer)] = st.sent.payloadBytes;
    let rejectedFrames = 0;
    for (const c of Object.values(ts.rejected)) rejectedFrames += c;
    const per = (s: number) => (lossCount > 0 ? s / lossCount : 0);
    send({
      t: 'report', runId, nodeId, iter, x: Float64Array.from(algorithm.model(state)), lossSum, lossCount,
      bytesSent: comm.stats().payloadBytesSent,
      stepSeconds: { compute: per(split.compute), encode: per(split.encode), wait: per(split.wait) },
      rejectedFrames,
      peerBytes,
    });
    lossSum = 0;
    lossCount = 0;
    split.compute = split.encode = split.wait = 0;
  };
  report(0);
  for (let k = 0; k < K; k++) {
    if (a.abort.signal.aborted) throw a.abort.signal.reason;
    const t0 = performance.now();
    const enc0 = comm.times.encodeSeconds;
    const wait0 = comm.times.waitSeconds;
    const stats = await algorithm.step(ctx, state, k);
    const total = (performance.now() - t0) / 1000;
    const encode = comm.times.encodeSeconds - enc0;
    const wait = comm.times.waitSeconds - wait0;
    // compute = gradient, compression, mixing and prox: the step's time outside the codec and the network
    const compute = Math.max(0, total - encode - wait);
    metrics.observeStep(compute, encode, wait);
    split.compute += compute;
    split.encode += encode;
    split.wait += wait;
    metrics.setIteration(k + 1);
    lossSum += stats.loss;
    lossCount += 1;
    const iter = k + 1;
    if (iter % config.evalEvery === 0 || iter === K) report(iter);
  }
}

function waitConnected(t: WsTransport, neighbours: number[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const missing = new Set(neighbours);
  if (missing.size === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    // A stop during the wait ends it at once (a pending timer would keep the process alive).
    const onAbort = () => {
      clearTimeout(timer);
      off();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      off();
      signal.removeEventListener('abort', onAbort);
      reject(new ProxmeshError('PROXMESH_ERR_PEER_TIMEOUT', `node ${t.id} could not reach peers ${[...missing].join(', ')} within ${timeoutMs} ms before round 0`, { node: t.id, round: 0 }));
    }, timeoutMs);
    const off = t.on('peer:connected', ({ peer }) => {
      missing.delete(peer);
      if (missing.size === 0) {
        clearTimeout(timer);
        off();
        signal.removeEventListener('abort', onAbort);
        resolve();
      }
    });
  });
}

/**
 * Connects to the control channel, retrying with backoff until connectTimeoutMs. Resolves null when
 * opts.signal aborts first (SIGTERM while the coordinator is not up yet must not wait for the retries).
 */
async function connectControl(opts: WorkerOptions, log: (l: string) => void): Promise<WebSocket | null> {
  const deadline = Date.now() + (opts.connectTimeoutMs ?? 60_000);
  const signal = opts.signal;
  let delay = 100;
  for (;;) {
    if (signal?.aborted) return null;
    try {
      return await new Promise<WebSocket | null>((resolve, reject) => {
        const ws = new WebSocket(opts.coordinatorUrl, {
          headers: { authorization: `Bearer ${opts.token}` },
          perMessageDeflate: false,
          maxPayload: 256 * 1024 * 1024,
          handshakeTimeout: 5000,
        });
        const onAbort = () => { ws.removeAllListeners(); ws.on('error', () => {}); ws.terminate(); resolve(null); };
        signal?.addEventListener('abort', onAbort, { once: true });
        ws.once('open', () => {
          signal?.removeEventListener('abort', onAbort);
          ws.removeAllListeners('error');
          ws.on('error', () => {});
          resolve(ws);
        });
        ws.once('unexpected-response', (_req, res) => {
          reject(new ProxmeshError(res.statusCode === 401 ? 'PROXMESH_ERR_UNAUTHORIZED' : 'PROXMESH_ERR_WORKER_FAILED',
            `coordinator ${opts.coordinatorUrl} refused the control connection: HTTP ${res.statusCode}${res.statusCode === 401 ? ' (wrong or missing cluster token)' : ''}`));
        });
        ws.once('error', reject);
      });
    } catch (err) {
      if (err instanceof ProxmeshError && err.code === 'PROXMESH_ERR_UNAUTHORIZED') throw err;
      if (Date.now() + delay > deadline) {
        throw new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', `cannot reach the coordinator at ${opts.coordinatorUrl}: ${(err as Error).message}`);
      }
      log(`worker: coordinator not reachable yet (${(err as Error).message}); retrying in ${delay} ms`);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return null; // aborted while waiting to retry
      }
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** A free TCP port on host (bound then released; the peer server binds it right after). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
