/**
 * Turns the n nodes' reports for one evaluation point into one metrics.ndjson row. The simulator and
 * the cluster coordinator both call this, with reports in node order, so their rows are
 * byte-identical: every sum runs in the same order (node 0..n−1; each node's lossSum was accumulated
 * in iteration order on the node itself).
 */
import type { Prox } from '../prox/types.ts';
import type { Dataset, Model, Shard } from '../problem/types.ts';
import { evaluate } from './evaluate.ts';

export interface NodeReport {
  readonly nodeId: number;
  readonly iter: number;
  /** x_i^k */
  readonly x: Float64Array;
  /** Σ of the node's minibatch losses since its previous report, summed in iteration order. */
  readonly lossSum: number;
  /** Number of iterations in lossSum (0 at k = 0). */
  readonly lossCount: number;
  /** Cumulative payload bytes sent by this node (self excluded). */
  readonly bytesSent: number;
}

/** Keys and order of a metrics.ndjson row. Changing this changes the results format: update docs. */
export interface MetricsRow {
  iter: number;
  epoch: number;
  objective: number;
  f: number;
  r: number;
  stationarity: number;
  consensus: number;
  density: number;
  trainAccuracy: number;
  testAccuracy: number | null;
  localLoss: number | null;
  bitsSent: number;
  bytesSent: number;
}

export interface AggregateContext {
  readonly model: Model;
  readonly train: Dataset;
  readonly test: Dataset | null;
  readonly shards: readonly Shard[];
  readonly prox: Prox;
  /** η, for the stationarity measure */
  readonly eta: number;
  /** Samples per node per iteration, or 'full'. */
  readonly batchSize: number | 'full';
  /** Optional: the training subset evaluation uses per node (see EvalProblem.evalShards). */
  readonly evalShards?: readonly Shard[];
}

export function aggregateReports(reports: readonly NodeReport[], ctx: AggregateContext): MetricsRow {
  const n = ctx.shards.length;
  if (reports.length !== n) throw new Error(`aggregateReports: expected ${n} reports, got ${reports.length}`);
  const iter = reports[0].iter;
  reports.forEach((r, i) => {
    if (r.nodeId !== i || r.iter !== iter) throw new Error(`aggregateReports: report ${i} is node ${r.nodeId} iter ${r.iter}, expected node ${i} iter ${iter}`);
  });
  const e = evaluate({
    xs: reports.map((r) => r.x),
    problem: { model: ctx.model, train: ctx.train, test: ctx.test, shards: ctx.shards, ...(ctx.evalShards ? { evalShards: ctx.evalShards } : {}) },
    prox: ctx.prox,
    eta: ctx.eta,
  });
  let lossSum = 0;
  let lossCount = 0;
  let bytes = 0;
  for (const r of reports) {
    lossSum += r.lossSum;
    lossCount += r.lossCount;
    bytes += r.bytesSent;
  }
  return {
    iter,
    epoch: epochOf(iter, ctx),
    objective: e.objective,
    f: e.f,
    r: e.r,
    stationarity: e.stationarity,
    consensus: e.consensus,
    density: e.density,
    trainAccuracy: e.trainAccuracy,
    testAccuracy: e.testAccuracy,
    localLoss: lossCount > 0 ? lossSum / lossCount : null,
    bitsSent: bytes * 8,
    bytesSent: bytes,
  };
}

/** Epochs = passes over a node's local data: k·b / (mean shard size); one per iteration for 'full'. */
export function epochOf(iter: number, ctx: Pick<AggregateContext, 'shards' | 'batchSize'>): number {
  if (ctx.batchSize === 'full') return iter;
  let total = 0;
  for (const s of ctx.shards) total += s.length;
  return (iter * ctx.batchSize * ctx.shards.length) / total;
}
