/**
 * Static registry of algorithm names to factories (STYLE.md habit 5: no string-to-module imports).
 */
import { ProxmeshError } from '../errors.ts';
import { allreduce } from './allreduce.ts';
import { beer } from './beer.ts';
import { cdproxsgt } from './cdproxsgt.ts';
import { choco } from './choco.ts';
import { deepstorm } from './deepstorm.ts';
import { dpsgd } from './dpsgd.ts';
import { dproxsgt } from './dproxsgt.ts';
import { proxgtsa } from './proxgtsa.ts';
import { ALGORITHM_NAMES, type AlgorithmName } from './spec.ts';
import type { AlgorithmFactory } from './types.ts';
import { pluginAlgorithmFactory, pluginAlgorithmNames, pluginUsesCompression } from '../plugins/registry-hooks.ts';

const factories: Readonly<Record<AlgorithmName, AlgorithmFactory>> = {
  dproxsgt,
  cdproxsgt,
  allreduce,
  dpsgd,
  choco,
  beer,
  deepstorm,
  proxgtsa,
};

/** Algorithms whose messages go through the configured compressors Q_x, Q_y (others use identity). */
const compressed: ReadonlySet<string> = new Set<AlgorithmName>(['cdproxsgt', 'choco', 'beer']);

function isAlgorithmName(name: string): name is AlgorithmName {
  return (ALGORITHM_NAMES as readonly string[]).includes(name);
}

/** `spec`: the config's algorithm section, handed to a plug-in algorithm for its own keys. */
export function algorithmFactory(name: string, spec?: Readonly<Record<string, unknown>>): AlgorithmFactory {
  if (!isAlgorithmName(name)) {
    const plugin = pluginAlgorithmFactory(name, spec ?? { name });
    if (plugin !== undefined) return plugin;
    const known = [...ALGORITHM_NAMES, ...pluginAlgorithmNames()];
    throw new ProxmeshError('PROXMESH_ERR_CONFIG', `unknown algorithm "${name}"; expected one of ${known.join(', ')}`, {
      path: '/algorithm/name',
      got: name,
      expected: known,
    });
  }
  return factories[name];
}

export function algorithmUsesCompression(name: string): boolean {
  algorithmFactory(name);
  return compressed.has(name) || pluginUsesCompression(name);
}
