/**
 * The config's `topology` section (TopologySpecSchema) and buildTopology: spec + Rng → graph, W
 * (validated, paper-spec §1.3 A3) and its spectrum (ρ, spectral gap). The caller passes the Rng
 * derived as topologyRng(seed) = Rng.derive(seed, −1, 'topology').
 */
import { Type, type Static } from '@sinclair/typebox';
import { Rng } from '../node/linalg/rng.ts';
import type { Graph, Mixing } from './types.ts';
import { GENERATORS, KIND_PARAMS, TOPOLOGY_KINDS, type TopologyKind } from './generators.ts';
import type { TopologyParams } from './params.ts';
import { buildMixing, MIXING_RULES } from './mixing.ts';
import { validateMixing } from './mixing-check.ts';
import { spectralInfo, type SpectralInfo } from './spectral.ts';
import type { LatticeShape } from './spectral-closed.ts';
import { resolveGridShape } from './gen-lattice.ts';
import { topologyError } from './errors.ts';
import { TopologyScheduleSchema } from './schedule-spec.ts';

export const TopologyKindSchema = Type.Union(
  TOPOLOGY_KINDS.map((k) => Type.Literal(k)),
  {
    description:
      'Graph family: ring | path | star | complete | grid | torus | hypercube | exponential | erdos-renyi | regular | small-world | edge-list.',
  },
);

export const MixingRuleSchema = Type.Union(
  MIXING_RULES.map((k) => Type.Literal(k)),
  {
    default: 'metropolis',
    description:
      'Mixing weights W: metropolis (W_ij = 1/(1+max(d_i,d_j)), any graph), max-degree (W_ij = 1/(1+d_max)), uniform (1/(d+1), regular graphs only).',
  },
);

export const TopologySpecSchema = Type.Object(
  {
    kind: TopologyKindSchema,
    nodes: Type.Integer({
      minimum: 1,
      description:
        'Number of nodes n (workers). grid/torus: rows × cols must equal it; hypercube: a power of 2; edge-list: ids must be < nodes.',
    }),
    weights: MixingRuleSchema,
    lazy: Type.Boolean({ default: false, description: 'Use the lazy matrix (I + W)/2 (eigenvalues (1+λ)/2, all ≥ 0).' }),
    p: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'erdos-renyi: edge probability p ∈ [0, 1] (resampled until connected; needs p ≳ ln(n)/n).',
      }),
    ),
    degree: Type.Optional(
      Type.Integer({ minimum: 0, description: 'regular: degree d of the random d-regular graph, d < nodes, nodes·d even.' }),
    ),
    k: Type.Optional(Type.Integer({ minimum: 2, description: 'small-world: ring-lattice neighbours k (even, 2 ≤ k < nodes).' })),
    beta: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'small-world: rewiring probability β ∈ [0, 1].' })),
    rows: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'grid/torus: number of rows (cols = nodes/rows when cols is absent; most square factorisation when both are absent).',
      }),
    ),
    cols: Type.Optional(Type.Integer({ minimum: 1, description: 'grid/torus: number of columns (rows × cols must equal nodes).' })),
    file: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'edge-list: path of a file with one undirected edge "i j" per line (0-based ids, # comments).',
      }),
    ),
    schedule: Type.Optional(TopologyScheduleSchema),
  },
  { additionalProperties: false, description: 'Communication graph and mixing matrix W.' },
);

export type TopologySpec = Static<typeof TopologySpecSchema>;

/** A spec before defaults: weights defaults to metropolis, lazy to false (as in the schema). */
export type TopologySpecInput = Omit<TopologySpec, 'weights' | 'lazy'> & { weights?: TopologySpec['weights']; lazy?: boolean };

export interface BuiltTopology {
  readonly spec: TopologySpec;
  readonly graph: Graph;
  readonly mixing: Mixing;
  readonly spectral: SpectralInfo;
}

/** The Rng every topology draw comes from (brief: Rng.derive(seed, −1, 'topology')). */
export function topologyRng(seed: number): Rng {
  return Rng.derive(seed, -1, 'topology');
}

const OPTIONAL_PARAMS = ['p', 'degree', 'k', 'beta', 'rows', 'cols', 'file'] as const;

export function buildTopology(input: TopologySpecInput, rng: Rng): BuiltTopology {
  const kind = input.kind as string;
  if (!(TOPOLOGY_KINDS as readonly string[]).includes(kind)) {
    throw topologyError(`topology: unknown kind ${JSON.stringify(kind)}; expected one of ${TOPOLOGY_KINDS.join(' | ')}`, {
      param: 'kind',
      got: kind,
    });
  }
  const k = kind as TopologyKind;
  for (const name of OPTIONAL_PARAMS) {
    if (input[name] !== undefined && !KIND_PARAMS[k].includes(name)) {
      const users = TOPOLOGY_KINDS.filter((t) => KIND_PARAMS[t].includes(name));
      throw topologyError(`topology ${k}: parameter ${name} does not apply to this kind (it is used by ${users.join(', ')}); remove it`, {
        param: name,
      });
    }
  }
  const spec: TopologySpec = { ...input, weights: input.weights ?? 'metropolis', lazy: input.lazy ?? false };
  if (typeof spec.lazy !== 'boolean')
    throw topologyError(`topology: parameter lazy must be true or false, got ${String(spec.lazy)}`, { param: 'lazy' });
  const params: TopologyParams = spec;
  const graph = GENERATORS[k](params, rng);
  const mixing = buildMixing(graph, { weights: spec.weights, lazy: spec.lazy });
  validateMixing(mixing);
  return { spec, graph, mixing, spectral: spectralInfo(mixing, { shape: latticeShape(k, params, graph.n) }) };
}

/** The lattice family of a kind with a closed-form Laplacian spectrum (spectral-closed.ts), if any. */
function latticeShape(kind: TopologyKind, params: TopologyParams, n: number): LatticeShape | undefined {
  switch (kind) {
    case 'ring':
    case 'path':
    case 'complete':
    case 'star':
    case 'hypercube':
      return { kind, n };
    case 'torus':
    case 'grid':
      return { kind, ...resolveGridShape(kind, params) };
    default:
      return undefined;
  }
}
