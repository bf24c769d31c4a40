/**
 * D-PSGD (Lian et al. 2017) with a prox, no gradient tracking. Order chosen here (adapt-then-combine
 * would differ by one mixing): the gradient is taken at the local x_i^k, the models are gossiped, and
 * the step + prox act on the mixed model:
 *   g_i^k = ∇F_i(x_i^k; B_i^k)
 *   x_i^{k+1} = prox_{ηr}(Σ_j w_ij x_j^k − η g_i^k)        (round k, phase 'x')
 * With heterogeneous f_i and constant η its fixed point is biased by O(η) (spec §9.8).
 */
import type { AlgoParams, NodeAlgorithm, NodeContext, StepStats } from './types.ts';
import { mixInto } from './mix.ts';
import { copy, subScaled } from '../linalg/vec.ts';
import { etaAt } from './step-size.ts';
import { rowAt } from './round-row.ts';

export interface DpsgdState {
  /** x_i^k */
  readonly x: Float64Array;
  /** g_i^k */
  readonly g: Float64Array;
  /** Σ_j w_ij x_j^k scratch */
  readonly mixed: Float64Array;
  readonly decoded: Float64Array;
}

export function dpsgd(params: AlgoParams): NodeAlgorithm<DpsgdState> {
  return {
    name: 'dpsgd',
    pattern: 'graph',
    phases: ['x'],
    async init(ctx: NodeContext, x0: Float64Array): Promise<DpsgdState> {
      const d = ctx.dim;
      return { x: copy(x0, new Float64Array(d)), g: new Float64Array(d), mixed: new Float64Array(d), decoded: new Float64Array(d) };
    },
    async step(ctx: NodeContext, s: DpsgdState, k: number): Promise<StepStats> {
      const eta = etaAt(params, k); // η_k (step-size.ts; constant η unless etaSchedule is set)
      const loss = ctx.oracle.gradient(s.x, ctx.oracle.nextBatch(), s.g);
      mixInto(s.mixed, rowAt(ctx, k), await ctx.comm.exchange(k, 'x', ctx.compressX.compress(s.x, s.decoded)));
      ctx.prox.apply(subScaled(s.mixed, eta, s.g, s.x), eta, s.x);
      return { loss };
    },
    model: (s) => s.x,
    tracker: () => null,
    lastGradient: (s) => s.g,
  };
}
