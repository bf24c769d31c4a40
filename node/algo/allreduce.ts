/**
 * AllReduce baseline (paper-spec §6.5): each worker takes a local proximal step, then the models are
 * averaged exactly over all n workers:
 *   x^{k+1} = (1/n) Σ_i prox_{ηr}(x^k − η g_i^k)
 * pattern 'all': ctx.peers is the row of J = 11ᵀ/n (all ids, weights 1/n). As in the authors' code,
 * the initial models are averaged first (init exchanges x_i^0 at round −1, phase 'x').
 */
import type { AlgoParams, NodeAlgorithm, NodeContext, StepStats } from './types.ts';
import { mixInto } from './mix.ts';
import { copy, subScaled } from '../linalg/vec.ts';
import { etaAt } from './step-size.ts';

export interface AllReduceState {
  /** x^k (identical on every worker after init) */
  readonly x: Float64Array;
  /** g_i^k */
  readonly g: Float64Array;
  /** prox_{ηr}(x^k − η g_i^k) scratch */
  readonly half: Float64Array;
  readonly decoded: Float64Array;
}

export function allreduce(params: AlgoParams): NodeAlgorithm<AllReduceState> {
  return {
    name: 'allreduce',
    pattern: 'all',
    phases: ['x'],
    initPhases: ['x'],
    async init(ctx: NodeContext, x0: Float64Array): Promise<AllReduceState> {
      const d = ctx.dim;
      const s: AllReduceState = {
        x: new Float64Array(d),
        g: new Float64Array(d),
        half: copy(x0, new Float64Array(d)),
        decoded: new Float64Array(d),
      };
      mixInto(s.x, ctx.peers, await ctx.comm.exchange(-1, 'x', ctx.compressX.compress(s.half, s.decoded)));
      return s;
    },
    async step(ctx: NodeContext, s: AllReduceState, k: number): Promise<StepStats> {
      const eta = etaAt(params, k); // η_k (step-size.ts; constant η unless etaSchedule is set)
      const loss = ctx.oracle.gradient(s.x, ctx.oracle.nextBatch(), s.g);
      ctx.prox.apply(subScaled(s.x, eta, s.g, s.half), eta, s.half);
      mixInto(s.x, ctx.peers, await ctx.comm.exchange(k, 'x', ctx.compressX.compress(s.half, s.decoded)));
      return { loss };
    },
    model: (s) => s.x,
    tracker: () => null,
    lastGradient: (s) => s.g,
  };
}
