/**
 * CDProxSGT (paper-spec §3.2), per worker i. State: x_i, y_i, g_i^prev, the public reference copies
 * x̲_i, y̲_i and the neighbour aggregates s^x_i = Σ_j w_ij x̲_j, s^y_i = Σ_j w_ij y̲_j, all float64;
 * copies and aggregates start at 0. Iteration k:
 *   g_i^k = ∇F_i(x_i^k; B_i^k)
 *   y_i^{k−1/2} = y_i^{k−1} + g_i^k − g_i^{k−1}
 *   q^y_i = Q_y[y_i^{k−1/2} − y̲_i];  y̲_i ← y̲_i + q^y_i             (q^y_i = the decoded vector)
 *   s^y_i ← s^y_i + Σ_j w_ij q^y_j   (round k, phase 'y'; j ascending, self included)
 *   y_i^k = y_i^{k−1/2} + γ_y (s^y_i − y̲_i)
 *   x_i^{k+1/2} = prox_{ηr}(x_i^k − η y_i^k)
 *   q^x_i = Q_x[x_i^{k+1/2} − x̲_i];  x̲_i ← x̲_i + q^x_i
 *   s^x_i ← s^x_i + Σ_j w_ij q^x_j   (round k, phase 'x')
 *   x_i^{k+1} = x_i^{k+1/2} + γ_x (s^x_i − x̲_i)
 * The sender adds exactly the decoded Q(v) that `compress` wrote (and that receivers decode from the
 * message), which keeps mean(y) = mean(g) exact for any Q and γ_y (spec §9.6).
 *
 * BEER (spec §3.3) is the same scheme without the prox: x^{k+1/2} = x^k − η y^k (`proximal: false`).
 */
import type { AlgoParams, NodeAlgorithm, NodeContext, StepStats } from './types.ts';
import { compressedGossip } from './compressed-gossip.ts';
import { trackerHalfStep } from './dproxsgt.ts';
import { copy, subScaled } from '../linalg/vec.ts';
import { etaAt } from './step-size.ts';

export interface CDProxSgtState {
  /** x_i^k (x_i^{k+1/2} between the prox and the x-exchange) */
  readonly x: Float64Array;
  /** y_i (float64 tracker) */
  readonly y: Float64Array;
  /** g_i^k */
  readonly g: Float64Array;
  /** g_i^{k−1} */
  readonly gPrev: Float64Array;
  /** x̲_i, own public copy of x */
  readonly xRef: Float64Array;
  /** y̲_i, own public copy of y */
  readonly yRef: Float64Array;
  /** s^x_i = Σ_j w_ij x̲_j, maintained incrementally */
  readonly sx: Float64Array;
  /** s^y_i = Σ_j w_ij y̲_j, maintained incrementally */
  readonly sy: Float64Array;
  /** scratch: the difference fed to Q */
  readonly diff: Float64Array;
  /** scratch: Q(diff) as decoded */
  readonly decoded: Float64Array;
}

export interface CompressedTrackingOptions {
  readonly name: string;
  /** true: x^{k+1/2} = prox_{ηr}(x − ηy) (CDProxSGT); false: x − ηy (BEER). */
  readonly proximal: boolean;
}

export function makeCompressedTracking(opts: CompressedTrackingOptions) {
  return (params: AlgoParams): NodeAlgorithm<CDProxSgtState> => {
    const { gammaX, gammaY } = params;
    return {
      name: opts.name,
      pattern: 'graph',
      phases: ['y', 'x'],
      async init(ctx: NodeContext, x0: Float64Array): Promise<CDProxSgtState> {
        const d = ctx.dim;
        const z = () => new Float64Array(d);
        return { x: copy(x0, z()), y: z(), g: z(), gPrev: z(), xRef: z(), yRef: z(), sx: z(), sy: z(), diff: z(), decoded: z() };
      },
      async step(ctx: NodeContext, s: CDProxSgtState, k: number): Promise<StepStats> {
        const eta = etaAt(params, k); // η_k (step-size.ts; constant η unless etaSchedule is set)
        const loss = ctx.oracle.gradient(s.x, ctx.oracle.nextBatch(), s.g);
        trackerHalfStep(s.y, s.g, s.gPrev);
        copy(s.g, s.gPrev);

        // q^y = Q_y[y − y̲]; y̲ += q^y; s^y += Σ_j w_ij q^y_j; y^k = y^{k−1/2} + γ_y (s^y − y̲)
        await compressedGossip(ctx, k, { phase: 'y', compressor: ctx.compressY, gamma: gammaY, v: s.y, ref: s.yRef, agg: s.sy }, s);

        subScaled(s.x, eta, s.y, s.x);
        if (opts.proximal) ctx.prox.apply(s.x, eta, s.x);

        // q^x = Q_x[x − x̲]; x̲ += q^x; s^x += Σ_j w_ij q^x_j; x^{k+1} = x^{k+1/2} + γ_x (s^x − x̲)
        await compressedGossip(ctx, k, { phase: 'x', compressor: ctx.compressX, gamma: gammaX, v: s.x, ref: s.xRef, agg: s.sx }, s);
        return { loss };
      },
      model: (s) => s.x,
      tracker: (s) => s.y,
      lastGradient: (s) => s.g,
    };
  };
}

/** CDProxSGT (Algorithm 2). */
export const cdproxsgt = makeCompressedTracking({ name: 'cdproxsgt', proximal: true });
