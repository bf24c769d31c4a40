/**
 * The coordinator's run state machine (DESIGN.md §5):
 *   waiting (for n registered workers) → assigned (config + peers sent) → running (start sent)
 *   → done | failed.
 * With self-healing on (RunManagerOptions.heal, the standalone coordinator) and checkpointEvery > 0,
 * a worker lost during assigned/running sends the run to `healing` instead of failing it: every
 * surviving worker is told to roll back (RollbackMsg), the run goes back to its newest committed
 * checkpoint (node/resume/coordinator-resume.ts; the metrics files are rewritten to its bytes), and
 * waits again for n registered workers (the lost one restarted by Docker or Kubernetes); then it is
 * assigned again with resumeRound and attempt + 1 (docs/resume.md "Self-healing").
 * Workers register on the control channel; node ids come from their ordinals where every worker has
 * one (a Kubernetes StatefulSet or the local cluster), otherwise from registration order. Every
 * `evalEvery` iterations all n reports are aggregated with the simulator's own function, so the
 * cluster's metrics.ndjson equals `proxmesh sim`'s byte for byte.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { ProxmeshError, isErrorCode } from '../node/errors.ts';
import type { CoordinatorMsg, RegisterMsg, ReportMsg, StartupSplit, WorkerMsg } from '../node/protocol/control-protocol.ts';
import { MAX_SHIPPED_DATA_BYTES, packShardData, shardDataBytes } from '../node/protocol/shard-data.ts';
import { aggregateReports, type AggregateContext } from '../node/eval/aggregate-reports.ts';
import type { MetricsRow, NodeReport } from '../node/results/metrics-row.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import type { FrozenConfig } from '../node/config/schema.ts';
import { clockRegistry, createCoordinatorCheckpoints, type CoordinatorCheckpoints } from './run-checkpoints.ts';
import type { Stateful } from '../node/checkpoint/state-registry.ts';
import type { ResumeSpec, RunContextFactory, RunFailure, RunStore, RunSpec } from './run-types.ts';
import { newestCoordinatorCheckpoint } from '../node/resume/coordinator-resume.ts';

function isTerminal(state: RunState): boolean {
  return state === 'done' || state === 'failed';
}

/** Σ over the nodes that reported it of their mean seconds per iteration, by phase of the step. */
interface StepSplitSum {
  compute: number;
  encode: number;
  send: number;
  wait: number;
  nodes: number;
}

export type RunState = 'waiting' | 'assigned' | 'running' | 'healing' | 'done' | 'failed';

/** One control-channel connection (a worker). */
export interface WorkerConn {
  readonly connId: string;
  send(msg: CoordinatorMsg): void;
  close(code: number, reason: string): void;
  registration: RegisterMsg | null;
}

interface Run {
  readonly id: string;
  readonly spec: RunSpec;
  readonly n: number;
  readonly iterations: number;
  state: RunState;
  nodes: WorkerConn[];
  ready: Set<number>;
  doneNodes: Set<number>;
  pending: Map<number, NodeReport[]>;
  /** Σ over nodes of the reported mean step split (seconds per iteration), by report iteration (timings.ndjson). */
  pendingSplit: Map<number, StepSplitSum>;
  /** Each ready worker's start-up split, and when the run was assigned (timings.ndjson). */
  startups: StartupSplit[];
  tAssigned: number;
  lastIter: number[];
  /** cumulative bytes per node at the previous evaluation (for the Prometheus counter's increments) */
  lastBytes: number[];
  rows: MetricsRow[];
  failure: RunFailure | null;
  ctx: AggregateContext | null;
  store: RunStore;
  createdAt: string;
  finishedAt: string | null;
  /** performance.now() at creation, at start and at the previous evaluation (timings.ndjson) */
  t0: number;
  tStart: number;
  tLastRow: number;
  /** The round the nodes resume from (spec.resume), 0 for a fresh start. */
  resumeRound: number;
  /** The coordinator's checkpoints (config checkpointEvery > 0), else null. */
  checkpoints: CoordinatorCheckpoints | null;
  /** 0 for the first attempt; k after k heals (AssignMsg attempt: the peer links' run binding). */
  attempt: number;
  /** Bounds the wait for every node's worker after a heal (cleared once assigned). */
  healTimer: NodeJS.Timeout | null;
}

export interface RunView {
  readonly id: string;
  readonly state: RunState;
  readonly nodes: number;
  readonly iterations: number;
  readonly lastIteration: number | null;
  readonly rows: number;
  readonly last: MetricsRow | null;
  readonly failure: RunFailure | null;
  readonly dir: string;
  /** The assigned workers (empty while waiting): where their peer links and /metrics are. */
  readonly workers: readonly { readonly node: number; readonly peerUrl: string; readonly metricsUrl: string | null }[];
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface RunManagerOptions {
  readonly metrics: CoordinatorMetrics;
  /** Builds the evaluation context (loads data, partitions, prox) and the results store of a run. */
  readonly contexts: RunContextFactory;
  readonly log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  /** Awaited once all n workers are ready, before `start` is sent (a probe, a test); a rejection fails the run. */
  readonly beforeStart?: (view: RunView) => Promise<void>;
  /**
   * Heal a checkpointing run when a worker is lost (the standalone coordinator; the local cluster
   * restarts its processes itself): at most `maxHeals` times per run, each waiting at most
   * `timeoutMs` for every node's worker to register again. Absent: a lost worker fails the run.
   */
  readonly heal?: HealOptions;
}

export interface HealOptions {
  readonly maxHeals: number;
  readonly timeoutMs: number;
}

export const DEFAULT_HEAL: HealOptions = { maxHeals: 3, timeoutMs: 300_000 };

export class RunManager extends EventEmitter {
  private readonly workers = new Map<string, WorkerConn>();
  private readonly runs = new Map<string, Run>();
  private active: Run | null = null;
  /**
   * Connections told to roll back (a heal) that have not registered again: their messages belong to
   * the attempt that was rolled back and are dropped (on the ordered control channel, everything of
   * that attempt comes before the worker's new registration).
   */
  private readonly draining = new Set<WorkerConn>();
  /** A createRun is between its checks and its run record (it awaits the data): no second one. */
  private creating = false;

  constructor(private readonly opts: RunManagerOptions) {
    super();
  }

  /** Creates the run; it starts as soon as n workers are registered. One active run at a time. */
  async createRun(spec: RunSpec, runId?: string): Promise<RunView> {
    if (this.active && !isTerminal(this.active.state)) {
      throw new ProxmeshError('PROXMESH_ERR_CONFLICT', `run ${this.active.id} is still ${this.active.state}; wait for it to finish`, {
        run: this.active.id,
      });
    }
    if (this.creating) throw new ProxmeshError('PROXMESH_ERR_CONFLICT', 'another run is being created; wait for it to finish');
    const id = runId ?? `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    if (this.runs.has(id)) throw new ProxmeshError('PROXMESH_ERR_CONFLICT', `run id '${id}' already exists`, { run: id });
    this.creating = true;
    let run: Run;
    try {
      run = await this.buildRun(spec, id, 0, new Date().toISOString());
    } finally {
      this.creating = false;
    }
    this.runs.set(id, run);
    this.active = run;
    this.setState(run, 'waiting');
    this.tryAssign();
    return this.view(run);
  }

  /** The run record of attempt `attempt` of run `id`: its context and folder (resumed when spec.resume), its checkpoints. */
  private async buildRun(spec: RunSpec, id: string, attempt: number, createdAt: string): Promise<Run> {
    const built = await this.opts.contexts(spec, id);
    const { ctx, store, n, iterations, spectralGap } = built;
    const run: Run = {
      id,
      spec,
      n,
      iterations,
      state: 'waiting',
      nodes: [],
      ready: new Set(),
      doneNodes: new Set(),
      pending: new Map(),
      pendingSplit: new Map(),
      startups: [],
      tAssigned: 0,
      lastIter: new Array(n).fill(-1),
      lastBytes: new Array(n).fill(0),
      rows: [],
      failure: null,
      ctx,
      store,
      createdAt,
      finishedAt: null,
      t0: performance.now(),
      tStart: 0,
      tLastRow: 0,
      resumeRound: spec.resume?.round ?? 0,
      checkpoints: null,
      attempt,
      healTimer: null,
    };
    if (spec.resume !== undefined) run.rows.push(...spec.resume.rows);
    // A resumed run's simulated clock goes back to its state at the checkpoint (coord.clock.*).
    const clock = clockRegistry(ctx.clock as Partial<Stateful> | undefined, spec.resume?.clock);
    run.checkpoints = createCoordinatorCheckpoints(spec.config as FrozenConfig, store.dir, n, clock, run.resumeRound, (w) => {
      store.appendTiming?.({
        phase: 'checkpoint',
        iter: w.round,
        bytes: w.bytes,
        seconds: w.blockingMs / 1000,
        durableSeconds: w.durableMs / 1000,
      });
      this.emit('checkpoint', id, w.round);
      // Round w.round is resumable: the workers may drop their nodes' files older than the previous one.
      for (const c of new Set(run.nodes)) {
        try {
          c.send({ t: 'checkpointCommitted', runId: id, round: w.round });
        } catch {
          /* socket gone */
        }
      }
    });
    this.opts.metrics.spectralGap.set({ run: id }, spectralGap);
    return run;
  }

  get(id: string): RunView {
    return this.view(this.require(id));
  }

  list(): RunView[] {
    return [...this.runs.values()].map((r) => this.view(r));
  }

  store(id: string): RunStore {
    return this.require(id).store;
  }

  activeRun(): RunView | null {
    return this.active ? this.view(this.active) : null;
  }

  /** Resolves when the run is done, rejects with its failure; bounded by the signal. */
  waitForEnd(id: string, signal?: AbortSignal): Promise<RunView> {
    this.require(id);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const check = () => {
        // Looked up each time: a heal replaces the run's record (same id, next attempt).
        const run = this.require(id);
        if (run.state === 'done') {
          cleanup();
          resolve(this.view(run));
        } else if (run.state === 'failed') {
          cleanup();
          reject(
            new ProxmeshError(isErrorCode(run.failure!.code) ? run.failure!.code : 'PROXMESH_ERR_WORKER_FAILED', run.failure!.message, {
              ...run.failure,
            }),
          );
        }
      };
      const onAbort = () => {
        cleanup();
        reject(signal!.reason);
      };
      const cleanup = () => {
        this.off('state', check);
        signal?.removeEventListener('abort', onAbort);
      };
      this.on('state', check);
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  // ---- control channel ----

  connect(conn: WorkerConn): void {
    this.workers.set(conn.connId, conn);
    this.opts.metrics.workersConnected.set(this.workers.size);
  }

  disconnect(conn: WorkerConn): void {
    this.workers.delete(conn.connId);
    this.draining.delete(conn);
    this.opts.metrics.workersConnected.set(this.workers.size);
    const run = this.active;
    if (!run) return;
    const node = run.nodes.indexOf(conn);
    if (node >= 0 && (run.state === 'assigned' || run.state === 'running') && !run.doneNodes.has(node)) {
      const failure: RunFailure = {
        code: 'PROXMESH_ERR_WORKER_FAILED',
        message: `node ${node} disconnected from the coordinator at round ${run.lastIter[node] + 1} (last report at iteration ${run.lastIter[node]})`,
        node,
        round: run.lastIter[node] + 1,
      };
      if (this.canHeal(run)) void this.heal(run, failure);
      else this.fail(run, failure);
    }
  }

  handle(conn: WorkerConn, msg: WorkerMsg): void {
    if (msg.t !== 'register' && this.draining.has(conn)) return; // of an attempt rolled back (heal)
    switch (msg.t) {
      case 'register':
        this.draining.delete(conn);
        conn.registration = msg;
        this.tryAssign();
        return;
      case 'ready': {
        const run = this.runFor(msg.runId, conn, msg.nodeId);
        if (!run) return;
        if (!run.ready.has(msg.nodeId) && msg.startup) run.startups.push(msg.startup);
        run.ready.add(msg.nodeId);
        if (run.ready.size === run.n && run.state === 'assigned') void this.start(run);
        return;
      }
      case 'report':
        this.onReport(conn, msg);
        return;
      case 'done': {
        const run = this.runFor(msg.runId, conn, msg.nodeId);
        if (!run) return;
        run.doneNodes.add(msg.nodeId);
        this.maybeFinish(run);
        return;
      }
      case 'checkpointed': {
        const run = this.runFor(msg.runId, conn, msg.nodeId);
        if (!run) return;
        run.checkpoints?.nodeDurable(msg.nodeId, msg.round, run.rows).catch((err: unknown) => {
          const e = err instanceof ProxmeshError ? err : new ProxmeshError('PROXMESH_ERR_IO', String(err));
          this.fail(run, {
            code: e.code,
            message: `coordinator checkpoint of round ${msg.round}: ${e.message}`,
            node: null,
            round: msg.round,
          });
        });
        return;
      }
      case 'fail': {
        const run = this.runFor(msg.runId, conn, msg.nodeId);
        if (!run) return;
        this.fail(run, { code: msg.code, message: msg.message, node: msg.nodeId, round: msg.round });
        return;
      }
    }
  }

  /** Fails a run from outside (a local-cluster worker process died, a deadline passed). */
  abort(id: string, failure: RunFailure): void {
    this.fail(this.require(id), failure);
  }

  /** Waits for the run's coordinator checkpoint in flight (before a restarted cluster reads the folder). */
  async flushCheckpoints(id: string): Promise<void> {
    await this.require(id).checkpoints?.flush();
  }

  /** Stops everything (SIGTERM): fails the active run if it is still going. */
  shutdown(reason: string): void {
    const run = this.active;
    if (run && !isTerminal(run.state)) {
      this.fail(run, { code: 'PROXMESH_ERR_WORKER_FAILED', message: `coordinator shut down: ${reason}`, node: null, round: null });
    }
  }

  // ---- internals ----

  private canHeal(run: Run): boolean {
    const heal = this.opts.heal;
    return heal !== undefined && ((run.spec.config as FrozenConfig).checkpointEvery ?? 0) > 0 && run.attempt < heal.maxHeals;
  }

  /**
   * A worker of the run was lost: roll every surviving worker back, return the run to its newest
   * committed checkpoint (or to k = 0 when none is committed yet), and wait for n workers again.
   */
  private async heal(run: Run, lost: RunFailure): Promise<void> {
    const heal = this.opts.heal!;
    this.setState(run, 'healing');
    this.opts.log?.warn({ run: run.id, attempt: run.attempt + 1, ...lost }, 'worker lost: healing the run');
    for (const c of new Set(run.nodes)) {
      if (!this.workers.has(c.connId)) continue;
      this.draining.add(c);
      c.registration = null;
      try {
        c.send({ t: 'rollback', runId: run.id, reason: lost.message });
      } catch {
        /* socket gone: its disconnect is handled on its own */
      }
    }
    try {
      // The coordinator checkpoint in flight completes first: it may be the round to go back to.
      await run.checkpoints?.flush().catch(() => {});
      const config = run.spec.config as FrozenConfig;
      const { point, refused } = newestCoordinatorCheckpoint(run.store.dir, config);
      for (const e of refused) this.opts.log?.warn({ run: run.id, code: e.code }, `refused checkpoint: ${e.message}`);
      const resume: ResumeSpec | undefined =
        point === null ? undefined : { round: point.round, rows: point.rows, files: point.files, clock: point.clock };
      const next = await this.buildRun({ config, ...(resume !== undefined ? { resume } : {}) }, run.id, run.attempt + 1, run.createdAt);
      next.store.appendTiming?.({
        phase: 'heal',
        attempt: next.attempt,
        iter: next.resumeRound,
        reason: lost.message,
        refused: refused.map((e) => e.code),
      });
      if (this.active !== run || run.state !== 'healing') return; // failed or shut down meanwhile
      // The record is replaced (same id): the old one's state gauge goes to 0.
      this.opts.metrics.runState.set({ run: run.id, state: 'healing' }, 0);
      this.runs.set(run.id, next);
      this.active = next;
      next.healTimer = setTimeout(() => {
        if (next.state !== 'waiting') return;
        const missing = this.unassignedNodes(next);
        this.fail(next, {
          ...lost,
          message: `${lost.message}; not healed: no worker registered for node${missing.length > 1 ? 's' : ''} ${missing.join(', ')} within ${heal.timeoutMs} ms`,
        });
      }, heal.timeoutMs);
      next.healTimer.unref();
      // warn: an operator wants to see every heal, and where the run went back to.
      this.opts.log?.warn(
        { run: run.id, attempt: next.attempt, round: next.resumeRound },
        `run rolled back to round ${next.resumeRound} (attempt ${next.attempt}): waiting for its workers`,
      );
      this.setState(next, 'waiting');
      this.tryAssign();
    } catch (err) {
      const e = err instanceof Error ? err.message : String(err);
      this.fail(run, { ...lost, message: `${lost.message}; healing failed: ${e}` });
    }
  }

  /** Node ids no registered worker would host now (a run waiting after a heal). */
  private unassignedNodes(run: Run): number[] {
    const registered = [...this.workers.values()].filter((w) => w.registration !== null);
    const covered = new Set<number>();
    for (const w of registered) {
      const b = w.registration!.nodes ?? 1;
      if (w.registration!.ordinal !== null) for (let i = 0; i < b; i++) covered.add(w.registration!.ordinal * b + i);
    }
    return Array.from({ length: run.n }, (_, i) => i).filter((i) => !covered.has(i));
  }

  private async start(run: Run): Promise<void> {
    if (this.opts.beforeStart) {
      try {
        await this.opts.beforeStart(this.view(run));
      } catch (err) {
        this.fail(run, {
          code: 'PROXMESH_ERR_WORKER_FAILED',
          message: `run start hook failed: ${(err as Error)?.message ?? String(err)}`,
          node: null,
          round: null,
        });
        return;
      }
      if (run.state !== 'assigned') return; // failed meanwhile (a worker died)
    }
    this.setState(run, 'running');
    run.tStart = run.tLastRow = performance.now();
    run.store.appendTiming?.({ phase: 'startup', seconds: (run.tStart - run.t0) / 1000 });
    if (run.startups.length > 0) {
      // Where start-up went: until every worker registered (process spawn and load, seen from here),
      // and per worker (mean and max over nodes): Node + module loading, the run's data, the peer links.
      const stat = (k: keyof StartupSplit) => {
        const xs = run.startups.map((s) => s[k]);
        return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
      };
      run.store.appendTiming?.({
        phase: 'startup-split',
        registered: (run.tAssigned - run.t0) / 1000,
        load: stat('load'),
        config: stat('config'),
        data: stat('data'),
        connect: stat('connect'),
        ready: (run.tStart - run.tAssigned) / 1000,
      });
    }
    for (const c of run.nodes) c.send({ t: 'start', runId: run.id });
  }

  /**
   * Assigns the run once enough workers are registered. A worker hosts a block of B consecutive
   * node ids (its registered `nodes`, default 1): with ordinals (a StatefulSet, the local cluster),
   * the worker of ordinal o hosts o·B … o·B + B − 1, and every ordinal up to ⌈n/B⌉ − 1 must be
   * present; without, blocks follow registration order.
   */
  private tryAssign(): void {
    const run = this.active;
    if (run?.state !== 'waiting') return;
    const registered = [...this.workers.values()].filter((w) => w.registration !== null);
    const withOrdinal = registered.filter((w) => w.registration!.ordinal !== null);
    const nodes: WorkerConn[] = new Array(run.n);
    const blocks: { conn: WorkerConn; ids: number[] }[] = [];
    const take = (w: WorkerConn, first: number) => {
      const ids: number[] = [];
      for (let id = first; id < Math.min(run.n, first + (w.registration!.nodes ?? 1)); id++) {
        if (nodes[id]) return;
        ids.push(id);
      }
      for (const id of ids) nodes[id] = w;
      if (ids.length) blocks.push({ conn: w, ids });
    };
    const byOrdinal = withOrdinal.length > 0 && withOrdinal.length === registered.length;
    if (byOrdinal) {
      for (const w of withOrdinal) take(w, w.registration!.ordinal! * (w.registration!.nodes ?? 1));
    } else {
      let next = 0;
      for (const w of registered) {
        if (next >= run.n) break;
        take(w, next);
        next += w.registration!.nodes ?? 1;
      }
    }
    for (let id = 0; id < run.n; id++) if (!nodes[id]) return; // wait until every node has a worker
    run.nodes = nodes;
    const peers = nodes.map((w, id) => ({ id, url: w.registration!.peerUrl }));
    for (const b of blocks) {
      // Each worker gets the rows of its own shards: the dataset is parsed once per run, here.
      const packed = run.ctx ? packShardData(run.ctx.train, run.ctx.shards, b.ids) : undefined;
      const data = packed && shardDataBytes(packed) <= MAX_SHIPPED_DATA_BYTES ? packed : undefined;
      b.conn.send({
        t: 'assign',
        runId: run.id,
        nodeId: b.ids[0],
        config: run.spec.config,
        peers,
        ...(b.ids.length > 1 ? { nodeIds: b.ids } : {}),
        ...(data ? { data } : {}),
        ...(run.resumeRound > 0 ? { resumeRound: run.resumeRound } : {}),
        ...(run.attempt > 0 ? { attempt: run.attempt } : {}),
      });
    }
    if (run.healTimer !== null) clearTimeout(run.healTimer);
    run.healTimer = null;
    run.tAssigned = performance.now();
    this.setState(run, 'assigned');
  }

  private runFor(runId: string, conn: WorkerConn, nodeId: number): Run | null {
    const run = this.runs.get(runId);
    if (!run || run !== this.active || run.nodes[nodeId] !== conn) {
      // A protocol violation (this connection is not that node of the active run): the control
      // plugin counts it and closes the connection with this message.
      throw new ProxmeshError(
        'PROXMESH_ERR_CONFLICT',
        `control message for run '${runId}' node ${nodeId}, but this connection is not that node of the active run`,
        { run: runId, node: nodeId },
      );
    }
    return run.state === 'failed' || run.state === 'done' ? null : run;
  }

  private onReport(conn: WorkerConn, msg: ReportMsg): void {
    const run = this.runFor(msg.runId, conn, msg.nodeId);
    if (!run?.ctx) return;
    const dim = run.ctx.model.dim;
    if (msg.x.length !== dim) {
      this.fail(run, {
        code: 'PROXMESH_ERR_FRAME_MALFORMED',
        message: `node ${msg.nodeId} reported x of length ${msg.x.length} at iteration ${msg.iter}, expected ${dim}`,
        node: msg.nodeId,
        round: msg.iter,
      });
      return;
    }
    run.lastIter[msg.nodeId] = msg.iter;
    this.opts.metrics.nodeIteration.set({ run: run.id, node: String(msg.nodeId) }, msg.iter);
    let slot = run.pending.get(msg.iter);
    if (!slot) {
      slot = new Array(run.n);
      run.pending.set(msg.iter, slot);
    }
    if (msg.stepSeconds) {
      let s = run.pendingSplit.get(msg.iter);
      if (!s) {
        s = { compute: 0, encode: 0, send: 0, wait: 0, nodes: 0 };
        run.pendingSplit.set(msg.iter, s);
      }
      s.compute += msg.stepSeconds.compute;
      s.encode += msg.stepSeconds.encode;
      s.send += msg.stepSeconds.send ?? 0;
      s.wait += msg.stepSeconds.wait;
      s.nodes++;
    }
    slot[msg.nodeId] = {
      nodeId: msg.nodeId,
      iter: msg.iter,
      x: msg.x,
      lossSum: msg.lossSum,
      lossCount: msg.lossCount,
      bytesSent: msg.bytesSent,
    };
    // Per-node facts for live views (coordinator/dashboard/server/node-stats.ts).
    this.emit('nodeStats', run.id, {
      nodeId: msg.nodeId,
      iter: msg.iter,
      localLoss: msg.lossCount > 0 ? msg.lossSum / msg.lossCount : null,
      bytesSent: msg.bytesSent,
      rejectedFrames: msg.rejectedFrames ?? null,
      stepSeconds: msg.stepSeconds ?? null,
      peerBytes: msg.peerBytes ?? null,
    });
    // Rows are appended in iteration order: evaluate every complete slot at the front.
    for (;;) {
      const iters = [...run.pending.keys()].sort((a, b) => a - b);
      const first = iters[0];
      if (first === undefined) break;
      const reports = run.pending.get(first)!;
      if (reports.filter(Boolean).length < run.n) break;
      run.pending.delete(first);
      this.evaluate(run, reports);
    }
    this.maybeFinish(run);
  }

  private evaluate(run: Run, reports: NodeReport[]): void {
    const prev = run.rows[run.rows.length - 1];
    const tEval = performance.now();
    const row = aggregateReports(reports, run.ctx!);
    const tDone = performance.now();
    // 'iterations' = wall time until the slowest node's report arrived since the previous row
    if (prev) run.store.appendTiming?.({ phase: 'iterations', from: prev.iter, to: row.iter, seconds: (tEval - run.tLastRow) / 1000 });
    const split = run.pendingSplit.get(row.iter);
    run.pendingSplit.delete(row.iter);
    if (prev && split && split.nodes > 0) {
      // Where an iteration's time went, as the nodes measured it (mean over nodes, seconds per iteration).
      const mean = (x: number) => x / split.nodes;
      run.store.appendTiming?.({
        phase: 'step-split',
        from: prev.iter,
        to: row.iter,
        compute: mean(split.compute),
        encode: mean(split.encode),
        send: mean(split.send),
        wait: mean(split.wait),
      });
    }
    run.store.appendTiming?.({ phase: 'eval', iter: row.iter, seconds: (tDone - tEval) / 1000 });
    run.tLastRow = tDone;
    run.rows.push(row);
    run.store.appendRow(row);
    run.checkpoints?.afterRow(row.iter);
    const m = this.opts.metrics;
    const labels = { run: run.id };
    m.iteration.set(labels, row.iter);
    m.objective.set(labels, row.objective);
    m.stationarity.set(labels, row.stationarity);
    m.consensus.set(labels, row.consensus);
    m.density.set(labels, row.density);
    m.trainAccuracy.set(labels, row.trainAccuracy);
    if (row.testAccuracy !== null) m.testAccuracy.set(labels, row.testAccuracy);
    m.bitsSentTotal.set(labels, row.bitsSent);
    if (prev && row.iter > prev.iter) m.bitsPerIteration.set(labels, (row.bitsSent - prev.bitsSent) / (row.iter - prev.iter));
    m.evaluations.inc(labels);
    for (const r of reports) {
      const before = run.lastBytes[r.nodeId];
      if (r.bytesSent > before) m.bytesSent.inc({ run: run.id, node: String(r.nodeId) }, r.bytesSent - before);
      run.lastBytes[r.nodeId] = r.bytesSent;
    }
    this.emit('row', run.id, row);
  }

  private maybeFinish(run: Run): void {
    if (run.state !== 'running') return;
    const last = run.rows[run.rows.length - 1];
    if (run.doneNodes.size === run.n && last && last.iter === run.iterations) {
      run.finishedAt = new Date().toISOString();
      run.store.appendTiming?.({ phase: 'total', seconds: (performance.now() - run.t0) / 1000 });
      run.store.finish({ state: 'done', rows: run.rows, failure: null });
      this.setState(run, 'done');
      for (const c of run.nodes) c.send({ t: 'stop', runId: run.id, reason: 'done' });
    }
  }

  private fail(run: Run, failure: RunFailure): void {
    if (run.state === 'done' || run.state === 'failed') return;
    if (run.healTimer !== null) clearTimeout(run.healTimer);
    run.healTimer = null;
    run.failure = failure;
    run.finishedAt = new Date().toISOString();
    run.store.finish({ state: 'failed', rows: run.rows, failure });
    this.opts.log?.warn({ run: run.id, ...failure }, 'run failed');
    this.setState(run, 'failed');
    for (const c of run.nodes) {
      try {
        c.send({ t: 'stop', runId: run.id, reason: failure.message });
      } catch {
        /* socket gone */
      }
    }
  }

  private setState(run: Run, state: RunState): void {
    const m = this.opts.metrics.runState;
    m.set({ run: run.id, state: run.state }, 0);
    run.state = state;
    m.set({ run: run.id, state }, 1);
    this.emit('state', run.id, state);
  }

  private require(id: string): Run {
    const run = this.runs.get(id);
    if (!run) throw new ProxmeshError('PROXMESH_ERR_NOT_FOUND', `no run '${id}'`, { run: id });
    return run;
  }

  private view(run: Run): RunView {
    return {
      id: run.id,
      state: run.state,
      nodes: run.n,
      iterations: run.iterations,
      lastIteration: run.rows.length ? run.rows[run.rows.length - 1].iter : null,
      rows: run.rows.length,
      last: run.rows[run.rows.length - 1] ?? null,
      failure: run.failure,
      dir: run.store.dir,
      // A worker rolling back (heal) has no registration until it registers again.
      workers: run.nodes.flatMap((w, node) =>
        w.registration === null ? [] : [{ node, peerUrl: w.registration.peerUrl, metricsUrl: w.registration.metricsUrl }],
      ),
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
    };
  }
}
