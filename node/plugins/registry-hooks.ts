/**
 * What the built-in registries ask the plug-in registry for a name they do not know. Each hook
 * wraps the plug-in's factory so that what it returns is checked for the shape the runner relies
 * on (a plug-in bug then fails with PROXMESH_ERR_PLUGIN naming the plug-in, not deep in a step).
 */
import type { AlgoParams, AlgorithmFactory, NodeAlgorithm } from '../algo/types.ts';
import type { Compressor, CompressorFactory } from '../compress/types.ts';
import { ProxmeshError } from '../errors.ts';
import type { Dataset, Model } from '../problem/types.ts';
import type { ProxFactory } from '../prox/types.ts';
import {
  pluginAlgorithm,
  pluginCompressor,
  pluginModel,
  pluginRegularizer,
  registered,
  type PluginSpec,
  type Registration,
} from './registry.ts';

function broken(r: Registration<unknown>, what: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_PLUGIN', `${r.kind} plug-in '${r.name}'${r.source ? ` (${r.source})` : ''}: ${what}`, {
    kind: r.kind,
    name: r.name,
    rule: 'factory',
    ...(r.source ? { plugin: r.source } : {}),
  });
}

function missing(obj: unknown, members: Record<string, 'function' | 'string' | 'object' | 'number' | 'boolean'>): string[] {
  if (typeof obj !== 'object' || obj === null) return Object.keys(members);
  return Object.entries(members)
    .filter(([k, t]) => typeof (obj as Record<string, unknown>)[k] !== t)
    .map(([k]) => k);
}

export function pluginAlgorithmNames(): string[] {
  return registered('algorithm').map((r) => r.name);
}

export function pluginUsesCompression(name: string): boolean {
  return pluginAlgorithm(name)?.compressed === true;
}

export function pluginAlgorithmFactory(name: string, spec: PluginSpec): AlgorithmFactory | undefined {
  const r = pluginAlgorithm(name);
  if (r === undefined) return undefined;
  return (params: AlgoParams): NodeAlgorithm => {
    const algo = r.factory(params, spec);
    const bad = missing(algo, {
      name: 'string',
      pattern: 'string',
      phases: 'object',
      init: 'function',
      step: 'function',
      model: 'function',
      tracker: 'function',
      lastGradient: 'function',
    });
    if (bad.length > 0) throw broken(r, `the factory must return a NodeAlgorithm; missing or wrong: ${bad.join(', ')}`);
    if (algo.pattern !== 'graph' && algo.pattern !== 'all')
      throw broken(r, `pattern must be 'graph' or 'all', got '${String(algo.pattern)}'`);
    return algo;
  };
}

export function pluginCompressorFactory(spec: PluginSpec | null | undefined): CompressorFactory | undefined {
  if (typeof spec !== 'object' || spec === null || typeof spec.kind !== 'string') return undefined;
  const r = pluginCompressor(spec.kind);
  if (r === undefined) return undefined;
  return (layers, rng): Compressor => {
    const c = r.factory(spec, layers, rng);
    const bad = missing(c, { info: 'object', compress: 'function' });
    if (bad.length > 0) throw broken(r, `the factory must return a Compressor { info, compress }; missing or wrong: ${bad.join(', ')}`);
    const infoBad = missing(c.info, { name: 'string', unbiased: 'boolean', random: 'boolean' });
    if (infoBad.length > 0)
      throw broken(
        r,
        `info must have name (string), unbiased and random (booleans), alpha2 and omega (number or null); wrong: ${infoBad.join(', ')}`,
      );
    return c;
  };
}

export function pluginModelFromSpec(spec: PluginSpec, data: Dataset, precision: 'f64' | 'f32'): Model | undefined {
  const r = pluginModel(String(spec.kind));
  if (r === undefined) return undefined;
  const m = r.factory(spec, data, precision);
  const bad = missing(m, {
    kind: 'string',
    dim: 'number',
    layers: 'object',
    nClasses: 'number',
    lossGrad: 'function',
    loss: 'function',
    accuracy: 'function',
    initRandom: 'function',
  });
  if (bad.length > 0) throw broken(r, `the factory must return a Model; missing or wrong: ${bad.join(', ')}`);
  return m;
}

export function pluginProxFactory(spec: PluginSpec): ProxFactory | undefined {
  const r = pluginRegularizer(String(spec.kind));
  if (r === undefined) return undefined;
  const f = r.factory(spec);
  if (typeof f !== 'function') throw broken(r, 'the factory must return (layers) => Prox');
  return (layers) => {
    const p = f(layers);
    const bad = missing(p, { name: 'string', value: 'function', apply: 'function' });
    if (bad.length > 0)
      throw broken(r, `(layers) => Prox must return an object with name, value(x) and apply(v, eta, out); missing: ${bad.join(', ')}`);
    return p;
  };
}
