/**
 * Fills schema defaults into a plain JSON value, in place. Ajv's `useDefaults` skips defaults
 * inside `anyOf` branches (every discriminated union: compressor kinds, topology kinds, …), so this
 * walker picks the branch a value belongs to (by its `const` discriminator, e.g. `kind: topk`) and
 * recurses into it. Values of the wrong type are left alone: validation reports them afterwards.
 */
import type { TSchema } from '@sinclair/typebox';

/** A JSON-schema node as TypeBox builds it: its SchemaOptions index signature lets a walker read any keyword (anyOf, properties, default, …). */
type Schema = TSchema;

export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (schema.anyOf) {
    const branch = pickBranch(schema.anyOf, value);
    return branch ? applyDefaults(branch, value) : value;
  }
  if (isPlainObject(value) && schema.properties) {
    const filled: string[] = [];
    for (const [key, sub] of Object.entries<Schema>(schema.properties)) {
      if (value[key] === undefined && sub.default !== undefined) {
        value[key] = structuredClone(sub.default);
        filled.push(key);
      }
      if (value[key] !== undefined) value[key] = applyDefaults(sub, value[key]);
    }
    capFilledDefaults(schema.properties, value, filled);
  }
  if (Array.isArray(value) && schema.items && !Array.isArray(schema.items)) {
    for (let i = 0; i < value.length; i++) value[i] = applyDefaults(schema.items, value[i]);
  }
  return value;
}

/**
 * A default must never turn a valid config into an invalid one: a property whose schema carries
 * `defaultAtMost: 'sibling'` (e.g. evalEvery ≤ iterations) gets min(default, sibling) when the default
 * was filled in, so `iterations: 10` alone is valid. A value the user gave is left to validation.
 */
function capFilledDefaults(props: Record<string, Schema>, value: Record<string, unknown>, filled: readonly string[]): void {
  for (const key of filled) {
    const cap = props[key].defaultAtMost;
    if (typeof cap === 'string' && typeof value[cap] === 'number' && typeof value[key] === 'number')
      value[key] = Math.min(value[key], value[cap]);
  }
}

/**
 * The branch of an `anyOf` that `value` belongs to: for objects, the branch whose `const`
 * properties all equal the value's (the discriminator); otherwise the only branch whose JSON type
 * fits. Undefined when it is ambiguous or nothing fits.
 */
export function pickBranch(nested: readonly Schema[], value: unknown): Schema | undefined {
  const branches = flattenUnion(nested);
  if (isPlainObject(value)) {
    const objects = branches.filter((b) => b.type === 'object' || b.properties);
    const matching = objects.filter((b) => discriminatorsMatch(b, value));
    if (matching.length >= 1) return matching[0];
    if (objects.length === 1) return objects[0];
    // No discriminator (e.g. dataset {name} | {path, format}): the branch knowing the most keys.
    if (objects.some((b) => discriminatorKeys(b).length > 0)) return undefined;
    const keys = Object.keys(value);
    const score = objects.map((b) => keys.filter((k) => k in (b.properties ?? {})).length);
    const best = Math.max(...score);
    const winners = objects.filter((_, i) => score[i] === best);
    return best > 0 && winners.length === 1 ? winners[0] : undefined;
  }
  const fitting = branches.filter((b) => typeFits(b, value));
  return fitting.length === 1 ? fitting[0] : undefined;
}

/** The branches of a union with nested unions spliced in (ef.inner = (identity | topk | …) | chain). */
export function flattenUnion(branches: readonly Schema[]): Schema[] {
  return branches.flatMap((b) => (b.anyOf ? flattenUnion(b.anyOf) : [b]));
}

/** Keys of `schema` whose property schema is a `const` (the discriminators). */
export function discriminatorKeys(schema: Schema): string[] {
  if (!schema.properties) return [];
  return Object.entries<Schema>(schema.properties)
    .filter(([, s]) => s.const !== undefined)
    .map(([k]) => k);
}

function discriminatorsMatch(branch: Schema, value: Record<string, unknown>): boolean {
  const keys = discriminatorKeys(branch);
  return keys.length > 0 && keys.every((k) => value[k] === branch.properties[k].const);
}

function typeFits(schema: Schema, value: unknown): boolean {
  if (schema.const !== undefined) return schema.const === value;
  const t = schema.type;
  if (t === undefined) return true;
  const types: string[] = Array.isArray(t) ? t : [t];
  return types.some((ty) => jsonTypeOf(value) === ty || (ty === 'number' && jsonTypeOf(value) === 'integer'));
}

export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
