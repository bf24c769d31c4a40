/**
 * Facts read from a TypeBox schema (keys, defaults, literal choices, bounds), so that the code that
 * validates a spec by hand with field-naming errors (node/compress/validate.ts, node/prox/registry.ts)
 * takes them from the one schema the config loader and docs/config.md use, instead of repeating them.
 * Only plain JSON-Schema fields are read (properties, required, default, anyOf/const, minimum, …).
 */
import type { TObject, TSchema } from '@sinclair/typebox';

/** The variants of a discriminated union, by the `const` of their `key` property (in schema order). */
export function variantsByLiteral(union: TSchema, key: string): ReadonlyMap<string, TObject> {
  const out = new Map<string, TObject>();
  for (const v of (union as { anyOf?: TSchema[] }).anyOf ?? []) {
    const lit = (v as TObject).properties?.[key]?.const;
    if (typeof lit === 'string') out.set(lit, v as TObject);
  }
  return out;
}

/** The string literals of a union of literals (e.g. Type.Union([Type.Literal('a'), …])), in order. */
export function literalsOf(schema: TSchema): string[] {
  return ((schema as { anyOf?: TSchema[] }).anyOf ?? []).map((v) => v.const).filter((c): c is string => typeof c === 'string');
}

/** A variant's own keys besides the discriminator, in schema order. */
export function keysBesides(schema: TObject, discriminator: string): string[] {
  return Object.keys(schema.properties).filter((k) => k !== discriminator);
}

/** Whether the object schema requires `key` (TypeBox leaves Type.Optional properties out of `required`). */
export function isRequired(schema: TObject, key: string): boolean {
  return (schema.required ?? []).includes(key);
}
