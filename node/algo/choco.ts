/**
 * Choco-SGD (Koloskova, Stich, Jaggi 2019), paper-spec §6.5: compressed gossip of the model through
 * public copies x̂, with a plain local SGD step. No gradient tracking and NO prox: the run's
 * regularizer is ignored, as in the authors' code. Per worker i, iteration k:
 *   x_i ← x_i − η g_i^k
 *   q_i = Q_x[x_i − x̂_i];  x̂_i ← x̂_i + q_i        (q_i = the decoded vector)
 *   s_i ← s_i + Σ_j w_ij q_j     (round k, phase 'x'; s_i = Σ_j w_ij x̂_j kept incrementally, like CDProxSGT)
 *   x_i ← x_i + γ_x (s_i − x̂_i)
 * x̂ and s start at 0.
 */
import type { AlgoParams, NodeAlgorithm, NodeContext, StepStats } from './types.ts';
import { compressedGossip } from './compressed-gossip.ts';
import { copy, subScaled } from '../linalg/vec.ts';
import { etaAt } from './step-size.ts';

export interface ChocoState {
  /** x_i */
  readonly x: Float64Array;
  /** g_i^k */
  readonly g: Float64Array;
  /** x̂_i, own public copy */
  readonly xHat: Float64Array;
  /** s_i = Σ_j w_ij x̂_j */
  readonly s: Float64Array;
  readonly diff: Float64Array;
  readonly decoded: Float64Array;
}

export function choco(params: AlgoParams): NodeAlgorithm<ChocoState> {
  const { gammaX } = params;
  return {
    name: 'choco',
    pattern: 'graph',
    phases: ['x'],
    async init(ctx: NodeContext, x0: Float64Array): Promise<ChocoState> {
      const d = ctx.dim;
      const z = () => new Float64Array(d);
      return { x: copy(x0, z()), g: z(), xHat: z(), s: z(), diff: z(), decoded: z() };
    },
    async step(ctx: NodeContext, st: ChocoState, k: number): Promise<StepStats> {
      const eta = etaAt(params, k); // η_k (step-size.ts; constant η unless etaSchedule is set)
      const loss = ctx.oracle.gradient(st.x, ctx.oracle.nextBatch(), st.g);
      subScaled(st.x, eta, st.g, st.x);
      // q = Q_x[x − x̂]; x̂ += q; s += Σ_j w_ij q_j; x += γ_x (s − x̂)
      await compressedGossip(ctx, k, { phase: 'x', compressor: ctx.compressX, gamma: gammaX, v: st.x, ref: st.xHat, agg: st.s }, st);
      return { loss };
    },
    model: (s) => s.x,
    tracker: () => null,
    lastGradient: (s) => s.g,
  };
}
