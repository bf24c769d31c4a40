/**
 * Spec validation and defaulting for compressors. Every violation throws PROXMESH_ERR_COMPRESSOR
 * with the field path, the value and the allowed range. Checks that need the layer map (k ≤ d_t)
 * happen when the factory is called (layout.ts keepCounts).
 *
 * Allowed nesting: ef{inner: leaf | chain}; chain{steps: leaf[]} where every step but the last is
 * identity, topk or randk (their values are floats on a fixed carried layout, which the next step
 * compresses); qsgd and sign produce integer levels and may only be last. ef inside chain is
 * rejected (its error memory would be indexed by carried positions that change every call), as
 * are nested chains (write one flat chain) and ef(ef(·)).
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { ProxmeshError } from '../errors.ts';
import { isRequired, keysBesides, literalsOf, variantsByLiteral } from '../schema/facts.ts';
import {
  CompressorSpecSchema,
  LeafCompressorSpecSchema,
  type CompressorSpec,
  type CompressorSpecInput,
  type LeafCompressorSpec,
} from './spec.ts';

type Raw = Record<string, unknown>;

/**
 * The schema of each kind (compress/spec.ts): its keys, defaults, literal choices and bounds are read
 * from there, so this file holds only what the schema cannot say (exactly one of ratio or k, which
 * kinds may nest where, the wording of the errors).
 */
const SCHEMAS = variantsByLiteral(CompressorSpecSchema, 'kind') as ReadonlyMap<CompressorSpec['kind'], TObject>;
const KEYS = new Map([...SCHEMAS].map(([kind, schema]) => [kind, keysBesides(schema, 'kind')]));

export const COMPRESSOR_KINDS = [...SCHEMAS.keys()] as readonly CompressorSpec['kind'][];
const LEAF_KINDS = [...variantsByLiteral(LeafCompressorSpecSchema, 'kind').keys()];
/** Kinds whose output values are floats on a carried layout, so a later chain step can compress them. */
const FLOAT_KINDS = ['identity', 'topk', 'randk'];
/** The letter the errors give an integer field (the maths' symbol: s levels, r rank). */
const SYMBOL: Readonly<Record<string, string>> = { levels: 's', rank: 'r' };
/** What an error adds for an optional field, after its range. */
const OMIT_HINT: Readonly<Record<string, string>> = { vectorRatio: ' (or omit it to send vectors uncompressed)' };

function fail(field: string, got: unknown, expected: string, extra = ''): never {
  const shown =
    typeof got === 'string'
      ? `'${got}'`
      : Array.isArray(got)
        ? `[${got.length} items]`
        : typeof got === 'object' && got !== null
          ? 'an object'
          : String(got);
  throw new ProxmeshError('PROXMESH_ERR_COMPRESSOR', `${field} = ${shown} is invalid (allowed: ${expected})${extra ? `; ${extra}` : ''}`, {
    field,
    got,
    expected,
  });
}

/** (min, max] or [min, max] of a number schema, as the errors write it. */
function interval(p: TSchema): string {
  return p.exclusiveMinimum !== undefined ? `(${p.exclusiveMinimum}, ${p.maximum}]` : `[${p.minimum}, ${p.maximum}]`;
}

function inInterval(p: TSchema, v: number): boolean {
  return (p.exclusiveMinimum !== undefined ? v > p.exclusiveMinimum : v >= p.minimum) && v <= p.maximum;
}

/** Checks one given value against its property schema; errors name `field` and the allowed range. */
function checkValue(p: TSchema, key: string, field: string, v: unknown): unknown {
  const choices = literalsOf(p);
  if (choices.length > 0) {
    if (typeof v !== 'string' || !choices.includes(v)) fail(field, v, choices.join(' | '));
  } else if (p.type === 'boolean') {
    if (typeof v !== 'boolean') fail(field, v, 'true | false');
  } else if (p.type === 'integer') {
    const sym = SYMBOL[key] ?? key;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < p.minimum || v > p.maximum)
      fail(field, v, `an integer ${sym} with ${p.minimum} ≤ ${sym} ≤ ${p.maximum}`);
  } else if (p.type === 'number') {
    if (typeof v !== 'number' || !inInterval(p, v)) fail(field, v, `a number in ${interval(p)}${OMIT_HINT[key] ?? ''}`);
  }
  return v;
}

/** Exactly one of ratio or k (the cross-field rule of topk and randk); ranges from their schemas. */
function keepSel(s: Raw, path: string, schema: TObject): { ratio?: number; k?: number } {
  const { ratio, k } = s;
  const pr = schema.properties.ratio;
  const pk = schema.properties.k;
  if (ratio !== undefined && k !== undefined) fail(`${path}.k`, k, 'exactly one of ratio or k', `ratio = ${String(ratio)} is also given`);
  if (ratio === undefined && k === undefined)
    fail(
      `${path}.ratio`,
      undefined,
      `a number in ${interval(pr)}, or give k (an integer ≥ ${pk.minimum})`,
      'exactly one of ratio or k is required',
    );
  if (ratio !== undefined) {
    if (typeof ratio !== 'number' || !inInterval(pr, ratio)) fail(`${path}.ratio`, ratio, `a number in ${interval(pr)}`);
    return { ratio };
  }
  if (typeof k !== 'number' || !Number.isInteger(k) || k < pk.minimum)
    fail(`${path}.k`, k, `an integer ≥ ${pk.minimum} (and ≤ d of every block)`);
  return { k };
}

/** A leaf spec with every default filled in, in the schema's key order. */
function resolveLeaf(s: Raw, path: string): LeafCompressorSpec {
  const kind = s.kind as string;
  if (!LEAF_KINDS.includes(kind)) return fail(`${path}.kind`, s.kind, LEAF_KINDS.join(' | '));
  const schema = SCHEMAS.get(kind as CompressorSpec['kind']) as TObject;
  const out: Raw = { kind };
  if ('ratio' in schema.properties) Object.assign(out, keepSel(s, path, schema));
  for (const key of keysBesides(schema, 'kind')) {
    if (key === 'ratio' || key === 'k') continue;
    const p = schema.properties[key];
    const v = s[key];
    if (v !== undefined) out[key] = checkValue(p, key, `${path}.${key}`, v);
    else if (p.default !== undefined) out[key] = p.default;
    else if (isRequired(schema, key)) checkValue(p, key, `${path}.${key}`, v);
  }
  return out as LeafCompressorSpec;
}

function asObject(spec: unknown, path: string): Raw {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    fail(path, spec, `an object with kind ∈ ${COMPRESSOR_KINDS.join(' | ')}`);
  const s = spec as Raw;
  if (typeof s.kind !== 'string' || !KEYS.has(s.kind as CompressorSpec['kind'])) fail(`${path}.kind`, s.kind, COMPRESSOR_KINDS.join(' | '));
  const allowed = KEYS.get(s.kind as CompressorSpec['kind']) ?? [];
  for (const key of Object.keys(s)) {
    if (key !== 'kind' && !allowed.includes(key))
      fail(`${path}.${key}`, s[key], `no such property for kind '${s.kind}' (properties: ${allowed.join(', ')})`);
  }
  return s;
}

function resolveChain(s: Raw, path: string): CompressorSpec & { kind: 'chain' } {
  const steps = s.steps;
  if (!Array.isArray(steps) || steps.length === 0) fail(`${path}.steps`, steps, 'a non-empty array of compressor specs');
  const out: LeafCompressorSpec[] = [];
  steps.forEach((step, i) => {
    const sp = `${path}.steps[${i}]`;
    const st = asObject(step, sp);
    if (st.kind === 'ef' || st.kind === 'chain')
      fail(`${sp}.kind`, st.kind, LEAF_KINDS.join(' | '), 'ef and chain cannot be chain steps (use ef {inner: chain} or one flat chain)');
    if (st.kind === 'lowrank')
      fail(
        `${sp}.kind`,
        st.kind,
        LEAF_KINDS.filter((k) => k !== 'lowrank').join(' | '),
        "lowrank factors the model's matrix layers, which a chain step no longer sees; use lowrank alone or as ef {inner: lowrank}",
      );
    if (i < steps.length - 1 && !FLOAT_KINDS.includes(st.kind as string)) {
      fail(
        `${sp}.kind`,
        st.kind,
        FLOAT_KINDS.join(' | '),
        `only the last chain step may produce integer levels or powers of two (qsgd, sign, dither, natural)`,
      );
    }
    out.push(resolveLeaf(st, sp));
  });
  return { kind: 'chain', steps: out };
}

/** Validates `spec` and returns it with every default filled in. `path` prefixes field names in errors. */
export function resolveCompressorSpec(spec: CompressorSpecInput | CompressorSpec | unknown, path = 'compressor'): CompressorSpec {
  const s = asObject(spec, path);
  if (s.kind === 'chain') return resolveChain(s, path);
  if (s.kind === 'ef') {
    const ip = `${path}.inner`;
    const inner = asObject(s.inner, ip);
    if (inner.kind === 'ef') fail(`${ip}.kind`, inner.kind, [...LEAF_KINDS, 'chain'].join(' | '), 'ef cannot wrap ef');
    return { kind: 'ef', inner: inner.kind === 'chain' ? resolveChain(inner, ip) : resolveLeaf(inner, ip) };
  }
  return resolveLeaf(s, path);
}
