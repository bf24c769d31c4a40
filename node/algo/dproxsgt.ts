/**
 * DProxSGT (paper-spec §2.2), per worker i, in the paper's order:
 *   g_i^k = ∇F_i(x_i^k; B_i^k)
 *   y_i^{k−1/2} = y_i^{k−1} + g_i^k − g_i^{k−1}          (Y^{−1} = G^{−1} = 0)
 *   y_i^k = Σ_j w_ij y_j^{k−1/2}                         (round k, phase 'y')
 *   x_i^{k+1/2} = prox_{ηr}(x_i^k − η y_i^k)             (the MIXED tracker, 2023 / Compress code; default)
 *   x_i^{k+1} = Σ_j w_ij x_j^{k+1/2}                     (round k, phase 'x')
 * Messages go through ctx.compressY / ctx.compressX, which are identity (dense) compressors for this
 * algorithm, so the same codec path carries them on a cluster.
 *
 * `stepTracker: 'unmixed'` (AlgoParams) steps with the UN-mixed tracker instead, as the authors'
 * RegL1 code does (RegL1_FMNIST/core.py, train_DProxSGT: `param.grad.copy_(yy)` before the y-exchange):
 *   x_i^{k+1/2} = prox_{ηr}(x_i^k − η y_i^{k−1/2})
 * The exchanges and the tracker recursion are unchanged (y_i^{k−1/2} = Σ_j w_ij y_j^{k−3/2} + g_i^k −
 * g_i^{k−1}), so mean(y) = mean(g) still holds; only the step skips one mixing of the fresh gradient
 * difference, which lets more of its node-to-node spread reach x (docs/reproduction.md, "Initialisation
 * and consensus error: findings").
 */
import type { Message } from '../compress/types.ts';
import type { AlgoParams, NodeAlgorithm, NodeContext, StepStats } from './types.ts';
import { mixInto } from './mix.ts';
import { copy, subScaled } from '../linalg/vec.ts';
import { etaAt } from './step-size.ts';
import { rowAt } from './round-row.ts';

export interface DProxSgtState {
  /** x_i^k */
  readonly x: Float64Array;
  /** y_i^{k−1} before a step, y_i^k (mixed) after the y-exchange */
  readonly y: Float64Array;
  /** g_i^k, the latest stochastic gradient */
  readonly g: Float64Array;
  /** g_i^{k−1} (0 before the first step) */
  readonly gPrev: Float64Array;
  /** decoded-message scratch (what the compressor writes as Q(v)) */
  readonly decoded: Float64Array;
  /** x_i^{k+1/2} scratch */
  readonly half: Float64Array;
}

/**
 * y ← g + (y − gPrev): the tracker update y^{k−1/2} = y^{k−1} + g^k − g^{k−1}, associated so that a
 * single node (y^{k−1} = g^{k−1} bitwise) gets y^{k−1/2} = g^k bitwise (spec §9.3).
 */
export function trackerHalfStep(y: Float64Array, g: Float64Array, gPrev: Float64Array): void {
  for (let j = 0; j < y.length; j++) y[j] = g[j] + (y[j] - gPrev[j]);
}

export function makeDProxSgt(name: string) {
  return (params: AlgoParams): NodeAlgorithm<DProxSgtState> => {
    const unmixed = params.stepTracker === 'unmixed';
    // The per-node phases of one iteration; `step` and `stepBatch` run exactly these, in this order.
    /** g = ∇F_i(x; B); y^{k−1/2} = y + g − g^prev; g^prev ← g. Returns the minibatch loss. */
    const gradientPhase = (ctx: NodeContext, s: DProxSgtState): number => {
      const loss = ctx.oracle.gradient(s.x, ctx.oracle.nextBatch(), s.g);
      trackerHalfStep(s.y, s.g, s.gPrev);
      copy(s.g, s.gPrev);
      return loss;
    };
    /**
     * x^{k+1/2} = prox_{η_k r}(x − η_k y) into `half`, with y = y^k (mixed, default: after the
     * y-exchange) or y = y^{k−1/2} ('unmixed': before the y-exchange overwrites it).
     */
    const proxPhase = (ctx: NodeContext, s: DProxSgtState, k: number): void => {
      const eta = etaAt(params, k); // η_k (step-size.ts; constant η unless etaSchedule is set)
      ctx.prox.apply(subScaled(s.x, eta, s.y, s.half), eta, s.half);
    };
    return {
      name,
      pattern: 'graph',
      phases: ['y', 'x'],
      async init(ctx: NodeContext, x0: Float64Array): Promise<DProxSgtState> {
        const d = ctx.dim;
        return {
          x: copy(x0, new Float64Array(d)),
          y: new Float64Array(d),
          g: new Float64Array(d),
          gPrev: new Float64Array(d),
          decoded: new Float64Array(d),
          half: new Float64Array(d),
        };
      },
      async step(ctx: NodeContext, s: DProxSgtState, k: number): Promise<StepStats> {
        const loss = gradientPhase(ctx, s);
        if (unmixed) proxPhase(ctx, s, k);
        const yMsgs = await ctx.comm.exchange(k, 'y', ctx.compressY.compress(s.y, s.decoded));
        mixInto(s.y, rowAt(ctx, k), yMsgs);
        if (!unmixed) proxPhase(ctx, s, k);
        const xMsgs = await ctx.comm.exchange(k, 'x', ctx.compressX.compress(s.half, s.decoded));
        mixInto(s.x, rowAt(ctx, k), xMsgs);
        return { loss };
      },
      // The same per-node phases for a block of nodes around one exchange per phase (simulator,
      // static W; node/algo/types.ts). Messages are immutable, so every node's y message can be
      // built before any node overwrites its y with the mixed value.
      stepBatch(contexts, states, k, exchange): StepStats[] {
        const n = contexts.length;
        const stats: StepStats[] = new Array(n);
        const msgs: Message[] = new Array(n);
        const incoming: Message[] = [];
        const inbox = (ids: Int32Array | readonly number[], all: readonly Message[]): readonly Message[] => {
          incoming.length = ids.length;
          for (let p = 0; p < ids.length; p++) incoming[p] = all[ids[p]];
          return incoming;
        };
        for (let b = 0; b < n; b++) {
          stats[b] = { loss: gradientPhase(contexts[b], states[b]) };
          if (unmixed) proxPhase(contexts[b], states[b], k);
          msgs[b] = contexts[b].compressY.compress(states[b].y, states[b].decoded);
        }
        const ys = exchange.exchangeAll(k, 'y', msgs);
        for (let b = 0; b < n; b++) {
          const row = rowAt(contexts[b], k);
          mixInto(states[b].y, row, inbox(row.ids, ys));
        }
        for (let b = 0; b < n; b++) {
          if (!unmixed) proxPhase(contexts[b], states[b], k);
          msgs[b] = contexts[b].compressX.compress(states[b].half, states[b].decoded);
        }
        const xs = exchange.exchangeAll(k, 'x', msgs);
        for (let b = 0; b < n; b++) {
          const row = rowAt(contexts[b], k);
          mixInto(states[b].x, row, inbox(row.ids, xs));
        }
        return stats;
      },
      model: (s) => s.x,
      tracker: (s) => s.y,
      lastGradient: (s) => s.g,
    };
  };
}

/** DProxSGT (Algorithm 1). */
export const dproxsgt = makeDProxSgt('dproxsgt');
