/**
 * Regularizer spec → ProxFactory, through a static registry (STYLE.md habit 5: no string imports).
 * `proxFromSpec` validates the spec immediately (throws PROXMESH_ERR_PROX naming the field), so
 * a bad config fails before any layer map exists.
 */
import { ProxmeshError } from '../errors.ts';
import type { ProxFactory } from './types.ts';
import { GroupLassoRegSchema, RegularizerSpecSchema, type RegularizerKind, type RegularizerSpec } from './spec.ts';
import { checkWeight } from './check.ts';
import { noneProx } from './none.ts';
import { l1Prox } from './l1.ts';
import { l2sqProx } from './l2sq.ts';
import { elasticNetProx } from './elasticnet.ts';
import { boxProx, nonnegProx } from './box.ts';
import { groupLassoProx, type GroupWeights } from './group-lasso.ts';
import { pluginProxFactory } from '../plugins/registry-hooks.ts';
import { registered } from '../plugins/registry.ts';
import { keysBesides, literalsOf, variantsByLiteral } from '../schema/facts.ts';

type Raw = Record<string, unknown>;

/** Each kind's keys, from its schema (prox/spec.ts); this file keeps only the rules the schema cannot state. */
const ALLOWED_KEYS = new Map(
  [...variantsByLiteral(RegularizerSpecSchema, 'kind')].map(([kind, schema]) => [kind, keysBesides(schema, 'kind')]),
);
const GROUP_WEIGHTS = GroupLassoRegSchema.properties.weights;

const builders: { readonly [K in RegularizerKind]: (s: Raw) => ProxFactory } = {
  none: () => () => noneProx(),
  l1: (s) => {
    const lambda = checkWeight('regularizer.lambda', s.lambda);
    return () => l1Prox({ lambda });
  },
  l2sq: (s) => {
    const lambda = checkWeight('regularizer.lambda', s.lambda);
    return () => l2sqProx({ lambda });
  },
  elasticnet: (s) => {
    const l1 = checkWeight('regularizer.l1', s.l1);
    const l2 = checkWeight('regularizer.l2', s.l2);
    return () => elasticNetProx({ l1, l2 });
  },
  box: (s) => {
    // null is the JSON form of an unbounded side (see BoxRegSchema).
    const lower = s.lower === null ? -Infinity : s.lower;
    const upper = s.upper === null ? Infinity : s.upper;
    if (typeof lower !== 'number' || Number.isNaN(lower) || lower === Infinity) {
      throw new ProxmeshError('PROXMESH_ERR_PROX', `regularizer.lower must be a number < +Infinity, got ${String(lower)}`, {
        field: 'regularizer.lower',
        got: lower,
      });
    }
    if (typeof upper !== 'number' || Number.isNaN(upper) || upper === -Infinity) {
      throw new ProxmeshError('PROXMESH_ERR_PROX', `regularizer.upper must be a number > -Infinity, got ${String(upper)}`, {
        field: 'regularizer.upper',
        got: upper,
      });
    }
    if (lower > upper) {
      throw new ProxmeshError(
        'PROXMESH_ERR_PROX',
        `regularizer.lower (${lower}) must be ≤ regularizer.upper (${upper}): the box is empty`,
        { field: 'regularizer.lower', lower, upper },
      );
    }
    return () => boxProx({ lower, upper });
  },
  nonneg: () => () => nonnegProx(),
  grouplasso: (s) => {
    const lambda = checkWeight('regularizer.lambda', s.lambda);
    const weights = (s.weights ?? GROUP_WEIGHTS.default) as GroupWeights;
    const choices = literalsOf(GROUP_WEIGHTS);
    if (!choices.includes(weights)) {
      throw new ProxmeshError(
        'PROXMESH_ERR_PROX',
        `regularizer.weights must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${String(weights)}`,
        { field: 'regularizer.weights', got: weights },
      );
    }
    return (layers) => groupLassoProx({ lambda, weights, layers });
  },
};

/** Validates `spec` and returns the factory (layers) → Prox. */
export function proxFromSpec(spec: RegularizerSpec): ProxFactory {
  const s = spec as unknown as Raw;
  if (s === null || typeof s !== 'object') {
    throw new ProxmeshError('PROXMESH_ERR_PROX', `regularizer must be an object with a kind, got ${String(spec)}`, {
      field: 'regularizer',
    });
  }
  const kind = s.kind;
  const plugin = typeof kind === 'string' && !Object.hasOwn(builders, kind) ? pluginProxFactory(s) : undefined;
  if (plugin !== undefined) return plugin;
  if (typeof kind !== 'string' || !Object.hasOwn(builders, kind)) {
    const known = [...Object.keys(builders), ...registered('regularizer').map((r) => r.name)];
    throw new ProxmeshError('PROXMESH_ERR_PROX', `regularizer.kind must be one of ${known.join(', ')}; got ${String(kind)}`, {
      field: 'regularizer.kind',
      got: kind,
    });
  }
  const k = kind as RegularizerKind;
  const allowed = ALLOWED_KEYS.get(k) ?? [];
  for (const key of Object.keys(s)) {
    if (key !== 'kind' && !allowed.includes(key)) {
      throw new ProxmeshError(
        'PROXMESH_ERR_PROX',
        `regularizer.${key} is not a property of kind ${k} (allowed: ${allowed.join(', ') || 'none'})`,
        { field: `regularizer.${key}` },
      );
    }
  }
  return builders[k](s);
}

/** The registered kinds (for docs and tests). */
export const REGULARIZER_KINDS: readonly RegularizerKind[] = Object.keys(builders) as RegularizerKind[];
