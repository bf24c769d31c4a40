/**
 * ProxGT-SA (Xin, Das, Khan, Kar 2021), paper-spec §6.5: proximal gradient tracking with a large
 * minibatch. The authors run it as DProxSGT with b = 256 or 512, so it is DProxSGT under its own name;
 * the large batch comes from the run config's `batchSize`.
 */
import { makeDProxSgt } from './dproxsgt.ts';

export type { DProxSgtState as ProxGtSaState } from './dproxsgt.ts';

export const proxgtsa = makeDProxSgt('proxgtsa');
