/**
 * BEER (Zhao, Li, Richtárik, Chi 2022), paper-spec §3.3 / §6.5: CDProxSGT's compressed gradient
 * tracking with the plain step x^{k+1/2} = x^k − η y^k (no prox; the run's regularizer is ignored).
 * The authors run it with a large batch, which comes from the config's `batchSize`.
 */
import { makeCompressedTracking } from './cdproxsgt.ts';

export type { CDProxSgtState as BeerState } from './cdproxsgt.ts';

export const beer = makeCompressedTracking({ name: 'beer', proximal: false });
