/**
 * `proxmesh worker`: one cluster node (DESIGN.md §5).
 *  1. Listens for peer links, serves its own /metrics, connects to the coordinator's control channel
 *     with the cluster token and registers its peer URL (and ordinal, if any).
 *  2. On `assign`: validates the frozen config, builds exactly the node the simulator would build
 *     (node/sim/assemble.ts), opens its peer links (the lower id dials the higher) and reports ready.
 *  3. On `start`: runs the algorithm's steps through the network communicator; at k = 0, every
 *     evalEvery iterations and at k = K it reports (x_i, Σ loss, bytes) to the coordinator.
 *  4. After `stop`, or `rollback` (a healed run), or its node's failure: with stayUp (`proxmesh
 *     worker` given a URL) it ends the run and registers again; otherwise it exits 0 after `stop`
 *     (done) or SIGTERM and 1 when its run fails. A `rollback` always ends only the attempt.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { checkConfigConsistency } from './config/consistency.ts';
import { deepFreeze } from './config/deep-freeze.ts';
import type { FrozenConfig } from './config/schema.ts';
import { maxFrameBytes } from './codec/frame.ts';
import { ProxmeshError } from './errors.ts';
import { CLOSE_UNAUTHORIZED, WorkerAuth } from './protocol/control-auth.ts';
import { createControlCodec, linkRunId, type AssignMsg, type CoordinatorMsg, type WorkerMsg } from './protocol/control-protocol.ts';
import { createWorkerMetrics, serveMetrics, type WorkerMetrics } from './cluster/worker-metrics.ts';
import {
  assembleNode,
  buildAlgorithm,
  buildRunProblem,
  buildRunSchedule,
  buildShardProblem,
  buildRunTopology,
  initialPoint,
  peerRow,
  runNodeCount,
} from './assemble/assemble.ts';
import { NetworkCommunicator } from './transport/network-communicator.ts';
import { WsTransport } from './transport/ws.ts';
import { checkCoordinatorUrl, clientTlsOptions, createTlsRejections, wsScheme, type TlsSettings } from './transport/tls-options.ts';
import { DEFAULT_HELLO_TIMEOUT_MS } from './transport/base-transport.ts';
import { RoundInbox } from './transport/round-inbox.ts';
import type { PeerTransport } from './transport/types.ts';
import { BlockTransport } from './cluster/block-transport.ts';
import { unpackShardData } from './protocol/shard-data.ts';
import { acceptPeerLinks, boundPort, closeHttp, listenHttp, nodePath } from './cluster/peer-listener.ts';
import type { NodeAlgorithm, NodeContext } from './algo/types.ts';
import type { BuiltProblem } from './assemble/assemble.ts';
import { ScheduledCommunicator } from './cluster/scheduled-communicator.ts';
import { ensureConfigPlugins } from './plugins/load.ts';
import { scheduleRow, scheduleSends, unionNeighbours } from '../topologies/schedule.ts';
import { nodeCheckpoints } from './resume/node-checkpoints.ts';
import { LossWindow, driveIterations } from './algo/iteration-driver.ts';

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
  /**
   * How many nodes this process hosts (default 1). With B, the worker of ordinal o hosts nodes
   * o·B … o·B + B − 1; nodes of one process exchange through memory.
   */
  readonly nodesPerWorker?: number;
  /** A peer silent this long fails the run (ms). */
  readonly peerTimeoutMs?: number;
  /** Ping interval for peer links (ms). */
  readonly heartbeatMs?: number;
  /**
   * Deadline for a peer socket to complete its HTTP upgrade and then the authenticated hello (ms,
   * default DEFAULT_HELLO_TIMEOUT_MS): sockets that never authenticate are closed (issue 16).
   */
  readonly helloTimeoutMs?: number;
  /** How long to keep trying to reach the coordinator (ms). */
  readonly connectTimeoutMs?: number;
  /** Keep serving /metrics this long after the run ended, so a last scrape sees the final counts (ms, default 0). */
  readonly metricsLingerMs?: number;
  /** TLS for the peer listener, the peer dials and the control channel (wss://); null/absent: plain. */
  readonly tls?: TlsSettings | null;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
  /**
   * Where this worker writes its nodes' checkpoints (<dir>/checkpoints/node-<id>-r<round>.ckpt) when
   * the run has checkpointEvery > 0, and reads them back on a resume (PROXMESH_CHECKPOINT_DIR; the
   * local cluster gives the run folder). Absent: a checkpointing run fails with PROXMESH_ERR_CONFIG.
   */
  readonly checkpointDir?: string | null;
  /**
   * Stay up between runs (`proxmesh worker` under Docker or Kubernetes): after a run ends, or this
   * worker's node fails, it registers again and waits for the next run; when the control connection
   * closes it dials the coordinator again (until connectTimeoutMs). Default false: the process exits
   * after its run (the local cluster's workers, which it spawns per run).
   */
  readonly stayUp?: boolean;
}

/** One attempt of a run in this process, from its assign to its end. */
interface Session {
  readonly runId: string;
  readonly abort: AbortController;
  /** The attempt's transports and communicators from the moment they exist (before `actives`). */
  readonly links: { transport: PeerTransport; comm: NetworkCommunicator | ScheduledCommunicator }[];
  actives: Active[] | null;
  /** The assign's set-up, then the nodes' loops: endRun waits for them all. */
  assigning: Promise<unknown>;
  readonly loops: Promise<void>[];
  /** Stops routing peer upgrades to this attempt's transports. */
  detachPeers: (() => void) | null;
  ended: boolean;
}

interface Active {
  readonly runId: string;
  readonly nodeId: number;
  readonly config: FrozenConfig;
  readonly transport: PeerTransport;
  /** The network communicator (static W) or the scheduled one (topology.schedule), with the codec, send and wait seconds of its exchanges. */
  readonly comm: NetworkCommunicator | ScheduledCommunicator;
  readonly ctx: NodeContext;
  readonly algorithm: NodeAlgorithm;
  readonly problem: BuiltProblem;
  /** Continue from this round's checkpoint (assign.resumeRound), or 0: a fresh start. */
  readonly resumeRound: number;
  started: boolean;
  /** Set by the node's loop once it checkpoints: the coordinator committed this round. */
  onCommitted?: (round: number) => void;
}

/** Runs the worker until its run ends; resolves with the process exit status. */
export async function runWorker(opts: WorkerOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Since the process started: Node's start-up and this module graph's loading (timings.ndjson).
  const tLoaded = performance.now();
  const metrics = createWorkerMetrics();
  const tls = opts.tls ?? null;
  checkCoordinatorUrl(opts.coordinatorUrl, tls, 'the coordinator URL (--coordinator / PROXMESH_COORDINATOR)');
  // TLS: refused connections (peer port and dials) are counted on this worker's /metrics.
  const peerTls = tls === null ? null : { settings: tls, rejections: createTlsRejections(metrics.registry), log };
  // The peer listener is bound once, here, on the configured port or port 0, and the bound port is
  // what the worker registers: no port is picked, released and bound again later (with many workers
  // another process's outgoing connection can take it in between: EADDRINUSE). The run's transport
  // accepts its peer links on this server (WsTransport `server`).
  const peerServer = await listenHttp(
    opts.listenHost,
    opts.listenPort,
    'peer links',
    opts.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
    peerTls,
  );
  const peerPort = boundPort(peerServer);
  const advertise = opts.advertiseHost ?? opts.listenHost;
  let metricsServer: Server | null = null;
  let metricsUrl: string | null = null;
  const closeServers = async () => {
    await closeHttp(peerServer);
    if (metricsServer) await closeHttp(metricsServer);
  };
  if (opts.metricsPort !== null) {
    try {
      const m = await serveMetrics(metrics, opts.metricsHost, opts.metricsPort);
      metricsServer = m.server;
      metricsUrl = `http://${opts.metricsHost === '0.0.0.0' ? advertise : opts.metricsHost}:${m.port}/metrics`;
    } catch (err) {
      await closeServers();
      throw new ProxmeshError(
        'PROXMESH_ERR_IO',
        `worker cannot serve /metrics on ${opts.metricsHost}:${opts.metricsPort}: ${(err as Error).message}`,
      );
    }
  }
  const codec = createControlCodec();
  let control: WebSocket | null;
  try {
    control = await connectControl(opts, log);
  } catch (err) {
    await closeServers();
    throw err;
  }
  if (control === null) {
    // SIGTERM (or stop) while still looking for the coordinator: nothing to tear down but the listeners.
    log('worker: stopped before reaching the coordinator');
    await closeServers();
    return 0;
  }
  const send = (msg: WorkerMsg) => {
    if (control?.readyState === WebSocket.OPEN) control.send(codec.encode(msg));
  };
  const capacity = opts.nodesPerWorker ?? 1;
  const register = () => {
    send({
      t: 'register',
      peerUrl: `${wsScheme(tls)}://${advertise}:${peerPort}`,
      ordinal: opts.ordinal,
      metricsUrl,
      ...(capacity !== 1 ? { nodes: capacity } : {}),
    });
  };
  const stayUp = opts.stayUp === true;
  /** The run (one attempt of it) this process is part of, from its assign to its end. */
  let session: Session | null = null;
  let exiting = false;
  // Control messages that end or begin a run are handled one after the other: an assign that
  // follows a stop or a rollback waits until the previous attempt's links and loops are gone.
  let chain: Promise<void> = Promise.resolve();
  const serially = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => log(`worker: ${(err as Error)?.message ?? String(err)}`));
  };

  /** Ends the current attempt: aborts its nodes, closes their links, waits for everything of it to settle. */
  async function endRun(): Promise<void> {
    const s = session;
    if (s === null) return;
    s.ended = true;
    // `links`, not `actives`: a stop while the peer links are still being opened must close them too,
    // or their listeners would keep this process alive.
    s.abort.abort(new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', 'run stopped'));
    s.detachPeers?.();
    for (const l of s.links) l.comm.close();
    await Promise.all(s.links.map((l) => l.transport.stop().catch(() => {})));
    await Promise.allSettled([s.assigning, ...s.loops]);
    if (session === s) session = null;
  }

  /** After a run (or an attempt) ended: a worker that stays up registers again for the next one. */
  const endRunAndRegister = () =>
    serially(async () => {
      await endRun();
      if (!exiting) {
        register();
        log('worker: registered again (idle)');
      }
    });

  const finished = new Promise<number>((resolve) => {
    // Idempotent: the first cause (stop, SIGTERM, failure, control loss) decides the exit status.
    const shutdown = async (status: number) => {
      if (exiting) return;
      exiting = true;
      await endRun();
      if (control && (control.readyState === WebSocket.OPEN || control.readyState === WebSocket.CONNECTING)) control.close(1000, 'bye');
      await closeHttp(peerServer);
      if (metricsServer && opts.metricsLingerMs && !opts.signal?.aborted) await lingerUnlessAborted(opts.metricsLingerMs, opts.signal);
      if (metricsServer) await closeHttp(metricsServer);
      resolve(status);
    };
    /** A node failed here: report it; a worker that stays up waits for the coordinator's word, others exit 1. */
    const onNodeFailure = (runId: string, nodeId: number, err: unknown) => {
      fail(runId, nodeId, err);
      if (stayUp) endRunAndRegister();
      else void shutdown(1);
    };
    opts.signal?.addEventListener('abort', () => void shutdown(0), { once: true });

    const attach = (ws: WebSocket) => {
      ws.on('close', () => {
        if (exiting || ws !== control) return;
        log('worker: control connection to the coordinator closed');
        if (!stayUp) return void shutdown(1);
        // A worker that stays up outlives its coordinator: it ends the run and dials again (a
        // restarted coordinator resumes the run from its checkpoint and assigns it again).
        control = null;
        serially(async () => {
          await endRun();
          let next: WebSocket | null;
          try {
            next = await connectControl(opts, log);
          } catch (err) {
            log(`worker: ${(err as Error).message}`);
            return void shutdown(1);
          }
          if (next === null || exiting) {
            next?.close(1000, 'bye');
            return void shutdown(0);
          }
          control = next;
          attach(next);
          register();
          log('worker: registered again (coordinator reconnected)');
        });
      });
      ws.on('message', (data: Buffer) => {
        let msg: CoordinatorMsg;
        try {
          msg = codec.decodeCoordinator(data);
        } catch (err) {
          log(`worker: bad control message from coordinator: ${(err as Error).message}`);
          return;
        }
        onMessage(msg);
      });
    };

    const onMessage = (msg: CoordinatorMsg) => {
      if (msg.t === 'assign') {
        serially(async () => {
          // One attempt at a time: an assign while one is going (a confused coordinator) is ignored.
          if (session !== null || exiting) return log(`worker: ignoring an assign of run ${msg.runId} (a run is going here)`);
          const s: Session = {
            runId: msg.runId,
            abort: new AbortController(),
            links: [],
            actives: null,
            assigning: Promise.resolve(),
            loops: [],
            detachPeers: null,
            ended: false,
          };
          session = s;
          const tAssign = performance.now();
          s.assigning = onAssign(msg, s).then(
            ({ nodes, configSeconds, dataSeconds }) => {
              if (s.ended) return;
              s.actives = nodes;
              const startup = {
                load: tLoaded / 1000,
                config: configSeconds,
                data: dataSeconds,
                connect: (performance.now() - tAssign) / 1000 - configSeconds - dataSeconds,
              };
              for (const a of nodes) send({ t: 'ready', runId: a.runId, nodeId: a.nodeId, startup });
            },
            (err) => {
              if (!s.ended) onNodeFailure(msg.runId, msg.nodeId, err);
            },
          );
        });
      } else if (msg.t === 'start') {
        const s = session;
        const nodes = s?.actives;
        if (!s || !nodes || s.runId !== msg.runId || nodes[0].started) return;
        // The nodes of a block run concurrently in this process; each reports and finishes on its own.
        for (const a of nodes) {
          a.started = true;
          s.loops.push(
            runLoop(a, send, metrics, a === nodes[0], s.abort.signal, opts.checkpointDir ?? null).then(
              () => {
                if (!s.ended) send({ t: 'done', runId: a.runId, nodeId: a.nodeId });
              },
              (err) => {
                if (!s.abort.signal.aborted) onNodeFailure(a.runId, a.nodeId, err);
              },
            ),
          );
        }
      } else if (msg.t === 'checkpointCommitted') {
        for (const a of session?.actives ?? []) if (a.runId === msg.runId) a.onCommitted?.(msg.round);
      } else if (msg.t === 'stop') {
        log(`worker: stop (${msg.reason.split('\n')[0]})`);
        if (stayUp) endRunAndRegister();
        else void shutdown(msg.reason === 'done' ? 0 : 1);
      } else if (msg.t === 'rollback') {
        // Every worker, staying up or not, rolls back in place: the coordinator assigns the run again.
        log(`worker: rollback of run ${msg.runId} (${msg.reason.split('\n')[0]})`);
        endRunAndRegister();
      }
    };
    attach(control!);
  });

  function fail(runId: string, nodeId: number, err: unknown): void {
    const e = err instanceof ProxmeshError ? err : new ProxmeshError('PROXMESH_ERR_INTERNAL', (err as Error)?.stack ?? String(err));
    log(`worker: node ${nodeId} failed: ${e.code}: ${e.message}`);
    const round = e.detail?.round;
    send({
      t: 'fail',
      runId,
      nodeId,
      code: e.code,
      message: e.message,
      round: typeof round === 'number' && Number.isSafeInteger(round) ? round : null,
    });
  }

  /**
   * Builds this process's nodes (one, or a block with --nodes-per-worker): the config, topology and
   * data are built once for the process, then each node exactly as the simulator builds it. Nodes of
   * the block exchange through memory; each node with neighbours in other processes gets a
   * WebSocket transport, reached at <process peer URL>/node/<id> on the one peer listener.
   */
  async function onAssign(msg: AssignMsg, s: Session): Promise<{ nodes: Active[]; configSeconds: number; dataSeconds: number }> {
    const t0 = performance.now();
    const config = assignedConfig(msg.config);
    const configSeconds = (performance.now() - t0) / 1000;
    // The rows of this block's shards come with the assign (node/cluster/shard-data.ts): no dataset
    // is read here. Without them (an older coordinator), the problem is built from the files, its
    // bounds checked before W is solved (runNodeCount: n without the spectrum).
    const problem =
      msg.data !== undefined
        ? buildShardProblem(config, unpackShardData(msg.data), runNodeCount(config))
        : buildRunProblem(config, runNodeCount(config));
    const topology = buildRunTopology(config);
    const n = topology.graph.n;
    if (problem.shards.length !== n)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${problem.shards.length} shards for a ${n}-node graph`);
    const algorithm = buildAlgorithm(config);
    const dataSeconds = (performance.now() - t0) / 1000 - configSeconds;
    // A time-varying topology: each node links the union of its neighbours over the schedule
    // (node/algo/round-row.ts) and exchanges per round through a ScheduledCommunicator.
    const schedule = buildRunSchedule(config, topology, algorithm);
    const block = msg.nodeIds ?? [msg.nodeId];
    const local = new Set(block);
    const urls = new Map(msg.peers.map((p) => [p.id, p.url]));
    const inboxes = new Map(block.map((id) => [id, new RoundInbox()]));
    const remotes = new Map<number, WsTransport>();
    const built: { id: number; remote: number[]; transport: PeerTransport; comm: NetworkCommunicator | ScheduledCommunicator }[] = [];
    for (const id of block) {
      const row = peerRow(algorithm, topology, id);
      const neighbours = schedule === null ? Array.from(row.ids).filter((j) => j !== id) : unionNeighbours(schedule, id);
      const remote = neighbours.filter((j) => !local.has(j));
      const ws =
        remote.length === 0
          ? null
          : new WsTransport({
              id,
              run: linkRunId(msg.runId, msg.attempt),
              token: opts.token,
              neighbours: remote,
              maxFrameBytes: maxFrameBytes(problem.model.dim, Math.max(1, problem.model.layers.length)),
              expectedDim: problem.model.dim,
              external: { port: peerPort },
              peerAddress: (p) => (urls.has(p) ? `${urls.get(p)}${nodePath(p)}` : undefined),
              peerTimeoutMs: opts.peerTimeoutMs,
              heartbeatMs: opts.heartbeatMs,
              tls: peerTls,
              ...(opts.helloTimeoutMs !== undefined ? { helloTimeoutMs: opts.helloTimeoutMs } : {}),
            });
      if (ws) remotes.set(id, ws);
      // A one-node process keeps the plain WebSocket transport (its metrics and events as before).
      const transport: PeerTransport =
        block.length === 1 && ws ? ws : new BlockTransport({ id, remote: ws, localInbox: (p) => inboxes.get(p) });
      const comm =
        schedule === null
          ? new NetworkCommunicator({
              transport,
              self: id,
              peers: row.ids,
              dim: problem.model.dim,
              inbox: inboxes.get(id),
              signal: s.abort.signal,
            })
          : new ScheduledCommunicator({
              transport,
              self: id,
              neighbours,
              dim: problem.model.dim,
              inbox: inboxes.get(id),
              signal: s.abort.signal,
              rowAt: (k) => scheduleRow(schedule, k, id),
              sendsAt: (k) => scheduleSends(schedule, k, id),
            });
      built.push({ id, remote, transport, comm });
    }
    if (s.ended) throw new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', 'run stopped before the peer links opened');
    for (const b of built) s.links.push({ transport: b.transport, comm: b.comm });
    metrics.bind(built[0].transport, msg.runId, block[0]);
    s.detachPeers = acceptPeerLinks(peerServer, remotes, maxFrameBytes(problem.model.dim, Math.max(1, problem.model.layers.length)));
    const connected = built.map((b) => {
      const ws = remotes.get(b.id);
      return ws ? waitConnected(ws, b.remote, opts.peerTimeoutMs ?? 30_000, s.abort.signal) : Promise.resolve();
    });
    await Promise.all(built.map((b) => b.transport.start()));
    log(
      `worker: node${block.length > 1 ? `s ${block[0]}–${block[block.length - 1]}` : ` ${block[0]}`} of run ${msg.runId} waiting for peers ${[...new Set(built.flatMap((b) => b.remote))].join(', ')}`,
    );
    await Promise.all(connected);
    log(`worker: node${block.length > 1 ? `s ${block[0]}–${block[block.length - 1]}` : ` ${block[0]}`} of ${n} ready`);
    const nodes = built.map((b) => ({
      runId: msg.runId,
      nodeId: b.id,
      config,
      transport: b.transport,
      comm: b.comm,
      ctx: assembleNode(config, problem, topology, b.id, b.comm, algorithm),
      algorithm,
      problem,
      resumeRound: msg.resumeRound ?? 0,
      started: false,
    }));
    return { nodes, configSeconds, dataSeconds };
  }

  register();
  log(`worker: registered (peer port ${peerPort}${metricsUrl ? `, metrics ${metricsUrl}` : ''})`);
  return finished;
}

/** Waits ms, or less if the signal aborts (SIGTERM during the linger ends it at once). */
function lingerUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** One node's iterations. `observed`: this node feeds the process's /metrics step series (the block's first node). */
async function runLoop(
  a: Active,
  send: (m: WorkerMsg) => void,
  metrics: WorkerMetrics,
  observed: boolean,
  signal: AbortSignal,
  checkpointDir: string | null,
): Promise<void> {
  const { ctx, algorithm, problem, config, runId, nodeId, comm } = a;
  // init runs on a resume too (it may exchange at round −1 with the peers, who also start again);
  // the checkpoint then overwrites everything it set.
  const state = await algorithm.init(ctx, initialPoint(config, problem.model, nodeId));
  const losses = new LossWindow(1);
  const ckpt = nodeCheckpoints({
    config,
    nodeId,
    dir: checkpointDir,
    resumeRound: a.resumeRound,
    parts: {
      id: nodeId,
      ctx,
      state: state as object,
      comm,
      loop: {
        getLossSum: () => losses.sums[0],
        setLossSum: (v: number) => (losses.sums[0] = v),
        getLossCount: () => losses.count,
        setLossCount: (v: number) => (losses.count = v),
      },
    },
    onDurable: (round) => send({ t: 'checkpointed', runId, nodeId, round }),
  });
  if (ckpt !== null) a.onCommitted = (round) => ckpt.committed(round);
  // Σ step seconds since the previous report (compute, encode, wait), for the report's means.
  const split = { compute: 0, encode: 0, send: 0, wait: 0 };
  const report = (iter: number) => {
    const ts = a.transport.stats();
    const peerBytes: Record<string, number> = {};
    for (const [peer, st] of ts.peers) peerBytes[String(peer)] = st.sent.payloadBytes;
    let rejectedFrames = 0;
    for (const c of Object.values(ts.rejected)) rejectedFrames += c;
    const per = (s: number) => (losses.count > 0 ? s / losses.count : 0);
    send({
      t: 'report',
      runId,
      nodeId,
      iter,
      x: Float64Array.from(algorithm.model(state)),
      lossSum: losses.sums[0],
      lossCount: losses.count,
      bytesSent: comm.stats().payloadBytesSent,
      stepSeconds: { compute: per(split.compute), encode: per(split.encode), send: per(split.send), wait: per(split.wait) },
      rejectedFrames,
      peerBytes,
    });
    losses.reset();
    split.compute = split.encode = split.send = split.wait = 0;
  };
  // A resumed node restores its state at round R; the coordinator already has the rows up to R.
  const start = ckpt?.restore() ?? 0;
  await driveIterations(config, start, {
    step: async (k) => {
      if (signal.aborted) throw signal.reason;
      const t0 = performance.now();
      const enc0 = comm.times.encodeSeconds;
      const send0 = comm.times.sendSeconds;
      const wait0 = comm.times.waitSeconds;
      const stats = await algorithm.step(ctx, state, k);
      const total = (performance.now() - t0) / 1000;
      const encode = comm.times.encodeSeconds - enc0;
      const send = comm.times.sendSeconds - send0;
      const wait = comm.times.waitSeconds - wait0;
      // compute = gradient, compression, mixing and prox: the step's time outside the codec and the network
      const compute = Math.max(0, total - encode - send - wait);
      if (observed) metrics.observeStep(compute, encode, send + wait);
      split.compute += compute;
      split.encode += encode;
      split.send += send;
      split.wait += wait;
      if (observed) metrics.setIteration(k + 1);
      losses.add(0, stats.loss);
      losses.stepDone();
    },
    evaluate: report,
    // After the report of `iter`, as the simulator does (the coordinator's rows up to iter are then complete).
    ...(ckpt !== null ? { checkpoint: (iter: number) => ckpt.write(iter) } : {}),
  });
  await ckpt?.flush();
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
      reject(
        new ProxmeshError(
          'PROXMESH_ERR_PEER_TIMEOUT',
          `node ${t.id} could not reach peers ${[...missing].join(', ')} within ${timeoutMs} ms before round 0`,
          { node: t.id, round: 0 },
        ),
      );
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
        // No token in the upgrade: the first messages prove it both ways (node/cluster/control-auth.ts).
        const ws = new WebSocket(opts.coordinatorUrl, {
          perMessageDeflate: false,
          maxPayload: 256 * 1024 * 1024,
          handshakeTimeout: 5000,
          ...(opts.tls ? clientTlsOptions(opts.tls) : {}),
        });
        const auth = new WorkerAuth(opts.token, `worker-${opts.ordinal ?? 'any'}-${randomBytes(6).toString('hex')}`);
        const settle = (fn: () => void) => {
          signal?.removeEventListener('abort', onAbort);
          ws.removeAllListeners();
          ws.on('error', () => {});
          fn();
        };
        const onAbort = () =>
          settle(() => {
            ws.terminate();
            resolve(null);
          });
        signal?.addEventListener('abort', onAbort, { once: true });
        ws.once('open', () => ws.send(auth.hello()));
        ws.once('message', (data: Buffer) => {
          try {
            const answer = auth.answer(data);
            settle(() => {
              ws.send(answer);
              resolve(ws);
            });
          } catch (err) {
            settle(() => {
              ws.terminate();
              reject(err);
            });
          }
        });
        ws.once('close', (code: number, reason: Buffer) => {
          const unauthorized = code === CLOSE_UNAUTHORIZED;
          reject(
            new ProxmeshError(
              unauthorized ? 'PROXMESH_ERR_UNAUTHORIZED' : 'PROXMESH_ERR_WORKER_FAILED',
              `coordinator ${opts.coordinatorUrl} closed the control connection during the token proof (${code}${reason.length ? `: ${reason.toString()}` : ''})` +
                (unauthorized ? ' (wrong cluster token)' : ''),
            ),
          );
        });
        ws.once('unexpected-response', (_req, res) => {
          // 403: mutual TLS refused this worker's certificate (coordinator/app.ts); retrying cannot help.
          const refused = res.statusCode === 401 || res.statusCode === 403;
          reject(
            new ProxmeshError(
              refused ? 'PROXMESH_ERR_UNAUTHORIZED' : 'PROXMESH_ERR_WORKER_FAILED',
              `coordinator ${opts.coordinatorUrl} refused the control connection: HTTP ${res.statusCode}` +
                (res.statusCode === 403
                  ? ' (its mutual TLS needs a client certificate from the cluster CA: check PROXMESH_TLS_CERT / _KEY)'
                  : ''),
            ),
          );
        });
        ws.once('error', reject);
      });
    } catch (err) {
      if (err instanceof ProxmeshError && err.code === 'PROXMESH_ERR_UNAUTHORIZED') throw err;
      if (Date.now() + delay > deadline) {
        throw new ProxmeshError(
          'PROXMESH_ERR_WORKER_FAILED',
          `cannot reach the coordinator at ${opts.coordinatorUrl}: ${(err as Error).message}`,
        );
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

/**
 * The run config of an assign. The coordinator sends the config it validated against the schema and
 * resolved (every default filled in), over the authenticated control channel, so the worker re-checks
 * only the cheap cross-field rules and freezes it: compiling the schema validator again would cost
 * each worker process about 0.6 s of CPU at start-up (issue 11's start-up budget), for no change in
 * the config.
 */
function assignedConfig(raw: unknown): FrozenConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', "control message 'assign': field 'config' must be a map");
  const config = structuredClone(raw) as FrozenConfig;
  // The run's plug-ins, checked against the coordinator's (same SHA-256 and names) before anything is built.
  ensureConfigPlugins(config, { dirOverride: process.env.PROXMESH_PLUGIN_DIR || null });
  checkConfigConsistency(config as never);
  return deepFreeze(config) as FrozenConfig;
}
