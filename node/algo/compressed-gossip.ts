/**
 * Compressed gossip through public reference copies: the communication step of CDProxSGT/BEER
 * (paper-spec §3.2, once for y and once for x) and Choco-SGD (§6.5). For a vector v with own public
 * copy v̲ and neighbour aggregate s = Σ_j w_ij v̲_j (kept incrementally, self included):
 *   q = Q[v − v̲];  v̲ ← v̲ + q;  s ← s + Σ_j w_ij q_j  (round k, this phase);  v ← v + γ (s − v̲)
 * The sender adds exactly the decoded q that `compress` wrote, which receivers reproduce bit for bit
 * from the message (spec §9.6). The two halves (gossipSend, gossipMix) are separate so that the
 * simulator's all-nodes step (NodeAlgorithm.stepBatch) runs the very same code around its exchange.
 */
import type { Compressor, Message } from '../compress/types.ts';
import type { NodeContext } from './types.ts';
import { addMixed } from './mix.ts';
import { add, addScaledDiff, sub } from '../linalg/vec.ts';

export interface GossipStep {
  readonly phase: string;
  /** Q (ctx.compressX or ctx.compressY) */
  readonly compressor: Compressor;
  /** γ, the consensus step */
  readonly gamma: number;
  /** v, updated in place */
  readonly v: Float64Array;
  /** v̲, the own public copy */
  readonly ref: Float64Array;
  /** s = Σ_j w_ij v̲_j */
  readonly agg: Float64Array;
}

export interface GossipScratch {
  /** v − v̲ fed to Q */
  readonly diff: Float64Array;
  /** Q(v − v̲) as decoded */
  readonly decoded: Float64Array;
}

/** The sending half: q = Q[v − v̲]; v̲ ← v̲ + q (decoded); returns the message of q. */
export function gossipSend(g: GossipStep, scratch: GossipScratch): Message {
  const q = g.compressor.compress(sub(g.v, g.ref, scratch.diff), scratch.decoded);
  add(g.ref, scratch.decoded, g.ref);
  return q;
}

/** The receiving half: s ← s + Σ_j w_ij q_j (row order); v ← v + γ (s − v̲). */
export function gossipMix(ctx: NodeContext, g: GossipStep, incoming: readonly Message[]): void {
  addMixed(g.agg, ctx.peers, incoming);
  addScaledDiff(g.v, g.gamma, g.agg, g.ref, g.v);
}

export async function compressedGossip(ctx: NodeContext, k: number, g: GossipStep, scratch: GossipScratch): Promise<void> {
  const q = gossipSend(g, scratch);
  gossipMix(ctx, g, await ctx.comm.exchange(k, g.phase, q));
}
