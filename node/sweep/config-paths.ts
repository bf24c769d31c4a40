/**
 * Dotted config paths ("compression.x.ratio") over the run-config schema: is a path known, which
 * known paths are close to a misspelt one, and get / set on plain JSON values. Union schemas
 * (compressor kinds, dataset forms, …) accept a key any branch declares; the cell's full validation
 * by loadConfig decides whether the value fits the branch the cell ends up in.
 */
import type { TSchema } from '@sinclair/typebox';
import { currentRunConfigSchema } from '../config/plugin-schema.ts';
import { ProxmeshError } from '../errors.ts';

/** A JSON-schema node as TypeBox builds it: its SchemaOptions index signature lets a walker read any keyword (anyOf, properties, default, …). */
type Schema = TSchema;

export function splitPath(path: string): string[] {
  return path.split('.');
}

function branches(schema: Schema): Schema[] {
  return schema.anyOf ? schema.anyOf.flatMap((b: Schema) => branches(b)) : [schema];
}

/** Schemas the value at `segment` below `schema` may have (empty: no such key). */
function children(schema: Schema, segment: string): Schema[] {
  const out: Schema[] = [];
  for (const b of branches(schema)) {
    if (b.properties && Object.hasOwn(b.properties, segment)) out.push(b.properties[segment]);
    else if (b.type === 'array' && b.items && !Array.isArray(b.items) && /^(0|[1-9]\d*)$/.test(segment)) out.push(b.items);
  }
  return out;
}

/** True if `path` names a key somewhere in the schema (any union branch). */
export function isKnownPath(path: string, schema: TSchema = currentRunConfigSchema()): boolean {
  const segs = splitPath(path);
  if (segs.some((s) => s === '')) return false;
  let cur: Schema[] = [schema as Schema];
  for (const s of segs) {
    cur = cur.flatMap((c) => children(c, s));
    if (cur.length === 0) return false;
  }
  return true;
}

/** Every object-key path of the schema (array items are not enumerated), sorted, deduplicated. */
export function knownPaths(schema: TSchema = currentRunConfigSchema()): string[] {
  const out = new Set<string>();
  const walk = (s: Schema, prefix: string, depth: number): void => {
    if (depth > 8) return;
    for (const b of branches(s)) {
      for (const [k, sub] of Object.entries<Schema>(b.properties ?? {})) {
        const p = prefix === '' ? k : `${prefix}.${k}`;
        out.add(p);
        walk(sub, p, depth + 1);
      }
    }
  };
  walk(schema as Schema, '', 0);
  return [...out].sort();
}

/** Levenshtein edit distance (insert, delete, substitute: cost 1 each). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * Up to 3 known paths close to `path`: edit distance ≤ max(2, ⌊|path|/4⌋), or the same last
 * segment (a right key under the wrong parent), closest first.
 */
export function suggestPaths(path: string, known: readonly string[] = knownPaths()): string[] {
  const last = splitPath(path).pop() ?? '';
  const limit = Math.max(2, Math.floor(path.length / 4));
  return known
    .map((p) => ({ p, d: editDistance(path, p), sameLeaf: splitPath(p).pop() === last }))
    .filter((c) => c.d <= limit || c.sameLeaf)
    .sort((a, b) => a.d - b.d || (a.p < b.p ? -1 : 1))
    .slice(0, 3)
    .map((c) => c.p);
}

/** Throws PROXMESH_ERR_CONFIG naming `path` (and close matches) when the schema has no such key. */
export function assertKnownPath(path: string, where: string): void {
  if (isKnownPath(path)) return;
  const near = suggestPaths(path);
  const hint = near.length > 0 ? `; did you mean ${near.map((p) => `"${p}"`).join(' or ')}?` : '';
  throw new ProxmeshError('PROXMESH_ERR_CONFIG', `${where}: "${path}" is not a run-config path${hint}`, { path, suggestions: near });
}

export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const s of splitPath(path)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

/**
 * Sets `path` in `obj` (mutated) to a deep copy of `value`, creating missing parent objects.
 * A parent that exists but is not an object (e.g. batchSize: 32 under "batchSize.x") is an error.
 */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const segs = splitPath(path);
  let cur: Record<string, unknown> = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    const next = cur[segs[i]];
    if (next === undefined || next === null) {
      const fresh: Record<string, unknown> = {};
      cur[segs[i]] = fresh;
      cur = fresh;
    } else if (typeof next === 'object') {
      cur = next as Record<string, unknown>;
    } else {
      const parent = segs.slice(0, i + 1).join('.');
      throw new ProxmeshError('PROXMESH_ERR_CONFIG', `cannot set "${path}": "${parent}" is ${JSON.stringify(next)}, not an object`, {
        path,
        parent,
      });
    }
  }
  cur[segs[segs.length - 1]] = structuredClone(value);
}
