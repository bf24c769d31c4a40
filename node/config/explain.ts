/**
 * Turns "this value does not match this schema" into human messages naming the JSON path, the
 * expected form and the value given ("config /algorithm/eta: must be > 0 (got -0.1)"). Ajv is the
 * gate (valid or not); this walker explains, because Ajv's raw output for unions lists the failure
 * of every branch. Unions are explained through the branch the value claims (its `kind`/`name`).
 */
import { discriminatorKeys, flattenUnion, isPlainObject, jsonTypeOf, pickBranch } from './apply-defaults.ts';
import { nearestKey } from './suggest.ts';
import type { TSchema } from '@sinclair/typebox';

/** A JSON-schema node as TypeBox builds it: its SchemaOptions index signature lets a walker read any keyword (anyOf, properties, default, …). */
type Schema = TSchema;

export interface ConfigIssue {
  /** JSON pointer, e.g. "/algorithm/eta" ("" = the whole config). */
  readonly path: string;
  /** The expected form, e.g. "> 0", "one of: ring, path". */
  readonly expected: string;
  /** The value given (undefined for a missing key). */
  readonly got: unknown;
  readonly message: string;
}

export function explain(schema: Schema, value: unknown, path = ''): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  walk(schema, value, path, out);
  return out;
}

export function formatValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // JSON would print null
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function issue(out: ConfigIssue[], path: string, expected: string, got: unknown, text?: string): void {
  const message = `config ${path || '/'}: ${text ?? `must be ${expected} (got ${formatValue(got)})`}`;
  out.push({ path, expected, got, message });
}

function walk(schema: Schema, value: unknown, path: string, out: ConfigIssue[]): void {
  if (schema.anyOf) return walkUnion(schema, schema.anyOf, value, path, out);
  if (schema.const !== undefined) {
    if (value !== schema.const) issue(out, path, formatValue(schema.const), value);
    return;
  }
  if (schema.enum) {
    if (!schema.enum.includes(value)) issue(out, path, `one of ${schema.enum.map(formatValue).join(', ')}`, value);
    return;
  }
  if (schema.type !== undefined && !typeMatches(schema.type, value)) {
    issue(out, path, describe(schema), value);
    return;
  }
  const before = out.length;
  checkBounds(schema, value, path, out);
  if (out.length > before) return;
  if (isPlainObject(value)) walkObject(schema, value, path, out);
  if (Array.isArray(value) && schema.items && !Array.isArray(schema.items)) {
    for (const [i, v] of value.entries()) walk(schema.items, v, `${path}/${i}`, out);
  }
}

function walkObject(schema: Schema, value: Record<string, unknown>, path: string, out: ConfigIssue[]): void {
  const props: Record<string, Schema> = schema.properties ?? {};
  if (schema.additionalProperties === false) {
    for (const key of Object.keys(value)) {
      if (!(key in props)) {
        const near = nearestKey(key, Object.keys(props));
        issue(
          out,
          path,
          `a key among ${Object.keys(props).join(', ')}`,
          key,
          `unknown key '${key}'${near ? `, did you mean '${near}'?` : ''} (allowed: ${Object.keys(props).join(', ')})`,
        );
      }
    }
  }
  for (const key of schema.required ?? []) {
    if (value[key] === undefined)
      issue(out, path, `an object with '${key}'`, undefined, `missing required key '${key}' (${describe(props[key] ?? {})})`);
  }
  for (const [key, sub] of Object.entries(props)) {
    if (value[key] !== undefined) walk(sub, value[key], `${path}/${escapePointer(key)}`, out);
  }
}

function walkUnion(schema: Schema, nested: Schema[], value: unknown, path: string, out: ConfigIssue[]): void {
  const branches = flattenUnion(nested);
  const consts = branches.filter((b) => b.const !== undefined);
  if (consts.length === branches.length) {
    if (!consts.some((b) => b.const === value)) issue(out, path, `one of ${consts.map((b) => formatValue(b.const)).join(', ')}`, value);
    return;
  }
  // Already valid against some branch? (cheap check through the explainer itself)
  for (const b of branches) if (explain(b, value, path).length === 0) return;
  const branch = pickBranch(branches, value);
  if (branch) return walk(branch, value, path, out);
  if (isPlainObject(value)) {
    const objects = branches.filter((b) => b.properties);
    const keys = [...new Set(objects.flatMap(discriminatorKeys))];
    for (const k of keys) {
      const allowed = objects.filter((b) => b.properties[k]?.const !== undefined).map((b) => String(b.properties[k].const));
      const got = value[k];
      if (got === undefined) {
        issue(out, path, `an object with '${k}'`, undefined, `missing required key '${k}' (one of: ${allowed.join(', ')})`);
      } else {
        issue(out, `${path}/${escapePointer(k)}`, `one of: ${allowed.join(', ')}`, got);
      }
      return;
    }
  }
  issue(out, path, branches.map(describe).join(' or '), value);
  void schema;
}

function checkBounds(schema: Schema, value: unknown, path: string, out: ConfigIssue[]): void {
  // NaN and ±Infinity compare false with every bound, and Infinity % 1 is NaN: name them first.
  if (typeof value === 'number' && !Number.isFinite(value)) return issue(out, path, `a finite ${describe(schema)}`, value);
  if (typeof value === 'number') {
    if (schema.exclusiveMinimum !== undefined && !(value > schema.exclusiveMinimum))
      issue(out, path, `> ${schema.exclusiveMinimum}`, value);
    if (schema.minimum !== undefined && !(value >= schema.minimum)) issue(out, path, `≥ ${schema.minimum}`, value);
    if (schema.exclusiveMaximum !== undefined && !(value < schema.exclusiveMaximum))
      issue(out, path, `< ${schema.exclusiveMaximum}`, value);
    if (schema.maximum !== undefined && !(value <= schema.maximum)) issue(out, path, `≤ ${schema.maximum}`, value);
    if (schema.multipleOf !== undefined && !Number.isInteger(value / schema.multipleOf))
      issue(out, path, `a multiple of ${schema.multipleOf}`, value);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      issue(out, path, `a string of at least ${schema.minLength} characters`, value);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      issue(out, path, `a string of at most ${schema.maxLength} characters`, value);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
      issue(out, path, `a string matching /${schema.pattern}/`, value);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      issue(out, path, `a list of at least ${schema.minItems} items`, value);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      issue(out, path, `a list of at most ${schema.maxItems} items`, value);
  }
}

function typeMatches(type: string | string[], value: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  const t = jsonTypeOf(value);
  return types.some((ty) => ty === t || (ty === 'number' && t === 'integer'));
}

/** A short human form of a schema: "integer ≥ 1", "number in (0, 1]", "'full'", "object (kind: topk)". */
export function describe(schema: Schema): string {
  if (schema.anyOf) return flattenUnion(schema.anyOf).map(describe).join(' | ');
  if (schema.const !== undefined) return formatValue(schema.const);
  if (schema.enum) return `one of ${schema.enum.map(formatValue).join(', ')}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any value');
  if (type === 'object') {
    const d = discriminatorKeys(schema).map((k) => `${k}: ${schema.properties[k].const}`);
    if (d.length) return `object (${d.join(', ')})`;
    return schema.properties ? `object {${Object.keys(schema.properties).join(', ')}}` : 'object';
  }
  if (type === 'array') return schema.items && !Array.isArray(schema.items) ? `list of ${describe(schema.items)}` : 'list';
  const lo =
    schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : schema.minimum !== undefined ? `≥ ${schema.minimum}` : '';
  const hi =
    schema.exclusiveMaximum !== undefined ? `< ${schema.exclusiveMaximum}` : schema.maximum !== undefined ? `≤ ${schema.maximum}` : '';
  return [type, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
