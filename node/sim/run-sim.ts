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
import { aggregateReports, type MetricsRow, type NodeReport } from '../eval/aggregate-reports.ts';
import { paperMetrics } from '../eval/paper-metrics.ts';
import { edgeRows } from '../results/edges.ts';
import { createRunFolder, defaultRunDir, type RunFolderWriter } from '../results/run-folder.ts';
import { edgeWireFromFrames, nodeWire, nodeWireFromFrames, type WireCounts } from '../results/wire-accounting.ts';
import { buildSummary } from '../results/summary.ts';
import { topologyToJson } from '../../topologies/export.ts';
import { aggregateContextOf, assembleNode, buildAlgorithm, buildRunProblem, buildRunSchedule, buildRunTopology, initialPoint, peerRow, runNodeCount, runWirePlan, summaryFactsOf } from './assemble.ts';
import { createLockstep } from './lockstep.ts';
import { MemoryNetwork } from './memory-network.ts';
import { ScheduledMemoryNetwork } from './scheduled-network.ts';
import { ensureConfigPlugins } from '../plugins/load.ts';
import { ThreadedSim, threadsFor } from './threads/engine.ts';

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
  const threads = threadsFor(opts.threads ?? 1, n, algorithm, schedule !== null);
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
  const lock = memNet === null ? null : (() => {
    const contexts = Array.from({ length: n }, (_, i) => assembleNode(config, problem, topology, i, memNet.communicator(i), algorithm));
    const x0 = Array.from({ length: n }, (_, i) => initialPoint(config, problem.model, i));
    return createLockstep({ algorithm, contexts, x0, ...(staticNet !== null ? { batch: staticNet } : {}) });
  })();

  const dir = opts.outDir === null ? null : (opts.outDir ?? defaultRunDir(config.output.dir, config.output.name, opts.now ?? new Date()));
  const writer: RunFolderWriter | null = dir === null ? null : createRunFolder(dir, { simTime: config.network !== undefined });
  writer?.writeJson('config.json', config);
  writer?.writeJson('topology.json', topologyToJson(topology));
  const tSetup = performance.now();
  await (lock ?? threaded!).init();
  writer?.appendTiming({ phase: 'setup', seconds: (tSetup - t0) / 1000, threads: threaded?.threads ?? 1 });
  writer?.appendTiming({ phase: 'init', seconds: (performance.now() - tSetup) / 1000 });

  // Wire bytes beside payloads, counted from each node's real exchanges (messages ÷ peers) with the
  // codec's frame sizes; aggregateReports checks them against the schedule the coordinator uses.
  // On a schedule the frames of each link are counted (messages per edge, both ways), not derived.
  const plan = runWirePlan(config, topology, algorithm);
  const exchangesOf = (i: number) => (staticCounts === null || plan.others[i].length === 0 ? 0 : staticCounts.messagesSentBy(i) / plan.others[i].length);
  const wireOf = (i: number): WireCounts =>
    staticCounts !== null
      ? nodeWire(i, plan.others[i], exchangesOf(i))
      : nodeWireFromFrames(i, plan.others[i], (j) => memNet!.messagesSentOnEdge(i, j), (j) => memNet!.messagesSentOnEdge(j, i));
  const aggCtx = aggregateContextOf(config, problem, plan);
  // Σ of each node's minibatch losses since the previous row, accumulated in iteration order.
  const ownLossSum = new Float64Array(n);
  let lossCount = 0;
  const metrics: MetricsRow[] = [];
  const K = config.iterations;
  // Opt-in `metrics: { paper: true }`: the authors' logged metrics (paper-spec §5.2) in a separate file.
  const paperFile = dir !== null && config.metrics?.paper === true ? join(dir, 'paper-metrics.ndjson') : null;
  if (paperFile !== null) writeFileSync(paperFile, '');

  const evaluateAt = async (iter: number): Promise<MetricsRow> => {
    // one thread: the live states and the sums kept below; threads: what every thread published
    const { models, lossSum } = lock !== null ? { models: lock.models(), lossSum: ownLossSum } : await threaded!.evaluationPoint();
    const reports: NodeReport[] = models.map((x, i) => ({ nodeId: i, iter, x, lossSum: lossSum[i], lossCount, bytesSent: net.bytesSentBy(i), wire: wireOf(i) }));
    const row = aggregateReports(reports, aggCtx);
    if (paperFile !== null) {
      appendFileSync(paperFile, `${JSON.stringify(paperMetrics({ iter, xs: models, localLoss: row.localLoss }, { ...problem, batchSize: config.batchSize }))}\n`);
    }
    ownLossSum.fill(0); // (threads restart their shared sums themselves, block.ts)
    lossCount = 0;
    metrics.push(row);
    writer?.appendMetrics(row);
    return row;
  };

  let tEval = performance.now();
  const row0 = await evaluateAt(0);
  opts.onProgress?.({ iter: 0, iterations: K, row: row0 });
  writer?.appendTiming({ phase: 'eval', iter: 0, seconds: (performance.now() - tEval) / 1000 });
  let tBlock = performance.now();
  let blockStart = 0;
  for (let k = 0; k < K; k++) {
    if (lock !== null) {
      const stats = await lock.step(k);
      for (let i = 0; i < n; i++) ownLossSum[i] += stats[i].loss;
    } else await threaded!.step(k);
    lossCount += 1;
    const iter = k + 1;
    if (iter % config.evalEvery === 0 || iter === K) {
      tEval = performance.now();
      writer?.appendTiming({ phase: 'iterations', from: blockStart, to: iter, seconds: (tEval - tBlock) / 1000 });
      const row = await evaluateAt(iter);
      tBlock = performance.now();
      writer?.appendTiming({ phase: 'eval', iter, seconds: (tBlock - tEval) / 1000 });
      blockStart = iter;
      opts.onProgress?.({ iter, iterations: K, row });
    } else {
      opts.onProgress?.({ iter, iterations: K, row: null });
    }
  }

  await threaded?.close(true);
  writer?.writeEdges(
    edgeRows(plan, exchangesOf, (i, j) => net.bytesSentOnEdge(i, j), staticCounts !== null ? undefined : (i, j) => edgeWireFromFrames(i, j, memNet!.messagesSentOnEdge(i, j), memNet!.messagesSentOnEdge(j, i))),
  );
  const summary = buildSummary(summaryFactsOf(config, topology, problem), metrics);
  writer?.writeJson('summary.json', summary);
  writer?.appendTiming({ phase: 'total', seconds: (performance.now() - t0) / 1000 });
  return { dir, rows: metrics, summary, threads: threaded?.threads ?? 1 };
}
