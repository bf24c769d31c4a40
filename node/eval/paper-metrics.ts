/**
 * The metrics as the paper's authors log them (paper-spec §5.2), written to paper-metrics.ndjson
 * next to metrics.ndjson when the config sets `metrics: { paper: true }`. The standard metrics row is
 * not touched. One row per evaluation, keys in this order:
 *
 *   iter                 k
 *   epoch                k / ⌊m/b⌋: the authors' epoch (SubsetRandomSampler with drop_last, §6.1),
 *                        m = mean shard size; k for batchSize 'full'. (metrics.ndjson's epoch is k·b/m.)
 *   consensusSum         Σ_i ‖x_i − x̄‖² (allreduce-SUM, NOT divided by n; = n · metrics.consensus)
 *   testAccuracy         accuracy of x̄ on the whole test set (= metrics.testAccuracy)
 *   localTestAccuracyMean, …Min, …Max
 *                        accuracy of each local model x_i on the whole test set: mean, min, max over i
 *   localLoss            mean over nodes and over the iterations since the previous row of the
 *                        minibatch loss before the update (= metrics.localLoss; with evalEvery = one
 *                        epoch it is the authors' "train loss", which §5.3 infers feeds the
 *                        "Objective" panel)
 *
 * Accuracy values are null when there is no test set. Pure and deterministic: node order, fixed sums.
 */
import type { Dataset, Model, Shard } from '../problem/types.ts';
import { averageModels } from './evaluate.ts';

export interface PaperMetricsRow {
  iter: number;
  epoch: number;
  consensusSum: number;
  testAccuracy: number | null;
  localTestAccuracyMean: number | null;
  localTestAccuracyMin: number | null;
  localTestAccuracyMax: number | null;
  localLoss: number | null;
}

export interface PaperMetricsContext {
  readonly model: Model;
  readonly test: Dataset | null;
  readonly shards: readonly Shard[];
  readonly batchSize: number | 'full';
}

export interface PaperMetricsInput {
  readonly iter: number;
  /** x_i for i = 0..n−1, node order. */
  readonly xs: readonly Float64Array[];
  /** The standard row's localLoss (null at k = 0). */
  readonly localLoss: number | null;
}

/** Iterations per epoch in the authors' sense: ⌊m/b⌋ with m the mean shard size (≥ 1); 1 for 'full'. */
export function authorsItersPerEpoch(shards: readonly Shard[], batchSize: number | 'full'): number {
  if (batchSize === 'full') return 1;
  let total = 0;
  for (const s of shards) total += s.length;
  return Math.max(1, Math.floor(total / shards.length / batchSize));
}

/** Σ_i ‖x_i − x̄‖², summed in node order then coordinate order. */
export function consensusSum(xs: readonly Float64Array[], xbar: Float64Array): number {
  let s = 0;
  for (const x of xs) {
    for (let j = 0; j < xbar.length; j++) {
      const t = x[j] - xbar[j];
      s += t * t;
    }
  }
  return s;
}

export function paperMetrics(input: PaperMetricsInput, ctx: PaperMetricsContext): PaperMetricsRow {
  const { xs, iter } = input;
  const n = xs.length;
  if (n === 0 || ctx.shards.length !== n) {
    throw new RangeError(`paperMetrics: need one model per shard (models ${n}, shards ${ctx.shards.length})`);
  }
  const xbar = averageModels(xs, new Float64Array(ctx.model.dim));
  let acc: number | null = null;
  let mean: number | null = null;
  let min: number | null = null;
  let max: number | null = null;
  if (ctx.test !== null) {
    acc = ctx.model.accuracy(xbar, ctx.test, null);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) {
      const a = ctx.model.accuracy(x, ctx.test, null);
      sum += a;
      if (a < lo) lo = a;
      if (a > hi) hi = a;
    }
    mean = sum / n;
    min = lo;
    max = hi;
  }
  return {
    iter,
    epoch: iter / authorsItersPerEpoch(ctx.shards, ctx.batchSize),
    consensusSum: consensusSum(xs, xbar),
    testAccuracy: acc,
    localTestAccuracyMean: mean,
    localTestAccuracyMin: min,
    localTestAccuracyMax: max,
    localLoss: input.localLoss,
  };
}
