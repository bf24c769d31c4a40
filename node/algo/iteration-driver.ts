/**
 * The iteration driver every engine shares: the one-thread simulator (node/sim/run-sim.ts), a
 * simulator thread (node/sim/threads/sim-thread.ts) and a cluster node (node/worker.ts). It owns the
 * cadence of a run of K iterations, so the three cannot drift apart:
 *
 *   evaluate(0)                                  (unless resuming at round R > 0)
 *   for k = R … K−1:
 *     step(k)                                    iteration k, 0-based
 *     iter = k + 1                               iterations completed
 *     evaluate(iter)   when iter ≡ 0 (mod evalEvery) or iter = K
 *     afterIteration(iter, evaluated)            progress
 *     checkpoint(iter) when iter ≡ 0 (mod checkpointEvery) and iter < K, after the row of iter, so a
 *                      checkpoint's metrics include it
 *
 * and the loss window: Σ of each node's minibatch losses f_i(x; ξ) since the previous row and the
 * number of steps in it, summed in iteration order (the order is part of the byte-identity contract
 * between sim and cluster: IEEE sums are not associative).
 */

/** The facts of a config the cadence reads. */
export interface CadenceConfig {
  readonly iterations: number;
  readonly evalEvery: number;
  readonly checkpointEvery?: number;
}

/** Rows at k = 0, every evalEvery and at K (iter = iterations completed). */
export function isEvalPoint(iter: number, c: CadenceConfig): boolean {
  return iter === 0 || iter % c.evalEvery === 0 || iter === c.iterations;
}

/** Checkpoints every checkpointEvery iterations, never at 0 or K (nothing to resume from there). */
export function isCheckpointPoint(iter: number, c: CadenceConfig): boolean {
  const every = c.checkpointEvery ?? 0;
  return every > 0 && iter > 0 && iter % every === 0 && iter < c.iterations;
}

/**
 * Σ_k f_i(x_i^k; ξ_i^k) per node since the previous row, and the number of steps k in it. A row
 * reports the mean sum / count; `reset` starts the next window.
 */
export class LossWindow {
  readonly sums: Float64Array;
  count = 0;

  constructor(nodes: number) {
    this.sums = new Float64Array(nodes);
  }

  /** Adds node i's loss of the current step (call `stepDone` once per step, after every node). */
  add(i: number, loss: number): void {
    this.sums[i] += loss;
  }

  stepDone(): void {
    this.count += 1;
  }

  /** Starts the next window (after a row read the sums). */
  reset(): void {
    this.sums.fill(0);
    this.count = 0;
  }
}

/** What an engine does at each point of the cadence; each hook may be synchronous. */
export interface IterationHooks {
  /** Iteration k (0-based). */
  step(k: number): void | Promise<void>;
  /** A row at `iter` iterations completed (0, every evalEvery, K). */
  evaluate(iter: number): void | Promise<void>;
  /** After iteration k (iter = k + 1) and its row, if any. */
  afterIteration?(iter: number, evaluated: boolean): void;
  /** A checkpoint at `iter` (isCheckpointPoint). */
  checkpoint?(iter: number): void | Promise<void>;
}

const isPromise = (v: unknown): v is Promise<void> => v !== undefined && typeof (v as Promise<void>).then === 'function';

/**
 * Runs iterations start … K−1 (start = 0, or the round a resume restored) with the shared cadence.
 * A resumed run does not evaluate at its start: the rows up to `start` were restored with the state.
 * Synchronous hooks are not awaited, so a thread's tight loop pays no microtask per step.
 */
export async function driveIterations(c: CadenceConfig, start: number, hooks: IterationHooks): Promise<void> {
  const K = c.iterations;
  if (start === 0) {
    const r = hooks.evaluate(0);
    if (isPromise(r)) await r;
  }
  for (let k = start; k < K; k++) {
    const s = hooks.step(k);
    if (isPromise(s)) await s;
    const iter = k + 1;
    const evaluated = isEvalPoint(iter, c);
    if (evaluated) {
      const r = hooks.evaluate(iter);
      if (isPromise(r)) await r;
    }
    hooks.afterIteration?.(iter, evaluated);
    if (hooks.checkpoint !== undefined && isCheckpointPoint(iter, c)) {
      const w = hooks.checkpoint(iter);
      if (isPromise(w)) await w;
    }
  }
}
