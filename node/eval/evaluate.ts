/**
 * Evaluation of the network average x̄ (brief "Results"). Pure: the simulator and the cluster
 * coordinator call this same function on the same node-ordered models, so their metrics agree bit
 * for bit. Every sum runs in a fixed order (ascending node id, ascending coordinate).
 */
import type { Dataset, Model, Shard } from '../problem/types.ts';
import type { Prox } from '../prox/types.ts';

export interface EvalProblem {
  readonly model: Model;
  readonly train: Dataset;
  readonly test: Dataset | null;
  /** Node i's training indices, node order. */
  readonly shards: readonly Shard[];
  /**
   * Optional (config `evaluation.trainSamplesPerNode`): the subset of shard i that f_i, ∇f_i and the
   * train accuracy use, node order (node/eval/eval-subset.ts). Absent = the whole shards, and the
   * train accuracy over every training sample.
   */
  readonly evalShards?: readonly Shard[];
}

export interface EvalInput {
  /** x_i for i = 0..n-1, node order. */
  readonly xs: readonly Float64Array[];
  readonly problem: EvalProblem;
  readonly prox: Prox;
  /** η > 0, the step size in the prox-gradient mapping. */
  readonly eta: number;
}

export interface EvalMetrics {
  /** φ(x̄) = f(x̄) + r(x̄) */
  readonly objective: number;
  /** f(x̄) = (1/n)Σ_i f_i(x̄), f_i = mean loss over shard i (over its evaluation subset when set) */
  readonly f: number;
  /** r(x̄) */
  readonly r: number;
  /** ‖x̄ − prox_{ηr}(x̄ − η∇f(x̄))‖ / η */
  readonly stationarity: number;
  /** (1/n)Σ_i ‖x_i − x̄‖² */
  readonly consensus: number;
  /** fraction of coordinates with |x̄_j| > 1e-12 */
  readonly density: number;
  /** accuracy of x̄ over every training sample (over the union of the evaluation subsets when set) */
  readonly trainAccuracy: number;
  /** accuracy of x̄ over the test set, null without one */
  readonly testAccuracy: number | null;
}

/** Coordinates with |x̄_j| at or below this count as zero in `density`. */
export const DENSITY_THRESHOLD = 1e-12;

/** x̄ = (Σ_i x_i)/n, summed in ascending node order, then divided by n. */
export function averageModels(xs: readonly Float64Array[], out: Float64Array): Float64Array {
  const n = xs.length;
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    for (let j = 0; j < out.length; j++) out[j] += x[j];
  }
  for (let j = 0; j < out.length; j++) out[j] /= n;
  return out;
}

export function evaluate(input: EvalInput): EvalMetrics {
  const { xs, problem, prox, eta } = input;
  const { model, train, test } = problem;
  const shards = problem.evalShards ?? problem.shards;
  const n = xs.length;
  if (n === 0 || shards.length !== n || problem.shards.length !== n) {
    throw new RangeError(
      `evaluate: need one model per shard (models ${n}, shards ${problem.shards.length}, evaluation shards ${shards.length})`,
    );
  }
  const d = model.dim;
  const xbar = averageModels(xs, new Float64Array(d));

  // f and ∇f = (1/n)Σ_i ∇f_i(x̄), summed in node order, then divided by n. The accuracy needs a
  // second pass over the same samples: Model.lossGrad does not return predictions.
  const grad = new Float64Array(d);
  const gi = new Float64Array(d);
  let fSum = 0;
  for (let i = 0; i < n; i++) {
    fSum += model.lossGrad(xbar, train, shards[i], gi);
    for (let j = 0; j < d; j++) grad[j] += gi[j];
  }
  const f = fSum / n;
  for (let j = 0; j < d; j++) grad[j] /= n;

  const r = prox.value(xbar);

  // Prox-gradient mapping: G = (x̄ − prox_{ηr}(x̄ − η∇f(x̄)))/η.
  const v = new Float64Array(d);
  for (let j = 0; j < d; j++) v[j] = xbar[j] - eta * grad[j];
  prox.apply(v, eta, v);
  let s2 = 0;
  for (let j = 0; j < d; j++) {
    const t = xbar[j] - v[j];
    s2 += t * t;
  }
  const stationarity = Math.sqrt(s2) / eta;

  let cons = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    for (let j = 0; j < d; j++) {
      const t = x[j] - xbar[j];
      cons += t * t;
    }
  }
  const consensus = cons / n;

  let nz = 0;
  for (let j = 0; j < d; j++) if (Math.abs(xbar[j]) > DENSITY_THRESHOLD) nz++;

  return {
    objective: f + r,
    f,
    r,
    stationarity,
    consensus,
    density: d === 0 ? 0 : nz / d,
    trainAccuracy: model.accuracy(xbar, train, problem.evalShards ? concat(problem.evalShards) : null),
    testAccuracy: test ? model.accuracy(xbar, test, null) : null,
  };
}

/** The evaluation subsets joined in node order (accuracy = correct / Σ_i m_i, exactly). */
function concat(parts: readonly Shard[]): Int32Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Int32Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
