/**
 * The simulator: every node in one process, exchanges resolved in memory (MemoryNetwork), the same
 * algorithm code a cluster node runs. Evaluates x̄ at k = 0, every `evalEvery` and at k = K with
 * the same aggregation the cluster coordinator uses, and writes the run folder.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { payloadByteLength } from '../codec/payload.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { aggregateReports } from '../eval/aggregate-reports.ts';
import type { MetricsRow, NodeReport } from '../results/metrics-row.ts';
import { paperMetrics } from '../eval/paper-metrics.ts';
import { edgeRows } from '../results/edges.ts';
import { createRunFolder, defaultRunDir, type RunFolderWriter } from '../results/run-folder.ts';
import { edgeWireFromFrames, nodeWire, nodeWireFromFrames, type WireCounts } from '../results/wire-accounting.ts';
import { buildSummary } from '../results/summary.ts';
import { topologyToJson } from '../../topologies/export.ts';
import {
  aggregateContextOf,
  assembleNode,
  buildAlgorithm,
  buildRunProblem,
  buildRunSchedule,
  buildRunTopology,
  initialPoint,
  peerRow,
  runNodeCount,
  runWirePlan,
  summaryFactsOf,
} from '../assemble/assemble.ts';
import { LossWindow, driveIterations } from '../algo/iteration-driver.ts';
import { createLockstep } from './lockstep.ts';
import { MemoryNetwork } from './memory-network.ts';
import { ScheduledMemoryNetwork } from './scheduled-network.ts';
import { ensureConfigPlugins } from '../plugins/load.ts';
import { ThreadedSim, threadsFor } from './threads/engine.ts';
import { configHash } from '../resume/config-hash.ts';
import type { Checkpoint } from '../checkpoint/format.ts';
import { registerSimState } from '../resume/sim-state.ts';
import { StateRegistry, type Stateful } from '../checkpoint/state-registry.ts';
import { CheckpointWriter, DEFAULT_KEEP, prestartCheckpointThread } from '../checkpoint/store.ts';
import { ProxmeshError } from '../errors.ts';

export interface SimProgress {
  /** Iterations completed (0 before the first step). */
  readonly iter: number;
  readonly iterations: number;
  /** The metrics row when this iteration was evaluated, else null. */
  readonly row: MetricsRow | null;
}

export interface SimOptions {
  /** Run folder; undefined = <output.dir>/<output.name or UTC timestamp>; null = write nothing. */
  readonly outDir?: string | null;
  readonly onProgress?: (p: SimProgress) => void;
  /** Clock for the default folder name (tests). */
  readonly now?: Date;
  /**
   * Threads that step the nodes (default 1; the CLI's --threads defaults to min(2, cores)). More
   * than one splits the nodes into contiguous blocks, one per thread (node/sim/threads), with
   * byte-identical results; runs that cannot be split use one (threadsFor).
   */
  readonly threads?: number;
  /**
   * Continue the run in `outDir` from this verified checkpoint (node/checkpoint/sim-resume.ts
   * finds it): the state is restored, metrics files are rewritten to the checkpoint's bytes, and
   * iterations resume at its round.
   */
  readonly resume?: Checkpoint;
  /**
   * Called for each checkpoint after it is durable (bench, tests; by the next checkpoint or the end
   * of the run at the latest): `ms` blocked the steps (capture + the copy into one buffer),
   * `durableMs` until the rename was fsynced (SHA-256 and the I/O run in the writer thread).
   */
  readonly onCheckpoint?: (c: {
    readonly round: number;
    readonly file: string;
    readonly bytes: number;
    readonly ms: number;
    readonly durableMs: number;
  }) => void;
}

export interface SimResult {
  /** The run folder, or null when nothing was written. */
  readonly dir: string | null;
  readonly rows: readonly MetricsRow[];
  readonly summary: Record<string, unknown>;
  /** Threads that stepped the nodes (1 when the run could not be split; threadsFor). */
  readonly threads: number;
}

export async function runSimulation(config: FrozenConfig, opts: SimOptions = {}): Promise<SimResult> {
  const t0 = performance.now();
  // The checkpoint writer thread loads while the run sets up (node/checkpoint/store.ts).
  if ((config.checkpointEvery ?? 0) > 0 && opts.outDir !== null) prestartCheckpointThread();
  ensureConfigPlugins(config); // a no-op when loadConfig loaded them in this process

  // Problem first: its bounds (nodes ≤ samples, memory budget) fail before W's spectrum is solved.
  const problem = buildRunProblem(config, runNodeCount(config));
  const topology = buildRunTopology(config);
  const n = topology.graph.n;
  if (problem.shards.length !== n) throw new Error(`internal: ${problem.shards.length} shards for a ${n}-node graph`);
  const algorithm = buildAlgorithm(config);
  const rows = Array.from({ length: n }, (_, i) => peerRow(algorithm, topology, i));
  const schedule = buildRunSchedule(config, topology, algorithm);
  // Static W: one MemoryNetwork, which also serves stepBatch. A schedule: one network per distinct
  // round (no stepBatch: the algorithms with stepBatch, CDProxSGT/BEER, do not support schedules).
  // A run that writes or resumes checkpoints steps on one thread (threadsFor; same bytes either way).
  const checkpointing = (config.checkpointEvery ?? 0) > 0 || opts.resume !== undefined;
  const threads = threadsFor(opts.threads ?? 1, n, algorithm, schedule !== null, checkpointing);
  const threaded = threads > 1 ? new ThreadedSim({ config, problem, topology, algorithm, rows, threads }) : null;
  try {
    return await simulate(config, opts, { t0, problem, topology, algorithm, schedule, rows, threaded });
  } catch (err) {
    await threaded?.close(false);
    throw err;
  }
}

interface SimParts {
  readonly t0: number;
  readonly problem: ReturnType<typeof buildRunProblem>;
  readonly topology: ReturnType<typeof buildRunTopology>;
  readonly algorithm: ReturnType<typeof buildAlgorithm>;
  readonly schedule: ReturnType<typeof buildRunSchedule>;
  readonly rows: ReturnType<typeof peerRow>[];
  /** the threaded engine, or null: one thread over a MemoryNetwork */
  readonly threaded: ThreadedSim | null;
}

async function simulate(config: FrozenConfig, opts: SimOptions, parts: SimParts): Promise<SimResult> {
  const { t0, problem, topology, algorithm, schedule, rows, threaded } = parts;
  const n = topology.graph.n;
  const single = threaded === null;
  const staticNet = single && schedule === null ? new MemoryNetwork({ n, rows, byteLength: payloadByteLength }) : null;
  const memNet = !single ? null : (staticNet ?? new ScheduledMemoryNetwork({ schedule: schedule!, byteLength: payloadByteLength }));
  // the byte counters the rows read: the in-memory network's, or the threads' shared ones
  const net = memNet ?? threaded!;
  const staticCounts = staticNet ?? threaded;
  const contexts =
    memNet === null
      ? null
      : Array.from({ length: n }, (_, i) => assembleNode(config, problem, topology, i, memNet.communicator(i), algorithm));
  const lock =
    memNet === null || contexts === null
      ? null
      : (() => {
          const x0 = Array.from({ length: n }, (_, i) => initialPoint(config, problem.model, i));
          return createLockstep({ algorithm, contexts, x0, ...(staticNet !== null ? { batch: staticNet } : {}) });
        })();

  const resume = opts.resume ?? null;
  const dir = opts.outDir === null ? null : (opts.outDir ?? defaultRunDir(config.output.dir, config.output.name, opts.now ?? new Date()));
  if (resume !== null && dir === null) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', 'runSimulation: resume needs the run folder');
  // A resumed folder keeps its files; the checkpoint restore below rewrites the metrics files.
  const writer: RunFolderWriter | null =
    dir === null ? null : createRunFolder(dir, { simTime: config.network !== undefined, keep: resume !== null });
  if (resume === null) {
    writer?.writeJson('config.json', config);
    writer?.writeJson('topology.json', topologyToJson(topology));
  }
  const tSetup = performance.now();
  await (lock ?? threaded!).init();
  writer?.appendTiming({ phase: 'setup', seconds: (tSetup - t0) / 1000, threads: threaded?.threads ?? 1 });
  writer?.appendTiming({ phase: 'init', seconds: (performance.now() - tSetup) / 1000 });

  // Wire bytes beside payloads, counted from each node's real exchanges (messages ÷ peers) with the
  // codec's frame sizes; aggregateReports checks them against the schedule the coordinator uses.
  // On a schedule the frames of each link are counted (messages per edge, both ways), not derived.
  const plan = runWirePlan(config, topology, algorithm);
  const exchangesOf = (i: number) =>
    staticCounts === null || plan.others[i].length === 0 ? 0 : staticCounts.messagesSentBy(i) / plan.others[i].length;
  const wireOf = (i: number): WireCounts =>
    staticCounts !== null
      ? nodeWire(i, plan.others[i], exchangesOf(i))
      : nodeWireFromFrames(
          i,
          plan.others[i],
          (j) => memNet!.messagesSentOnEdge(i, j),
          (j) => memNet!.messagesSentOnEdge(j, i),
        );
  const aggCtx = aggregateContextOf(config, problem, plan);
  // Σ of each node's minibatch losses since the previous row (one thread: summed here; threads sum
  // their blocks' in shared memory and only the step count is kept here).
  const losses = new LossWindow(n);
  const metrics: MetricsRow[] = [];
  const K = config.iterations;
  // Opt-in `metrics: { paper: true }`: the authors' logged metrics (paper-spec §5.2) in a separate file.
  const paperFile = dir !== null && config.metrics?.paper === true ? join(dir, 'paper-metrics.ndjson') : null;
  if (paperFile !== null && resume === null) writeFileSync(paperFile, '');

  // Checkpoints (node/checkpoint): every stateful part registered by name, captured every
  // `checkpointEvery` iterations into <dir>/checkpoints, restored when resuming (one thread only,
  // see runSimulation).
  const every = config.checkpointEvery ?? 0;
  const hash = every > 0 || resume !== null ? configHash(config) : '';
  let registry: StateRegistry | null = null;
  if (dir !== null && (every > 0 || resume !== null)) {
    if (lock === null || memNet === null || contexts === null)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', 'runSimulation: checkpoints need the one-thread engine');
    registry = new StateRegistry();
    registerSimState(registry, {
      contexts,
      states: lock.states() as readonly object[],
      network: memNet,
      coordinator: {
        lossSum: losses.sums,
        getLossCount: () => losses.count,
        setLossCount: (v) => (losses.count = v),
        rows: metrics,
      },
      ...(aggCtx.clock?.registerState !== undefined ? { clock: aggCtx.clock as Stateful } : {}),
      dir,
      files: ['metrics.ndjson', 'metrics.csv', ...(paperFile !== null ? ['paper-metrics.ndjson'] : [])],
    });
  }
  const checkpoints =
    registry === null
      ? null
      : new CheckpointWriter(dir!, 'sim', DEFAULT_KEEP, (w) => {
          const round = Number(/-r(\d+)\.ckpt$/.exec(w.file)![1]);
          writer?.appendTiming({
            phase: 'checkpoint',
            iter: round,
            bytes: w.bytes,
            seconds: w.blockingMs / 1000,
            durableSeconds: w.durableMs / 1000,
          });
          opts.onCheckpoint?.({ round, file: w.file, bytes: w.bytes, ms: w.blockingMs, durableMs: w.durableMs });
        });
  const checkpointAt = (round: number) =>
    checkpoints!.write({ kind: 'sim', firstNode: 0, nodeCount: n, round, configHash: hash }, () => registry!.capture());

  const evaluateAt = async (iter: number): Promise<MetricsRow> => {
    // one thread: the live states and the sums kept below; threads: what every thread published
    const { models, lossSum } = lock !== null ? { models: lock.models(), lossSum: losses.sums } : await threaded!.evaluationPoint();
    const reports: NodeReport[] = models.map((x, i) => ({
      nodeId: i,
      iter,
      x,
      lossSum: lossSum[i],
      lossCount: losses.count,
      bytesSent: net.bytesSentBy(i),
      wire: wireOf(i),
    }));
    const row = aggregateReports(reports, aggCtx);
    if (paperFile !== null) {
      appendFileSync(
        paperFile,
        `${JSON.stringify(paperMetrics({ iter, xs: models, localLoss: row.localLoss }, { ...problem, batchSize: config.batchSize }))}\n`,
      );
    }
    losses.reset(); // (threads restart their shared sums themselves, block.ts)
    metrics.push(row);
    writer?.appendMetrics(row);
    return row;
  };

  try {
    let start = 0;
    if (resume !== null) {
      const tResume = performance.now();
      if (resume.header.configHash !== hash || resume.header.kind !== 'sim' || resume.header.nodeCount !== n) {
        throw new ProxmeshError(
          'PROXMESH_ERR_CHECKPOINT_CONFIG',
          `the checkpoint does not belong to this run (config hash, kind or node count differ)`,
          { round: resume.header.round },
        );
      }
      if (resume.header.round >= K)
        throw new ProxmeshError(
          'PROXMESH_ERR_RESUME',
          `the checkpoint is at round ${resume.header.round}, the run has ${K} iterations: nothing to resume`,
        );
      registry!.restore(resume.entries);
      start = resume.header.round;
      lock!.resumeAt(start);
      writer?.appendTiming({ phase: 'resume', iter: start, seconds: (performance.now() - tResume) / 1000 });
      opts.onProgress?.({ iter: start, iterations: K, row: null });
    }
    // timings.ndjson: the iterations between two rows, then the row's evaluation
    let tBlock = performance.now();
    let blockStart = start;
    let lastRow: MetricsRow | null = null;
    await driveIterations(config, start, {
      step:
        lock !== null
          ? async (k) => {
              // Without the writer thread (a source run without the dev loader, or while it loads) a
              // checkpoint's I/O runs on this loop, and its callbacks need event-loop turns to reach the
              // disk; the thread needs none.
              if (checkpoints?.needsTurns === true) await new Promise<void>((r) => setImmediate(r));
              const stats = await lock.step(k);
              for (let i = 0; i < n; i++) losses.add(i, stats[i].loss);
              losses.stepDone();
            }
          : async (k) => {
              await threaded!.step(k);
              losses.stepDone();
            },
      evaluate: async (iter) => {
        const tEval = performance.now();
        if (iter > 0) writer?.appendTiming({ phase: 'iterations', from: blockStart, to: iter, seconds: (tEval - tBlock) / 1000 });
        lastRow = await evaluateAt(iter);
        tBlock = performance.now();
        writer?.appendTiming({ phase: 'eval', iter, seconds: (tBlock - tEval) / 1000 });
        blockStart = iter;
        if (iter === 0) opts.onProgress?.({ iter: 0, iterations: K, row: lastRow });
      },
      afterIteration: (iter, evaluated) => opts.onProgress?.({ iter, iterations: K, row: evaluated ? lastRow : null }),
      ...(registry !== null ? { checkpoint: checkpointAt } : {}),
    });
    // Durable before the run counts as finished (summary.json).
    await checkpoints?.flush();
  } catch (err) {
    // A failing run (or an interrupted one in tests) still completes the checkpoint in flight.
    await checkpoints?.flush().catch(() => {});
    throw err;
  }

  await threaded?.close(true);
  writer?.writeEdges(
    edgeRows(
      plan,
      exchangesOf,
      (i, j) => net.bytesSentOnEdge(i, j),
      staticCounts !== null
        ? undefined
        : (i, j) => edgeWireFromFrames(i, j, memNet!.messagesSentOnEdge(i, j), memNet!.messagesSentOnEdge(j, i)),
    ),
  );
  const summary = buildSummary(summaryFactsOf(config, topology, problem), metrics);
  writer?.writeJson('summary.json', summary);
  writer?.appendTiming({ phase: 'total', seconds: (performance.now() - t0) / 1000 });
  return { dir, rows: metrics, summary, threads: threaded?.threads ?? 1 };
}
