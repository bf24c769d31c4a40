/**
 * Compressor spec → CompressorFactory, through a static registry of kind → builder (STYLE.md
 * habit 5). `compressorFactory(spec)` validates the spec at once (PROXMESH_ERR_COMPRESSOR); the
 * returned factory checks what needs the layer map (k ≤ d_t) when called with (layers, rng).
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { CompressorSpec, CompressorSpecInput } from './spec.ts';
import type { Compressor, CompressorFactory } from './types.ts';
import type { Built, BuiltFactory } from './internal.ts';
import { resolveCompressorSpec } from './validate.ts';
import { identityFactory } from './identity.ts';
import { topkFactory } from './topk.ts';
import { randkFactory } from './randk.ts';
import { qsgdFactory } from './qsgd.ts';
import { signFactory } from './sign.ts';
import { efFactory } from './ef.ts';
import { naturalFactory } from './natural.ts';
import { ditherFactory } from './dither.ts';
import { lowRankFactory } from './lowrank.ts';
import { chainFactory } from './chain.ts';
import { pluginCompressorFactory } from '../plugins/registry-hooks.ts';

type Builder<K extends CompressorSpec['kind']> = (spec: Extract<CompressorSpec, { kind: K }>, path: string) => BuiltFactory;

const registry: { readonly [K in CompressorSpec['kind']]: Builder<K> } = {
  identity: (s) => identityFactory(s),
  topk: (s, path) => topkFactory(s, path),
  randk: (s, path) => randkFactory(s, path),
  qsgd: (s) => qsgdFactory(s),
  sign: (s) => signFactory(s),
  natural: () => naturalFactory(),
  dither: (s) => ditherFactory(s),
  lowrank: (s) => lowRankFactory(s),
  ef: (s, path) => efFactory(buildResolved(s.inner, `${path}.inner`)),
  chain: (s, path) => chainFactory(s.steps.map((st, i) => buildResolved(st, `${path}.steps[${i}]`))),
};

/** Factory for an already-resolved spec (defaults filled). */
function buildResolved(spec: CompressorSpec, path: string): BuiltFactory {
  return (registry[spec.kind] as Builder<typeof spec.kind>)(spec as never, path);
}

/**
 * Validates `spec` and returns (layers, rng) → Compressor. `path` names the config location in
 * error messages (e.g. 'compression.x').
 */
export function compressorFactory(spec: CompressorSpecInput | CompressorSpec, opts: { path?: string } = {}): CompressorFactory {
  const path = opts.path ?? 'compressor';
  // A plug-in kind (node/plugins): its keys were checked by the config schema built with its schema.
  const plugin = pluginCompressorFactory(spec as Readonly<Record<string, unknown>>);
  if (plugin !== undefined) return plugin;
  const build = buildResolved(resolveCompressorSpec(spec, path), path);
  return (layers: LayerMap, rng: Rng): Compressor => build(layers, rng);
}

/** Same as compressorFactory but exposes the internal Built view (dim, carried layout). */
export function builtFactory(
  spec: CompressorSpecInput | CompressorSpec,
  opts: { path?: string } = {},
): (layers: LayerMap, rng: Rng) => Built {
  const path = opts.path ?? 'compressor';
  return buildResolved(resolveCompressorSpec(spec, path), path);
}

export { resolveCompressorSpec } from './validate.ts';
export const COMPRESSOR_REGISTRY_KINDS = Object.keys(registry) as readonly CompressorSpec['kind'][];
