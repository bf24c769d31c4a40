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
import { ProxmeshError } from '../errors.ts';
import type { CompressorSpec, CompressorSpecInput, LeafCompressorSpec } from './spec.ts';
import { FLOAT_PRECISIONS } from './precision.ts';

type Raw = Record<string, unknown>;

const KEYS: Record<CompressorSpec['kind'], readonly string[]> = {
  identity: ['precision'],
  topk: ['ratio', 'k', 'scope', 'precision'],
  randk: ['ratio', 'k', 'scope', 'scaled', 'precision'],
  qsgd: ['levels', 'scope', 'contractive', 'scalePrecision'],
  sign: ['scope', 'scalePrecision'],
  natural: [],
  dither: ['levels', 'norm', 'scope', 'scalePrecision'],
  lowrank: ['rank', 'vectorRatio', 'precision'],
  ef: ['inner'],
  chain: ['steps'],
};

export const COMPRESSOR_KINDS = Object.keys(KEYS) as readonly CompressorSpec['kind'][];
const LEAF_KINDS = ['identity', 'topk', 'randk', 'qsgd', 'sign', 'natural', 'dither', 'lowrank'];
const FLOAT_KINDS = ['identity', 'topk', 'randk'];
export const MAX_LEVELS = 1073741824; // 2^30: levels are Int32
export const MAX_RANK = 1024;

function fail(field: string, got: unknown, expected: string, extra = ''): never {
  const shown = typeof got === 'string' ? `'${got}'` : Array.isArray(got) ? `[${got.length} items]` : typeof got === 'object' && got !== null ? 'an object' : String(got);
  throw new ProxmeshError('PROXMESH_ERR_COMPRESSOR', `${field} = ${shown} is invalid (allowed: ${expected})${extra ? `; ${extra}` : ''}`, { field, got, expected });
}

function pick<T extends string>(s: Raw, key: string, path: string, allowed: readonly T[], dflt: T): T {
  const v = s[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(`${path}.${key}`, v, allowed.join(' | '));
  return v as T;
}

function bool(s: Raw, key: string, path: string, dflt: boolean): boolean {
  const v = s[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(`${path}.${key}`, v, 'true | false');
  return v;
}

function keepSel(s: Raw, path: string): { ratio?: number; k?: number } {
  const { ratio, k } = s;
  if (ratio !== undefined && k !== undefined) fail(`${path}.k`, k, 'exactly one of ratio or k', `ratio = ${String(ratio)} is also given`);
  if (ratio === undefined && k === undefined) fail(`${path}.ratio`, undefined, 'a number in (0, 1], or give k (an integer ≥ 1)', 'exactly one of ratio or k is required');
  if (ratio !== undefined) {
    if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) fail(`${path}.ratio`, ratio, 'a number in (0, 1]');
    return { ratio };
  }
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) fail(`${path}.k`, k, 'an integer ≥ 1 (and ≤ d of every block)');
  return { k };
}

function resolveLeaf(s: Raw, path: string): LeafCompressorSpec {
  switch (s.kind) {
    case 'identity':
      return { kind: 'identity', precision: pick(s, 'precision', path, FLOAT_PRECISIONS, 'f64') };
    case 'topk':
      return { kind: 'topk', ...keepSel(s, path), scope: pick(s, 'scope', path, ['layer', 'global'], 'layer'), precision: pick(s, 'precision', path, FLOAT_PRECISIONS, 'f64') };
    case 'randk':
      return {
        kind: 'randk',
        ...keepSel(s, path),
        scope: pick(s, 'scope', path, ['layer', 'global'], 'layer'),
        scaled: bool(s, 'scaled', path, true),
        precision: pick(s, 'precision', path, FLOAT_PRECISIONS, 'f64'),
      };
    case 'qsgd': {
      const levels = s.levels;
      if (typeof levels !== 'number' || !Number.isInteger(levels) || levels < 1 || levels > MAX_LEVELS) fail(`${path}.levels`, levels, `an integer s with 1 ≤ s ≤ ${MAX_LEVELS}`);
      return {
        kind: 'qsgd',
        levels,
        scope: pick(s, 'scope', path, ['layer', 'global'], 'layer'),
        contractive: bool(s, 'contractive', path, false),
        scalePrecision: pick(s, 'scalePrecision', path, FLOAT_PRECISIONS, 'f64'),
      };
    }
    case 'sign':
      return { kind: 'sign', scope: pick(s, 'scope', path, ['layer', 'global'], 'layer'), scalePrecision: pick(s, 'scalePrecision', path, FLOAT_PRECISIONS, 'f64') };
    case 'natural':
      return { kind: 'natural' };
    case 'dither': {
      const levels = s.levels ?? 1;
      if (typeof levels !== 'number' || !Number.isInteger(levels) || levels < 1 || levels > MAX_LEVELS) fail(`${path}.levels`, levels, `an integer s with 1 ≤ s ≤ ${MAX_LEVELS}`);
      return {
        kind: 'dither',
        levels,
        norm: pick(s, 'norm', path, ['linf', 'l2'], 'linf'),
        scope: pick(s, 'scope', path, ['layer', 'global'], 'layer'),
        scalePrecision: pick(s, 'scalePrecision', path, FLOAT_PRECISIONS, 'f64'),
      };
    }
    case 'lowrank': {
      const rank = s.rank;
      if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1 || rank > MAX_RANK) fail(`${path}.rank`, rank, `an integer r with 1 ≤ r ≤ ${MAX_RANK}`);
      const vr = s.vectorRatio;
      if (vr !== undefined && (typeof vr !== 'number' || !(vr > 0 && vr <= 1))) fail(`${path}.vectorRatio`, vr, 'a number in (0, 1] (or omit it to send vectors uncompressed)');
      return { kind: 'lowrank', rank, ...(vr === undefined ? {} : { vectorRatio: vr }), precision: pick(s, 'precision', path, FLOAT_PRECISIONS, 'f64') };
    }
    default:
      return fail(`${path}.kind`, s.kind, LEAF_KINDS.join(' | '));
  }
}

function asObject(spec: unknown, path: string): Raw {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail(path, spec, `an object with kind ∈ ${COMPRESSOR_KINDS.join(' | ')}`);
  const s = spec as Raw;
  if (typeof s.kind !== 'string' || !Object.hasOwn(KEYS, s.kind)) fail(`${path}.kind`, s.kind, COMPRESSOR_KINDS.join(' | '));
  const allowed = KEYS[s.kind as CompressorSpec['kind']];
  for (const key of Object.keys(s)) {
    if (key !== 'kind' && !allowed.includes(key)) fail(`${path}.${key}`, s[key], `no such property for kind '${s.kind}' (properties: ${allowed.join(', ')})`);
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
    if (st.kind === 'ef' || st.kind === 'chain') fail(`${sp}.kind`, st.kind, LEAF_KINDS.join(' | '), 'ef and chain cannot be chain steps (use ef {inner: chain} or one flat chain)');
    if (st.kind === 'lowrank') fail(`${sp}.kind`, st.kind, LEAF_KINDS.filter((k) => k !== 'lowrank').join(' | '), "lowrank factors the model's matrix layers, which a chain step no longer sees; use lowrank alone or as ef {inner: lowrank}");
    if (i < steps.length - 1 && !FLOAT_KINDS.includes(st.kind as string)) {
      fail(`${sp}.kind`, st.kind, FLOAT_KINDS.join(' | '), `only the last chain step may produce integer levels or powers of two (qsgd, sign, dither, natural)`);
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
