/**
 * Compressor specs (config keys `compression.x`, `compression.y`). The schema is a bounded-depth
 * union rather than Type.Recursive, so it can be embedded twice in the run-config schema without
 * duplicate `$id`s, and because only these nestings are meaningful (see chain.ts / ef.ts):
 *   Spec  = Leaf | ef{inner: Leaf | chain} | chain{steps: Leaf[]}
 * Semantic rules not expressible here (exactly one of ratio / k; k ≤ d of every block; which leaf
 * kinds may precede others in a chain) are enforced by `compressorFactory` (registry.ts), which
 * throws PROXMESH_ERR_COMPRESSOR.
 */
import { Type, type Static } from '@sinclair/typebox';

const precision = (what: string) =>
  Type.Union([Type.Literal('f64'), Type.Literal('f32'), Type.Literal('f16')], {
    default: 'f64',
    description: `Wire precision of ${what}; decoded values are rounded to it (f16 = IEEE binary16, round to nearest even).`,
  });

const scope = Type.Union([Type.Literal('layer'), Type.Literal('global')], {
  default: 'layer',
  description:
    "'layer': one block per tensor of the model's layer map (as the authors' code, paper-spec §4); 'global': one block over the whole vector.",
});

const ratio = Type.Number({
  exclusiveMinimum: 0,
  maximum: 1,
  description: 'Fraction kept per block: k_t = max(1, floor(ratio · d_t)). Give exactly one of ratio or k.',
});

const k = Type.Integer({
  minimum: 1,
  description: 'Coordinates kept per block (1 ≤ k ≤ d_t for every non-empty block). Give exactly one of ratio or k.',
});

export const IdentitySpecSchema = Type.Object(
  {
    kind: Type.Literal('identity', { description: 'Q(x) = x (rounded to `precision`).' }),
    precision: precision('the values'),
  },
  { additionalProperties: false, description: 'No compression (dense message).' },
);

export const TopkSpecSchema = Type.Object(
  {
    kind: Type.Literal('topk', { description: 'Keep the k largest |x_j| per block (ties: lower index).' }),
    ratio: Type.Optional(ratio),
    k: Type.Optional(k),
    scope,
    precision: precision('the kept values'),
  },
  { additionalProperties: false, description: 'Top-k sparsification; α² = 1 − min_t k_t/d_t (deterministic).' },
);

export const RandkSpecSchema = Type.Object(
  {
    kind: Type.Literal('randk', { description: 'Keep k uniformly random coordinates per block (without replacement).' }),
    ratio: Type.Optional(ratio),
    k: Type.Optional(k),
    scope,
    scaled: Type.Boolean({
      default: true,
      description: 'true: send (d/k)·x_S (unbiased, ω = d/k − 1); false: send x_S (contractive, α² = 1 − k/d).',
    }),
    precision: precision('the kept values'),
  },
  { additionalProperties: false, description: 'Random-k sparsification.' },
);

export const QsgdSpecSchema = Type.Object(
  {
    kind: Type.Literal('qsgd', { description: 'Stochastic s-level quantization (paper-spec §4).' }),
    levels: Type.Integer({
      minimum: 1,
      maximum: 1073741824,
      description: 'Number of levels s (1 ≤ s ≤ 2^30); levels sent as signed integers in [−s, s].',
    }),
    scope,
    contractive: Type.Boolean({
      default: false,
      description: 'false: unbiased, ω = min(d/s², √d/s); true: scaled by 1/(1+ω), biased but contractive with α² = ω/(1+ω).',
    }),
    scalePrecision: precision('the per-block scale ‖v‖/s'),
  },
  { additionalProperties: false, description: 'QSGD: Q(v)_j = ‖v‖·sign(v_j)·ℓ_j/s per block.' },
);

export const SignSpecSchema = Type.Object(
  {
    kind: Type.Literal('sign', { description: 'Scaled sign: (‖v‖₁/d_t)·sign(v) per block.' }),
    scope,
    scalePrecision: precision('the per-block scale ‖v‖₁/d'),
  },
  { additionalProperties: false, description: 'Scaled sign compression; α² = 1 − 1/d_max.' },
);

export const NaturalSpecSchema = Type.Object(
  {
    kind: Type.Literal('natural', {
      description:
        'Natural compression (Horváth et al. 2019): each x_j rounded stochastically to one of the two nearest signed powers of two.',
    }),
  },
  {
    additionalProperties: false,
    description: 'Natural compression: unbiased, ω = 1/8; sign + exponent on the wire (1 + β bits per coordinate).',
  },
);

export const DitherSpecSchema = Type.Object(
  {
    kind: Type.Literal('dither', {
      description: 'Random dithering: Q(v)_j = (‖v‖/s)·sign(v_j)·ℓ_j, ℓ_j = floor(s|v_j|/‖v‖) + Bernoulli(frac), per block.',
    }),
    levels: Type.Integer({
      minimum: 1,
      maximum: 1073741824,
      default: 1,
      description: 'Number of levels s (1 ≤ s ≤ 2^30). s = 1 with norm linf is TernGrad’s ternary {−‖v‖∞, 0, ‖v‖∞}.',
    }),
    norm: Type.Union([Type.Literal('linf'), Type.Literal('l2')], {
      default: 'linf',
      description: "Norm of the scale: 'linf' (TernGrad, max |v_j|) or 'l2' (QSGD's scale).",
    }),
    scope,
    scalePrecision: precision('the per-block scale ‖v‖/s'),
  },
  {
    additionalProperties: false,
    description: 'Random dithering / TernGrad-style ternary (default: s = 1, linf): unbiased, ω = max_t c²·min(d_t/(4s²), √d_t/s).',
  },
);

export const LowRankSpecSchema = Type.Object(
  {
    kind: Type.Literal('lowrank', {
      description:
        'PowerSGD (Vogels et al. 2019): each matrix layer M (rows = shape[0]) sent as factors P Qᵀ of rank r from one power iteration with a warm start.',
    }),
    rank: Type.Integer({
      minimum: 1,
      maximum: 1024,
      description:
        'Rank r of the factors (1 ≤ r ≤ 1024). A layer is factored only where r·(m + n) < m·n; vectors and smaller matrices are not factored.',
    }),
    vectorRatio: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description:
          'Layers that are not factored keep their top-k entries, k_t = max(1, floor(vectorRatio · d_t)); omit (or 1) to send them uncompressed.',
      }),
    ),
    precision: precision('the factors and the pass-through values'),
  },
  {
    additionalProperties: false,
    description: 'Low-rank (PowerSGD) compression per matrix layer; biased, non-expansive (‖M − P̂Q̂ᵀ‖ ≤ ‖M‖ in f64), no α² < 1 claimed.',
  },
);

/** Every single (leaf) compressor's schema, in the order docs/config.md lists them. */
const LEAF_SPEC_SCHEMAS = [
  IdentitySpecSchema,
  TopkSpecSchema,
  RandkSpecSchema,
  QsgdSpecSchema,
  SignSpecSchema,
  NaturalSpecSchema,
  DitherSpecSchema,
  LowRankSpecSchema,
] as const;

export const LeafCompressorSpecSchema = Type.Union([...LEAF_SPEC_SCHEMAS], {
  description: 'A single compressor: identity | topk | randk | qsgd | sign | natural | dither | lowrank.',
});

export const ChainSpecSchema = Type.Object(
  {
    kind: Type.Literal('chain', { description: 'Apply the steps in order; each step compresses the carried values of the previous one.' }),
    steps: Type.Array(LeafCompressorSpecSchema, {
      minItems: 1,
      description: 'Steps; every step but the last must be identity, topk or randk (float values), e.g. [topk, qsgd].',
    }),
  },
  { additionalProperties: false, description: 'Composition, e.g. top-k indices with QSGD-quantized values.' },
);

export const EfSpecSchema = Type.Object(
  {
    kind: Type.Literal('ef', { description: 'Error feedback: compress x + e, keep e ← (x + e) − Q(x + e).' }),
    inner: Type.Union([LeafCompressorSpecSchema, ChainSpecSchema], {
      description: 'The compressor wrapped with error feedback (a leaf or a chain).',
    }),
  },
  { additionalProperties: false, description: 'Error-feedback wrapper (EF / EF14).' },
);

export const CompressorSpecSchema = Type.Union([...LEAF_SPEC_SCHEMAS, EfSpecSchema, ChainSpecSchema], {
  default: { kind: 'identity' },
  description: 'Compressor Q: identity | topk | randk | qsgd | sign | natural | dither | lowrank | ef {inner} | chain {steps}.',
});

export type IdentitySpec = Static<typeof IdentitySpecSchema>;
export type TopkSpec = Static<typeof TopkSpecSchema>;
export type RandkSpec = Static<typeof RandkSpecSchema>;
export type QsgdSpec = Static<typeof QsgdSpecSchema>;
export type SignSpec = Static<typeof SignSpecSchema>;
export type NaturalSpec = Static<typeof NaturalSpecSchema>;
export type DitherSpec = Static<typeof DitherSpecSchema>;
export type LowRankSpec = Static<typeof LowRankSpecSchema>;
export type LeafCompressorSpec = Static<typeof LeafCompressorSpecSchema>;
export type ChainSpec = Static<typeof ChainSpecSchema>;
export type EfSpec = Static<typeof EfSpecSchema>;
export type CompressorSpec = Static<typeof CompressorSpecSchema>;
export type CompressorKind = CompressorSpec['kind'];

export type CompressionScope = 'layer' | 'global';

/**
 * What callers may pass to `compressorFactory`: the spec with every defaulted field optional
 * (a resolved config is also accepted). Nesting is checked at run time.
 */
export type CompressorSpecInput =
  | { kind: 'identity'; precision?: 'f64' | 'f32' | 'f16' }
  | { kind: 'topk'; ratio?: number; k?: number; scope?: CompressionScope; precision?: 'f64' | 'f32' | 'f16' }
  | { kind: 'randk'; ratio?: number; k?: number; scope?: CompressionScope; scaled?: boolean; precision?: 'f64' | 'f32' | 'f16' }
  | { kind: 'qsgd'; levels: number; scope?: CompressionScope; contractive?: boolean; scalePrecision?: 'f64' | 'f32' | 'f16' }
  | { kind: 'sign'; scope?: CompressionScope; scalePrecision?: 'f64' | 'f32' | 'f16' }
  | { kind: 'natural' }
  | { kind: 'dither'; levels?: number; norm?: 'linf' | 'l2'; scope?: CompressionScope; scalePrecision?: 'f64' | 'f32' | 'f16' }
  | { kind: 'lowrank'; rank: number; vectorRatio?: number; precision?: 'f64' | 'f32' | 'f16' }
  | { kind: 'ef'; inner: CompressorSpecInput }
  | { kind: 'chain'; steps: CompressorSpecInput[] };
