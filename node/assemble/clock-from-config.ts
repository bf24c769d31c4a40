/**
 * The run's clock from its config (the `network` section), its shards and its exchange plan; null
 * when the config has no `network` section (rows then carry no simTime). Built once per run by
 * aggregateContextOf, the same for the simulator and the cluster coordinator.
 */
import type { FrozenConfig } from '../config/schema.ts';
import type { Shard } from '../problem/types.ts';
import type { WirePlan } from '../results/wire-accounting.ts';
import { computeSeconds } from '../clock/compute.ts';
import { buildLinks } from '../clock/links.ts';
import { createRowClock, type RowClock } from '../clock/row-clock.ts';
import type { NetworkSpec } from '../clock/spec.ts';

export function clockOf(config: FrozenConfig, shards: readonly Shard[], plan: WirePlan): RowClock | null {
  const spec = (config as { network?: NetworkSpec }).network;
  if (spec === undefined) return null;
  const links = plan.others;
  const samples = shards.map((s) => (config.batchSize === 'full' ? s.length : config.batchSize));
  return createRowClock(plan, {
    links,
    table: buildLinks(spec.links, links, config.seed),
    compute: computeSeconds(spec.compute, samples, config.seed),
  });
}
