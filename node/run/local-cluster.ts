/**
 * `proxmesh run`: a real cluster on loopback — the coordinator in this process (Fastify on an
 * ephemeral port) and N worker processes (child_process), each with its own peer port. Workers get
 * the cluster token through the environment (never argv, which `ps` shows). Teardown always
 * terminates every child (SIGTERM, then SIGKILL).
 *
 * A worker that dies fails the run at once with its stderr, unless the run writes checkpoints
 * (checkpointEvery > 0): then the cluster heals (docs/resume.md "Cluster"). Every worker is
 * terminated, the newest round that the coordinator and every node have a checkpoint of is found
 * (node/resume/cluster-resume.ts), and the run continues from it with fresh worker processes, a
 * fresh cluster token and a fresh run id (so fresh link keys and nonces: the peer hello's anti-replay
 * checks hold unchanged), up to `maxRestarts` times; then the worker failure ends the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import type { RunView } from '../../coordinator/run-manager.ts';
import { loadConfig } from '../config/load.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import type { MetricsRow } from '../results/metrics-row.ts';
import { defaultRunDir } from '../results/run-folder.ts';
import { runNodeCount } from '../assemble/assemble.ts';
import { childEntryArgs } from '../runtime/child-entry.ts';
import { STDIN_COORDINATOR, nodesPerWorker } from '../cluster/cli-env.ts';
import { tlsEnv, type TlsSettings } from '../transport/tls-options.ts';
import type { ResumeSpec } from '../../coordinator/run-types.ts';
import { findCommonRound } from './cluster-resume.ts';
import { configHash } from '../resume/config-hash.ts';

/** The worker-only entry point (loads less than the full CLI, node/cli/bin.ts). */
const WORKER_BIN = childEntryArgs(import.meta.url, '../cluster/worker-bin');

export interface LocalClusterProgress {
  readonly iterations: number;
  readonly row: MetricsRow;
}

export interface LocalClusterOptions {
  /** Run folder (default: <output.dir>/<output.name or timestamp>). */
  readonly outDir?: string;
  readonly onProgress?: (p: LocalClusterProgress) => void;
  /** Called once the coordinator listens (for printing its /metrics address). */
  readonly onListening?: (info: { url: string; metricsUrl: string; runId: string; dir: string }) => void;
  /** Called once every worker process is spawned, with their pids in node order. */
  readonly onSpawned?: (info: { url: string; runId: string; dir: string; pids: number[] }) => void;
  /** Awaited after all workers are ready and before they are told to start (tests, probes). */
  readonly beforeStart?: (view: RunView) => Promise<void>;
  /**
   * Awaited after a successful run, before the workers and the coordinator are torn down (e.g. to
   * let Prometheus scrape the final values; workers keep their /metrics up if given
   * PROXMESH_METRICS_LINGER_MS in workerEnv).
   */
  readonly beforeTeardown?: (result: LocalClusterResult) => Promise<void>;
  /** Aborting stops the run and tears everything down (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Environment additions for the workers (tests). */
  readonly workerEnv?: Record<string, string>;
  /** Lines of each worker's stderr kept for error reports. */
  readonly stderrLines?: number;
  /** Nodes hosted by each worker process (default 1): ⌈n / B⌉ processes; nodes of one process exchange through memory. */
  readonly nodesPerWorker?: number;
  /**
   * TLS on every link of the local cluster (default none: plain ws:// and http:// on loopback).
   * The certificate must be valid for 127.0.0.1; workers get the same files (PROXMESH_TLS_*).
   */
  readonly tls?: TlsSettings | null;
  /** Continue the run in `outDir` from this common checkpoint round (`proxmesh run --resume`). */
  readonly resume?: ResumeSpec;
  /** Restarts after a lost worker in a checkpointing run (default 3); 0 = fail at once. */
  readonly maxRestarts?: number;
  /** Called when the cluster restarts after a lost worker, from `round` (0: no common checkpoint yet). */
  readonly onRestart?: (info: {
    readonly restart: number;
    readonly round: number;
    readonly reason: string;
    readonly refused: readonly ProxmeshError[];
  }) => void;
}

export const DEFAULT_MAX_RESTARTS = 3;

export interface LocalClusterResult {
  readonly dir: string;
  readonly run: RunView;
  readonly rows: readonly MetricsRow[];
  readonly metricsUrl: string;
}

interface WorkerProc {
  readonly id: number;
  readonly child: ChildProcess;
  readonly stderr: string[];
  exited: boolean;
}

export async function runLocalCluster(config: FrozenConfig, opts: LocalClusterOptions = {}): Promise<LocalClusterResult> {
  const dir = opts.outDir ?? defaultRunDir(config.output.dir, config.output.name, new Date());
  const healing = (config.checkpointEvery ?? 0) > 0;
  const maxRestarts = healing ? (opts.maxRestarts ?? DEFAULT_MAX_RESTARTS) : 0;
  const baseId = `local-${Date.now().toString(36)}`;
  let resume = opts.resume;
  for (let restart = 0; ; restart++) {
    const attempt = await runAttempt(config, opts, dir, restart === 0 ? baseId : `${baseId}-restart${restart}`, resume);
    if (attempt.ok) return attempt.result;
    if (attempt.lostWorker === null || restart >= maxRestarts || opts.signal?.aborted) throw attempt.error;
    // The newest round every part has (the files of the dead worker's nodes included); none yet: from the start.
    let round = 0;
    let refused: readonly ProxmeshError[] = [];
    try {
      const found = findCommonRound(dir, config, configHash(config));
      round = found.round;
      refused = found.refused;
      resume = { round, ...found.coordinator };
    } catch (err) {
      if (!(err instanceof ProxmeshError) || (err.code !== 'PROXMESH_ERR_RESUME' && err.code !== 'PROXMESH_ERR_CHECKPOINT_CONFIG'))
        throw err;
      refused = [err];
      resume = undefined;
    }
    opts.onRestart?.({ restart: restart + 1, round, reason: attempt.lostWorker, refused });
  }
}

type Attempt =
  | { readonly ok: true; readonly result: LocalClusterResult }
  | { readonly ok: false; readonly error: unknown; readonly lostWorker: string | null };

/**
 * One cluster: workers, coordinator, one run (fresh, or resumed at `resume.round`). Resolves with
 * the result, or with the error and, when a worker process was lost during the run, why.
 */
async function runAttempt(
  config: FrozenConfig,
  opts: LocalClusterOptions,
  dir: string,
  runId: string,
  resume: ResumeSpec | undefined,
): Promise<Attempt> {
  // n without the topology's eigen-solve: the coordinator's set-up checks the bounds before solving.
  const n = runNodeCount(config);
  const perWorker = nodesPerWorker(opts.nodesPerWorker);
  const processes = Math.ceil(n / perWorker);
  const token = randomBytes(24).toString('hex');
  let lostWorker: string | null = null;
  let terminating = false;
  const workers: WorkerProc[] = [];
  const rows: MetricsRow[] = [];
  let created = false;
  let runs: Awaited<ReturnType<typeof buildApp>>['runs'] | null = null;
  let app: Awaited<ReturnType<typeof buildApp>>['app'] | null = null;
  const onRow = (id: string, row: MetricsRow) => {
    if (id !== runId) return;
    rows.push(row);
    opts.onProgress?.({ iterations: config.iterations, row });
  };
  const secure = (opts.tls ?? null) !== null;
  try {
    const keep = opts.stderrLines ?? 40;
    // Workers start first, before the coordinator is even built: their start-up (a Node process
    // each) overlaps the coordinator's (Fastify, its plugins) and its loading of the run's data.
    // They get the coordinator's URL on stdin once it listens (PROXMESH_COORDINATOR=-: the port is
    // bound once, by the listen below, never picked in advance) and wait on the control channel
    // until the run exists.
    for (let id = 0; id < processes; id++) {
      const child = spawn(process.execPath, WORKER_BIN, {
        env: {
          ...process.env,
          PROXMESH_COORDINATOR: STDIN_COORDINATOR,
          PROXMESH_ORDINAL: String(id),
          PROXMESH_LISTEN: '127.0.0.1:0',
          PROXMESH_METRICS_LISTEN: '127.0.0.1:0',
          PROXMESH_NODES_PER_WORKER: String(perWorker),
          // The local cluster's workers share the run folder: their nodes' checkpoints go beside the coordinator's.
          PROXMESH_CHECKPOINT_DIR: dir,
          ...tlsEnv(opts.tls ?? null),
          ...opts.workerEnv,
          PROXMESH_TOKEN: token,
        },
        stdio: ['pipe', 'ignore', 'pipe'],
        // Own process group: a terminal's Ctrl-C reaches only this process, which then records the
        // interruption and terminates the workers in order (they still exit if this process dies:
        // their control connection closes).
        detached: true,
      });
      const w: WorkerProc = { id, child, stderr: [], exited: false };
      child.stdin!.on('error', () => {}); // a worker that died early: its exit reports it
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) w.stderr.push(line);
        if (w.stderr.length > keep) w.stderr.splice(0, w.stderr.length - keep);
      });
      const onGone = (how: string, bySignal: boolean) => {
        w.exited = true;
        if (!created || runs === null) return; // createRun failed or is pending: the error path tears down
        const view = runs.get(runId);
        const message = `worker ${id} (pid ${child.pid}) ${how} (last evaluated iteration ${view.lastIteration ?? 'none'})`;
        // A lost worker (the cluster heals): one that exited while the run was going, or was killed
        // by a signal this process did not send, even when its closed control connection failed the
        // run a moment before its exit was seen here.
        if (lostWorker === null && !terminating && view.state !== 'done' && (view.state !== 'failed' || bySignal)) lostWorker = message;
        if (view.state !== 'done' && view.state !== 'failed') {
          runs.abort(runId, {
            code: 'PROXMESH_ERR_WORKER_FAILED',
            message: message + (w.stderr.length ? `; its stderr:\n${w.stderr.join('\n')}` : ''),
            node: id * perWorker,
            round: null,
          });
        }
      };
      child.on('error', (err) => onGone(`could not run: ${err.message}`, false));
      // Any exit before the run is over is a failure, status 0 included (a worker only exits 0
      // after `stop` or a SIGTERM from the teardown, and both come after the run ended).
      child.on('exit', (code, sig) => onGone(`exited with ${sig ?? `code ${code}`}`, sig !== null));
      workers.push(w);
    }
    const built = await buildApp({
      token,
      // Inline set-up: this coordinator serves only the workers it spawns, which wait for the run
      // anyway; a set-up thread would only add its start-up to every local run.
      contexts: createRunContextFactory({ runsDir: config.output.dir, dirFor: (id) => (id === runId ? dir : undefined), setup: 'inline' }),
      validateConfig: (raw) => loadConfig(raw as object, { plugins: 'loaded-only' }),
      defaultMetrics: true,
      beforeStart: opts.beforeStart ? (view) => (view.id === runId ? opts.beforeStart!(view) : Promise.resolve()) : undefined,
      tls: opts.tls ?? null,
    });
    app = built.app;
    runs = built.runs;
    runs.on('row', onRow);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const url = `${secure ? 'https' : 'http'}://127.0.0.1:${port}`;
    for (const w of workers) if (!w.exited) w.child.stdin!.end(`${secure ? 'wss' : 'ws'}://127.0.0.1:${port}/control\n`);
    opts.onSpawned?.({ url, runId, dir, pids: workers.map((w) => w.child.pid ?? -1) });
    await runs.createRun({ config, ...(resume !== undefined ? { resume } : {}) }, runId);
    created = true;
    const early = workers.find((w) => w.exited);
    if (early) {
      throw new ProxmeshError(
        'PROXMESH_ERR_WORKER_FAILED',
        `worker ${early.id} exited with ${early.child.signalCode ?? `code ${early.child.exitCode}`} before the run started` +
          (early.stderr.length ? `; its stderr:\n${early.stderr.join('\n')}` : ''),
        { node: early.id * perWorker },
      );
    }
    opts.onListening?.({ url, metricsUrl: `${url}/metrics`, runId, dir });
    const view = await runs.waitForEnd(runId, opts.signal);
    const result = { dir, run: view, rows: [...(resume?.rows ?? []), ...rows], metricsUrl: `${url}/metrics` };
    await opts.beforeTeardown?.(result);
    return { ok: true, result };
  } catch (err) {
    if (opts.signal?.aborted && created) {
      // Record why before the workers are terminated (their disconnects would name a node instead).
      const reason = opts.signal.reason instanceof Error ? opts.signal.reason.message : 'interrupted';
      runs?.abort(runId, { code: 'PROXMESH_ERR_WORKER_FAILED', message: reason, node: null, round: null });
    }
    // Let the exit of a worker whose control connection failed the run first be seen (one SIGKILL
    // closes the socket before the parent reaps the child).
    if (created && lostWorker === null && (config.checkpointEvery ?? 0) > 0) await settleExits(workers, 500, () => lostWorker !== null);
    return { ok: false, error: err, lostWorker: created ? lostWorker : null };
  } finally {
    runs?.off('row', onRow);
    terminating = true;
    await terminate(workers);
    // The coordinator's checkpoint in flight completes before the next attempt looks for the common round.
    if (created) await runs?.flushCheckpoints(runId).catch(() => {});
    await app?.close();
  }
}

/** Waits up to `ms` until `seen()` holds or every child exited (their 'exit' handlers run meanwhile). */
async function settleExits(workers: WorkerProc[], ms: number, seen: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!seen() && workers.some((w) => !w.exited) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** SIGTERM every live child, then SIGKILL those still alive after 3 s; resolves when all exited. */
async function terminate(workers: WorkerProc[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exited || w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
          const kill = setTimeout(() => w.child.kill('SIGKILL'), 3000);
          w.child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          w.child.kill('SIGTERM');
        }),
    ),
  );
}
