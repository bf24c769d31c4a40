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
import type { Message } from '../compress/types.ts';
import type { AlgoParams, NodeAlgorithm, NodeContext, StepStats } from './types.ts';
import { compressedGossip, gossipMix, gossipSend, type GossipStep } from './compressed-gossip.ts';
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
  /** the y and x gossip records over this state's vectors (built once by init, not per step) */
  readonly gossipY: GossipStep;
  readonly gossipX: GossipStep;
}

export interface CompressedTrackingOptions {
  readonly name: string;
  /** true: x^{k+1/2} = prox_{ηr}(x − ηy) (CDProxSGT); false: x − ηy (BEER). */
  readonly proximal: boolean;
}

export function makeCompressedTracking(opts: CompressedTrackingOptions) {
  return (params: AlgoParams): NodeAlgorithm<CDProxSgtState> => {
    const { gammaX, gammaY } = params;
    const yStep = (_ctx: NodeContext, s: CDProxSgtState): GossipStep => s.gossipY;
    const xStep = (_ctx: NodeContext, s: CDProxSgtState): GossipStep => s.gossipX;

    // The per-node phases of one iteration; `step` and `stepBatch` run exactly these, in this order.
    /** g = ∇F_i(x; B); y^{k−1/2} = y + g − g^prev; g^prev ← g. Returns the minibatch loss. */
    const gradientPhase = (ctx: NodeContext, s: CDProxSgtState): number => {
      const loss = ctx.oracle.gradient(s.x, ctx.oracle.nextBatch(), s.g);
      trackerHalfStep(s.y, s.g, s.gPrev);
      copy(s.g, s.gPrev);
      return loss;
    };
    /** x^{k+1/2} = prox_{η_k r}(x − η_k y^k) (or x − η_k y^k without the prox); η_k = etaAt(params, k). */
    const proxPhase = (ctx: NodeContext, s: CDProxSgtState, k: number): void => {
      const eta = etaAt(params, k); // η_k (step-size.ts; constant η unless etaSchedule is set)
      subScaled(s.x, eta, s.y, s.x);
      if (opts.proximal) ctx.prox.apply(s.x, eta, s.x);
    };

    const arena = new StateArena();
    return {
      name: opts.name,
      pattern: 'graph',
      phases: ['y', 'x'],
      async init(ctx: NodeContext, x0: Float64Array): Promise<CDProxSgtState> {
        const d = ctx.dim;
        // node-major structure of arrays: the ten vectors of a node are consecutive in one arena
        // chunk shared by consecutive nodes (~1 MB, or one node when a node needs more), instead
        // of ten typed arrays per node; at 10,000 nodes this keeps set-up and GC small
        const buf = arena.take(10 * d);
        let at = 0;
        const z = () => {
          const v = buf.subarray(at, at + d);
          at += d;
          return v;
        };
        const [x, y, g, gPrev, xRef, yRef, sx, sy, diff, decoded] = Array.from({ length: 10 }, z);
        copy(x0, x);
        return {
          x,
          y,
          g,
          gPrev,
          xRef,
          yRef,
          sx,
          sy,
          diff,
          decoded,
          gossipY: { phase: 'y', compressor: ctx.compressY, gamma: gammaY, v: y, ref: yRef, agg: sy },
          gossipX: { phase: 'x', compressor: ctx.compressX, gamma: gammaX, v: x, ref: xRef, agg: sx },
        };
      },
      async step(ctx: NodeContext, s: CDProxSgtState, k: number): Promise<StepStats> {
        const loss = gradientPhase(ctx, s);
        // q^y = Q_y[y − y̲]; y̲ += q^y; s^y += Σ_j w_ij q^y_j; y^k = y^{k−1/2} + γ_y (s^y − y̲)
        await compressedGossip(ctx, k, yStep(ctx, s), s);
        proxPhase(ctx, s, k);
        // q^x = Q_x[x − x̲]; x̲ += q^x; s^x += Σ_j w_ij q^x_j; x^{k+1} = x^{k+1/2} + γ_x (s^x − x̲)
        await compressedGossip(ctx, k, xStep(ctx, s), s);
        return { loss };
      },
      stepBatch(contexts, states, k, exchange): StepStats[] {
        const n = contexts.length;
        const stats: StepStats[] = new Array(n);
        const msgs: Message[] = new Array(n);
        const incoming: Message[] = [];
        /** node b's incoming messages (all = the exchange's messages by node id), aligned with its row. */
        const inbox = (ctx: NodeContext, all: readonly Message[]): readonly Message[] => {
          const ids = ctx.peers.ids;
          incoming.length = ids.length;
          for (let p = 0; p < ids.length; p++) incoming[p] = all[ids[p]];
          return incoming;
        };
        for (let b = 0; b < n; b++) {
          stats[b] = { loss: gradientPhase(contexts[b], states[b]) };
          msgs[b] = gossipSend(yStep(contexts[b], states[b]), states[b]);
        }
        const ys = exchange.exchangeAll(k, 'y', msgs);
        for (let b = 0; b < n; b++) gossipMix(contexts[b], yStep(contexts[b], states[b]), inbox(contexts[b], ys));
        for (let b = 0; b < n; b++) {
          proxPhase(contexts[b], states[b], k);
          msgs[b] = gossipSend(xStep(contexts[b], states[b]), states[b]);
        }
        const xs = exchange.exchangeAll(k, 'x', msgs);
        for (let b = 0; b < n; b++) gossipMix(contexts[b], xStep(contexts[b], states[b]), inbox(contexts[b], xs));
        return stats;
      },
      model: (s) => s.x,
      tracker: (s) => s.y,
      lastGradient: (s) => s.g,
    };
  };
}

/** Zeroed Float64Array views carved from ~1 MB chunks (never reused; a chunk lives while a view does). */
class StateArena {
  private chunk = new Float64Array(0);
  private at = 0;

  take(len: number): Float64Array {
    if (this.at + len > this.chunk.length) {
      this.chunk = new Float64Array(Math.max(len, 1 << 17));
      this.at = 0;
    }
    const v = this.chunk.subarray(this.at, this.at + len);
    this.at += len;
    return v;
  }
}

/** CDProxSGT (Algorithm 2). */
export const cdproxsgt = makeCompressedTracking({ name: 'cdproxsgt', proximal: true });
