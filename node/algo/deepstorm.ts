/**
 * DEEPSTORM (Mancino-Ball, Miao, Xu, Chen 2023), paper-spec §6.5, in the authors' update order:
 *   x_i^{k+1} = prox_{ηr}(Σ_j w_ij x_j^k − η y_i^k)                        (round k, phase 'x')
 *   d_i^{k+1} = ∇F_i(x_i^{k+1}; ξ^{k+1}) + (1 − β)(d_i^k − ∇F_i(x_i^k; ξ^{k+1}))   (two evaluations, SAME batch)
 *   y_i^{k+1} = Σ_j w_ij (y_j^k + d_j^{k+1} − d_j^k)                      (round k, phase 'y')
 * Init: d_i^0 = mean of `initBatches` minibatch gradients at x_i^0; y_i^0 = Σ_j w_ij d_j^0 (round −1,
 * phase 'y'). The tracker invariant is mean(y) = mean(d), so lastGradient() returns d_i (the STORM
 * estimator), not a raw minibatch gradient.
 */
import type { AlgoParams, NodeAlgorithm, NodeContext, StepStats } from './types.ts';
import { mixInto } from './mix.ts';
import { axpy, copy, scale, subScaled } from '../linalg/vec.ts';
import { etaAt } from './step-size.ts';
import { rowAt } from './round-row.ts';

export interface DeepstormState {
  /** x_i^k */
  readonly x: Float64Array;
  /** x_i^{k} kept while x_i^{k+1} is formed */
  readonly xPrev: Float64Array;
  /** y_i^k */
  readonly y: Float64Array;
  /** d_i^k */
  readonly d: Float64Array;
  /** ∇F_i(x^{k+1}; ξ) and ∇F_i(x^k; ξ) scratch */
  readonly gNew: Float64Array;
  readonly gOld: Float64Array;
  /** mixing / message scratch */
  readonly tmp: Float64Array;
  readonly decoded: Float64Array;
}

export function deepstorm(params: AlgoParams): NodeAlgorithm<DeepstormState> {
  const { beta, initBatches } = params;
  return {
    name: 'deepstorm',
    pattern: 'graph',
    phases: ['x', 'y'],
    initPhases: ['y'],
    async init(ctx: NodeContext, x0: Float64Array): Promise<DeepstormState> {
      const dim = ctx.dim;
      const z = () => new Float64Array(dim);
      const s: DeepstormState = { x: copy(x0, z()), xPrev: z(), y: z(), d: z(), gNew: z(), gOld: z(), tmp: z(), decoded: z() };
      // d⁰ = (1/B) Σ_b ∇F_i(x⁰; ξ_b), summed in draw order then scaled.
      for (let b = 0; b < initBatches; b++) {
        ctx.oracle.gradient(s.x, ctx.oracle.nextBatch(), s.gNew);
        axpy(1, s.gNew, s.d, s.d);
      }
      scale(1 / initBatches, s.d, s.d);
      mixInto(s.y, rowAt(ctx, -1), await ctx.comm.exchange(-1, 'y', ctx.compressY.compress(s.d, s.decoded)));
      return s;
    },
    async step(ctx: NodeContext, s: DeepstormState, k: number): Promise<StepStats> {
      const eta = etaAt(params, k); // η_k (step-size.ts; constant η unless etaSchedule is set)
      copy(s.x, s.xPrev);
      mixInto(s.tmp, rowAt(ctx, k), await ctx.comm.exchange(k, 'x', ctx.compressX.compress(s.x, s.decoded)));
      ctx.prox.apply(subScaled(s.tmp, eta, s.y, s.x), eta, s.x);

      const batch = ctx.oracle.nextBatch();
      const loss = ctx.oracle.gradient(s.xPrev, batch, s.gOld);
      ctx.oracle.gradient(s.x, batch, s.gNew);
      // d ← d^{k+1} and tmp ← y^k + d^{k+1} − d^k (the phase-'y' message), in one pass.
      const oneMinusBeta = 1 - beta;
      for (let j = 0; j < s.x.length; j++) {
        const dNew = s.gNew[j] + oneMinusBeta * (s.d[j] - s.gOld[j]);
        s.tmp[j] = s.y[j] + dNew - s.d[j];
        s.d[j] = dNew;
      }
      mixInto(s.y, rowAt(ctx, k), await ctx.comm.exchange(k, 'y', ctx.compressY.compress(s.tmp, s.decoded)));
      return { loss };
    },
    model: (s) => s.x,
    tracker: (s) => s.y,
    lastGradient: (s) => s.d,
  };
}
