/**
 * loadConfig: file path or object → validated, defaulted, deep-frozen run config.
 * Order: parse → depth check → clone → defaults (schema) → Ajv validation (explained errors) →
 * cross-field checks → freeze. Errors: PROXMESH_ERR_CONFIG_PARSE (syntax, nesting),
 * PROXMESH_ERR_CONFIG (schema), PROXMESH_ERR_CONFIG_INCONSISTENT (cross-field), PROXMESH_ERR_LIMIT
 * (over a bound checked before any work, node/limits/bounds.ts).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { ProxmeshError } from '../errors.ts';
import { applyDefaults } from './apply-defaults.ts';
import { checkConfigConsistency } from './consistency.ts';
import { deepFreeze } from './deep-freeze.ts';
import { explain, formatValue, type ConfigIssue } from './explain.ts';
import { assertConfigDepth, readConfigFile } from './parse.ts';
import type { FrozenConfig, RunConfig } from './schema.ts';
import { dirname, resolve } from 'node:path';
import { resolveConfigPlugins } from '../plugins/config-hook.ts';
import { currentRunConfigSchema } from './plugin-schema.ts';

export interface LoadConfigOptions {
  /** Folder that relative `plugins` paths of an object config are resolved against (default: the working directory). */
  readonly baseDir?: string;
  /** 'loaded-only': accept only plug-ins this process already loaded (configs posted over HTTP). */
  readonly plugins?: 'load' | 'loaded-only';
}

export function loadConfig(source: string | object, opts: LoadConfigOptions = {}): FrozenConfig {
  const fromFile = typeof source === 'string';
  let raw: unknown;
  if (fromFile) {
    raw = readConfigFile(source);
  } else {
    // A posted config can be nested 100 000 levels deep: check before anything recursive runs.
    assertConfigDepth(source);
    raw = structuredClone(source);
  }
  boxInfinityToNull(raw);
  // Plug-ins first: their schemas are part of the schema the rest of the config is checked against.
  resolveConfigPlugins(raw, fromFile ? dirname(resolve(source)) : (opts.baseDir ?? process.cwd()), opts.plugins ?? 'load');
  const config = validateAgainst<RunConfig>(currentRunConfigSchema(), raw, '', { redact: fromFile });
  checkConfigConsistency(config);
  return deepFreeze(config) as FrozenConfig;
}

/**
 * The one place an infinity means something: a box bound written `-.inf` / `.inf` in YAML is
 * "unbounded", which the schema spells null (JSON has no infinity). It becomes null here, so
 * strictNumbers can refuse every other non-finite number (e.g. `iterations: .inf`).
 */
function boxInfinityToNull(raw: unknown): void {
  const reg = (raw as { problem?: { regularizer?: Record<string, unknown> } } | null)?.problem?.regularizer;
  if (typeof reg !== 'object' || reg === null || reg.kind !== 'box') return;
  if (reg.lower === -Infinity) reg.lower = null;
  if (reg.upper === Infinity) reg.upper = null;
}

/**
 * Compiling the run-config schema takes ~0.1 s; a schema object always compiles to the same
 * validator, so this memo (keyed by the schema object) cannot change any result.
 * `strict: false` lets TypeBox's extra keywords through, but it also turns Ajv's `strictNumbers` off
 * (Infinity then passes `type: integer`), so strictNumbers is set on its own: NaN and ±Infinity are
 * never numbers (a YAML `.inf` parses to Infinity).
 */
const validators = new WeakMap<TSchema, ValidateFunction>();
function compiled(schema: TSchema): ValidateFunction {
  let v = validators.get(schema);
  if (v === undefined) {
    v = new Ajv({ allErrors: true, useDefaults: true, strict: false, strictNumbers: true }).compile(schema);
    validators.set(schema, v);
  }
  return v;
}

const MAX_ISSUES = 20;

/** A given value as echoed in `detail`: itself when small, else its 80-character summary. */
function bounded(v: unknown): unknown {
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  const json = JSON.stringify(v);
  return json !== undefined && json.length <= 200 ? v : formatValue(v);
}

export interface ValidateOptions {
  /**
   * Leave the given values out of messages and detail: set for values read from a file, which may be
   * any file (issue 16: errors name, never quote). The path and the expected form still say what to fix.
   */
  readonly redact?: boolean;
}

/**
 * Validates `value` (mutated: defaults are filled in) against a TypeBox schema. Throws
 * PROXMESH_ERR_CONFIG with one line per problem, and the problems in `detail.issues`.
 */
export function validateAgainst<T>(schema: TSchema, value: unknown, prefix = '', opts: ValidateOptions = {}): T {
  applyDefaults(schema, value);
  const validate = compiled(schema);
  if (validate(value)) return value as T;
  let issues: ConfigIssue[] = explain(schema, value, prefix);
  if (issues.length === 0) {
    // The explainer does not know some keyword: fall back on Ajv's own words.
    issues = (validate.errors ?? []).map((e) => ({
      path: prefix + e.instancePath,
      expected: e.message ?? 'valid',
      got: e.data,
      message: `config ${prefix + e.instancePath || '/'}: ${e.message ?? 'invalid'}`,
    }));
  }
  if (opts.redact)
    issues = issues.map((i) => ({
      path: i.path,
      expected: i.expected,
      got: undefined,
      message: `config ${i.path || '/'}: must be ${i.expected}`,
    }));
  // One line per problem, at most MAX_ISSUES: a posted config with a million bad entries must not
  // get a response as large as itself.
  const shown = issues.slice(0, MAX_ISSUES);
  const more = issues.length > MAX_ISSUES ? [`… and ${issues.length - MAX_ISSUES} more problems`] : [];
  const first = shown[0];
  throw new ProxmeshError('PROXMESH_ERR_CONFIG', [...shown.map((i) => i.message), ...more].join('\n'), {
    path: first?.path,
    expected: first?.expected,
    ...(opts.redact ? {} : { got: bounded(first?.got) }),
    issues: shown.map(({ path, expected, got }) => (opts.redact ? { path, expected } : { path, expected, got: bounded(got) })),
  });
}
