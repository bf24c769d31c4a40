/**
 * Regularizer r of problem (1) (paper-spec §1.1, A1: closed, convex, easy prox). The config key is
 * `problem.regularizer`; `proxFromSpec` (registry.ts) turns a spec into a ProxFactory.
 */
import { Type, type Static } from '@sinclair/typebox';

const lambda = (what: string) => Type.Number({ minimum: 0, description: `λ ≥ 0 (finite): weight of ${what}.` });

export const NoneRegSchema = Type.Object(
  { kind: Type.Literal('none', { description: 'r ≡ 0; the prox is the identity.' }) },
  { additionalProperties: false, description: 'No regularizer.' },
);

export const L1RegSchema = Type.Object(
  {
    kind: Type.Literal('l1', { description: 'r(x) = λ‖x‖₁ (soft thresholding at ηλ, paper-spec §9.1).' }),
    lambda: lambda('‖x‖₁'),
  },
  { additionalProperties: false, description: 'ℓ1: r(x) = λ‖x‖₁.' },
);

export const L2SqRegSchema = Type.Object(
  {
    kind: Type.Literal('l2sq', { description: 'r(x) = (λ/2)‖x‖₂² (prox = v/(1+ηλ)).' }),
    lambda: lambda('(1/2)‖x‖₂²'),
  },
  { additionalProperties: false, description: 'Squared ℓ2: r(x) = (λ/2)‖x‖₂².' },
);

export const ElasticNetRegSchema = Type.Object(
  {
    kind: Type.Literal('elasticnet', { description: 'r(x) = l1‖x‖₁ + (l2/2)‖x‖₂².' }),
    l1: Type.Number({ minimum: 0, description: 'Weight of ‖x‖₁ (≥ 0, finite).' }),
    l2: Type.Number({ minimum: 0, description: 'Weight of (1/2)‖x‖₂² (≥ 0, finite); same convention as l2sq.' }),
  },
  { additionalProperties: false, description: 'Elastic net: r(x) = l1‖x‖₁ + (l2/2)‖x‖₂².' },
);

export const BoxRegSchema = Type.Object(
  {
    kind: Type.Literal('box', { description: 'Indicator of [lower, upper]^d: r = 0 inside, +∞ outside; prox = clipping.' }),
    // JSON has no ±Infinity (JSON.stringify writes null), so null is the JSON-safe "unbounded":
    // a run folder's config.json then loads back to the same box.
    lower: Type.Union([Type.Number(), Type.Null()], {
      description: 'Lower bound; -.inf in YAML or null (JSON) = unbounded below; lower ≤ upper.',
    }),
    upper: Type.Union([Type.Number(), Type.Null()], {
      description: 'Upper bound; .inf in YAML or null (JSON) = unbounded above; lower ≤ upper.',
    }),
  },
  { additionalProperties: false, description: 'Box constraint lower ≤ x_j ≤ upper.' },
);

export const NonnegRegSchema = Type.Object(
  { kind: Type.Literal('nonneg', { description: 'Indicator of x ≥ 0; prox = max(v, 0).' }) },
  { additionalProperties: false, description: 'Non-negativity constraint x_j ≥ 0.' },
);

export const GroupLassoRegSchema = Type.Object(
  {
    kind: Type.Literal('grouplasso', { description: 'r(x) = λ Σ_g w_g ‖x_g‖₂ over the groups g = layers of the model.' }),
    lambda: lambda('the sum of group norms'),
    weights: Type.Union([Type.Literal('sqrt-size'), Type.Literal('unit')], {
      default: 'sqrt-size',
      description: "Group weights w_g: 'sqrt-size' = √(numel of the layer) (Yuan & Lin), 'unit' = 1.",
    }),
  },
  { additionalProperties: false, description: 'Group lasso over layers: r(x) = λ Σ_g w_g ‖x_g‖₂ (block soft thresholding).' },
);

export const RegularizerSpecSchema = Type.Union(
  [NoneRegSchema, L1RegSchema, L2SqRegSchema, ElasticNetRegSchema, BoxRegSchema, NonnegRegSchema, GroupLassoRegSchema],
  { default: { kind: 'none' }, description: 'Regularizer r: none | l1 | l2sq | elasticnet | box | nonneg | grouplasso.' },
);

export type RegularizerSpec = Static<typeof RegularizerSpecSchema>;
export type RegularizerKind = RegularizerSpec['kind'];
