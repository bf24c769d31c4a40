/**
 * Turns the n nodes' reports for one evaluation point into one metrics.ndjson row. The simulator and
 * the cluster coordinator both call this, with reports in node order, so their rows are
 * byte-identical: every sum runs in the same order (node 0..n−1; each node's lossSum was accumulated
 * in iteration order on the node itself).
 */
import type { Prox } from '../prox/types.ts';
import type { Dataset, Model, Shard } from '../problem/types.ts';
import type { MetricsRow, NodeReport } from '../results/metrics-row.ts';
import { exchangesAt, plannedNodeWire, type WireCounts, type WirePlan } from '../results/wire-accounting.ts';
import { ProxmeshError } from '../errors.ts';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import { evaluate } from './evaluate.ts';

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
  /** Optional: the exchange schedule, to count the protocol's bytes of reports that carry no `wire`. */
  readonly wire?: WirePlan;
  /** Optional: sees every complete set of reports (the coordinator keeps the last for edges.csv). */
  readonly onReports?: (reports: readonly NodeReport[]) => void;
  /** Optional: the simulated clock (node/clock/row-clock.ts), advanced by every complete set of reports, in row order. */
  readonly clock?: { advance(reports: readonly NodeReport[]): number; registerState?(reg: StateRegistrar, prefix: string): void };
}

export function aggregateReports(reports: readonly NodeReport[], ctx: AggregateContext): MetricsRow {
  const n = ctx.shards.length;
  if (reports.length !== n) throw new Error(`aggregateReports: expected ${n} reports, got ${reports.length}`);
  const iter = reports[0].iter;
  reports.forEach((r, i) => {
    if (r.nodeId !== i || r.iter !== iter)
      throw new Error(`aggregateReports: report ${i} is node ${r.nodeId} iter ${r.iter}, expected node ${i} iter ${iter}`);
  });
  const e = evaluate({
    xs: reports.map((r) => r.x),
    problem: {
      model: ctx.model,
      train: ctx.train,
      test: ctx.test,
      shards: ctx.shards,
      ...(ctx.evalShards ? { evalShards: ctx.evalShards } : {}),
    },
    prox: ctx.prox,
    eta: ctx.eta,
  });
  let lossSum = 0;
  let lossCount = 0;
  let bytes = 0;
  let envelope: number | null = 0;
  let control: number | null = 0;
  for (const r of reports) {
    lossSum += r.lossSum;
    lossCount += r.lossCount;
    bytes += r.bytesSent;
    const w = wireOf(r, ctx.wire);
    if (w === null || envelope === null || control === null) {
      envelope = control = null;
    } else {
      envelope += w.envelopeBytes;
      control += w.controlBytes;
    }
  }
  ctx.onReports?.(reports);
  const simTime = ctx.clock?.advance(reports);
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
    envelopeBytes: envelope,
    controlBytes: control,
    wireBytes: envelope === null || control === null ? null : bytes + envelope + control,
    ...(simTime === undefined ? {} : { simTime }),
  };
}

/**
 * A node's wire counts: its own (counted from its exchanges), else the plan's. When both exist they
 * must agree; a difference means an algorithm exchanged other than its declared phases.
 */
function wireOf(r: NodeReport, plan: WirePlan | undefined): WireCounts | null {
  const planned = plan === undefined ? null : plannedNodeWire(plan, r.nodeId, exchangesAt(plan, r.iter));
  if (r.wire === undefined) return planned;
  if (planned !== null && (planned.envelopeBytes !== r.wire.envelopeBytes || planned.controlBytes !== r.wire.controlBytes)) {
    throw new ProxmeshError(
      'PROXMESH_ERR_INTERNAL',
      `node ${r.nodeId} at iteration ${r.iter} counted ${r.wire.envelopeBytes} + ${r.wire.controlBytes} wire bytes, the exchange schedule gives ${planned.envelopeBytes} + ${planned.controlBytes}`,
      { node: r.nodeId, iter: r.iter },
    );
  }
  return r.wire;
}

/** Epochs = passes over a node's local data: k·b / (mean shard size); one per iteration for 'full'. */
export function epochOf(iter: number, ctx: Pick<AggregateContext, 'shards' | 'batchSize'>): number {
  if (ctx.batchSize === 'full') return iter;
  let total = 0;
  for (const s of ctx.shards) total += s.length;
  return (iter * ctx.batchSize * ctx.shards.length) / total;
}
