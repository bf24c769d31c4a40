/**
 * docs/config.md, rendered from the run-config schema: every key path with its type, default,
 * allowed values and description. Union sections (kind: topk | randk | …) list each variant's keys
 * under "when kind = …". Pure function of the schema, so a test can compare it with the file.
 */
import type { TSchema } from '@sinclair/typebox';
import { describe } from './explain.ts';
import { discriminatorKeys } from './apply-defaults.ts';
import { RunConfigSchema } from './schema.ts';

/** A JSON-schema node as TypeBox builds it: its SchemaOptions index signature lets a walker read any keyword (anyOf, properties, default, …). */
type Schema = TSchema;

interface Row {
  readonly path: string;
  readonly when: string;
  readonly type: string;
  readonly def: string;
  readonly description: string;
}

export function renderConfigDocs(schema: TSchema = RunConfigSchema): string {
  const refs = collectIds(schema as Schema);
  const rows: Row[] = [];
  walk(schema as Schema, '', '', true, rows, refs, new Set(), new Map());
  const lines = [
    '# Run config reference',
    '',
    '<!-- Generated from node/config/schema.ts by `npm run docs:config`. Do not edit by hand: test/config/docs.test.ts fails when this file is stale. -->',
    '',
    'A run config is a YAML or JSON file (see `examples/`). Every object is closed: an unknown key is an',
    'error (`PROXMESH_ERR_CONFIG`) naming its path and the allowed keys. Keys with a default may be left',
    'out; `config.json` in each run folder holds the resolved config with every default filled in.',
    'Values that are each valid but contradict each other (k > d, more nodes than samples, evalEvery >',
    'iterations, …) are rejected with `PROXMESH_ERR_CONFIG_INCONSISTENT`.',
    '',
    (schema as Schema).description ? `${(schema as Schema).description}` : '',
    '',
    '| key | when | type / allowed values | default | description |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| \`${r.path}\` | ${cell(r.when)} | ${cell(r.type)} | ${cell(r.def)} | ${cell(r.description)} |`),
    '',
  ];
  return lines.join('\n');
}

function walk(
  schema: Schema,
  path: string,
  when: string,
  required: boolean,
  rows: Row[],
  refs: Map<string, Schema>,
  seen: Set<string>,
  expanded: Map<string, string>,
): void {
  if (schema.$ref !== undefined) {
    const target = refs.get(schema.$ref);
    rows.push({
      path,
      when,
      type: `(recursive: same as \`${refPath(seen, schema.$ref)}\`)`,
      def: defaultOf(schema, required),
      description: schema.description ?? target?.description ?? '',
    });
    return;
  }
  const id: string | undefined = schema.$id;
  const seenHere = id !== undefined ? new Set([...seen, `${id}\u0000${path}`]) : seen;
  const objectBranches: Schema[] = flattenBranches(schema, refs);
  if (schema.anyOf && objectBranches.some((b) => b.properties)) {
    const key = JSON.stringify(objectBranches);
    const earlier = expanded.get(key);
    const type = objectBranches.map(describe).join(' | ');
    if (earlier !== undefined) {
      rows.push({
        path,
        when,
        type,
        def: defaultOf(schema, required),
        description: `${schema.description ?? ''} Keys as for \`${earlier}\`.`.trim(),
      });
      return;
    }
    expanded.set(key, path);
    rows.push({ path: path || '(root)', when, type, def: defaultOf(schema, required), description: schema.description ?? '' });
    objectBranches.forEach((branch, bi) => {
      if (!branch.properties) return;
      const disc = discriminatorKeys(branch);
      const label = disc.length
        ? disc.map((k) => `${k} = ${branch.properties[k].const}`).join(', ')
        : `variant ${bi + 1}: ${Object.keys(branch.properties).join(', ')}`;
      const w = when ? `${when}; ${path.split('.').pop()}.${label}` : label;
      const bkey = `branch:${JSON.stringify(branch)}`;
      const first = expanded.get(bkey);
      if (first !== undefined && disc.length) {
        for (const k of disc)
          rows.push({
            path: path ? `${path}.${k}` : k,
            when: w,
            type: describe(branch.properties[k]),
            def: 'required',
            description: `${branch.properties[k].description ?? ''} Other keys as for ${first}.`.trim(),
          });
        return;
      }
      expanded.set(bkey, `\`${path}\` (${label})`);
      walkProperties(branch, path, w, rows, refs, seenHere, new Set(disc), expanded);
    });
    return;
  }
  if (schema.properties) {
    if (path) rows.push({ path, when, type: 'object', def: defaultOf(schema, required), description: schema.description ?? '' });
    walkProperties(schema, path, when, rows, refs, seenHere, new Set(), expanded);
    return;
  }
  if (schema.type === 'array' && schema.items?.properties) {
    rows.push({ path, when, type: 'list of objects', def: defaultOf(schema, required), description: schema.description ?? '' });
    walkProperties(schema.items, `${path}[]`, when, rows, refs, seenHere, new Set(), expanded);
    return;
  }
  if (schema.type === 'array' && (schema.items?.anyOf || schema.items?.$ref)) {
    rows.push({ path, when, type: 'list', def: defaultOf(schema, required), description: schema.description ?? '' });
    walk(schema.items, `${path}[]`, when, true, rows, refs, seenHere, expanded);
    return;
  }
  rows.push({ path, when, type: describe(schema), def: defaultOf(schema, required), description: schema.description ?? '' });
}

function walkProperties(
  schema: Schema,
  path: string,
  when: string,
  rows: Row[],
  refs: Map<string, Schema>,
  seen: Set<string>,
  skipDescribeOnly: Set<string>,
  expanded: Map<string, string>,
): void {
  const req = new Set<string>(schema.required ?? []);
  for (const [key, sub] of Object.entries<Schema>(schema.properties)) {
    const p = path ? `${path}.${key}` : key;
    if (skipDescribeOnly.has(key)) {
      rows.push({ path: p, when, type: describe(sub), def: 'required', description: sub.description ?? '' });
      continue;
    }
    walk(sub, p, when, req.has(key), rows, refs, seen, expanded);
  }
}

/** The object variants of a union, with nested unions flattened (ef.inner = leaf | chain). */
function flattenBranches(schema: Schema, refs: Map<string, Schema>): Schema[] {
  if (!schema.anyOf) return [];
  return schema.anyOf.flatMap((b: Schema) => {
    const t = b.$ref ? (refs.get(b.$ref) ?? b) : b;
    return t.anyOf ? flattenBranches(t, refs) : [t];
  });
}

function defaultOf(schema: Schema, required: boolean): string {
  if (schema.default !== undefined && typeof schema.defaultAtMost === 'string')
    return `\`min(${JSON.stringify(schema.default)}, ${schema.defaultAtMost})\``;
  if (schema.default !== undefined) return `\`${JSON.stringify(schema.default)}\``;
  return required ? 'required' : 'optional';
}

function collectIds(root: Schema): Map<string, Schema> {
  const out = new Map<string, Schema>();
  const visit = (s: unknown): void => {
    if (typeof s !== 'object' || s === null) return;
    if (Array.isArray(s)) return s.forEach(visit);
    const o = s as Schema;
    if (typeof o.$id === 'string' && !out.has(o.$id)) out.set(o.$id, o);
    Object.values(o).forEach(visit);
  };
  visit(root);
  return out;
}

function refPath(seen: Set<string>, ref: string): string {
  for (const s of seen) {
    const [id, path] = s.split('\u0000');
    if (id === ref) return path;
  }
  return ref;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
