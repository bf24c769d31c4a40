/**
 * loadConfig: file path or object → validated, defaulted, deep-frozen run config.
 * Order: parse → clone → defaults (schema) → Ajv validation (explained errors) → cross-field checks
 * → freeze. Errors: PROXMESH_ERR_CONFIG_PARSE (syntax), PROXMESH_ERR_CONFIG (schema),
 * PROXMESH_ERR_CONFIG_INCONSISTENT (cross-field).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { ProxmeshError } from '../errors.ts';
import { applyDefaults } from './apply-defaults.ts';
import { checkConfigConsistency } from './consistency.ts';
import { deepFreeze } from './deep-freeze.ts';
import { explain } from './explain.ts';
import { readConfigFile } from './parse.ts';
import { RunConfigSchema, type FrozenConfig, type RunConfig } from './schema.ts';

export function loadConfig(source: string | object): FrozenConfig {
  const raw = typeof source === 'string' ? readConfigFile(source) : structuredClone(source);
  const config = validateAgainst<RunConfig>(RunConfigSchema, raw);
  checkConfigConsistency(config);
  return deepFreeze(config) as FrozenConfig;
}

/**
 * Compiling the run-config schema takes ~0.1 s; a schema object always compiles to the same
 * validator, so this memo (keyed by the schema object) cannot change any result.
 */
const validators = new WeakMap<TSchema, ValidateFunction>();
function compiled(schema: TSchema): ValidateFunction {
  let v = validators.get(schema);
  if (v === undefined) {
    v = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(schema);
    validators.set(schema, v);
  }
  return v;
}

/**
 * Validates `value` (mutated: defaults are filled in) against a TypeBox schema. Throws
 * PROXMESH_ERR_CONFIG with one line per problem, and the problems in `detail.issues`.
 */
export function validateAgainst<T>(schema: TSchema, value: unknown, prefix = ''): T {
  applyDefaults(schema, value);
  const validate = compiled(schema);
  if (validate(value)) return value as T;
  let issues = explain(schema, value, prefix);
  if (issues.length === 0) {
    // The explainer does not know some keyword: fall back on Ajv's own words.
    issues = (validate.errors ?? []).map((e) => ({
      path: prefix + e.instancePath,
      expected: e.message ?? 'valid',
      got: e.data,
      message: `config ${prefix + e.instancePath || '/'}: ${e.message ?? 'invalid'}`,
    }));
  }
  const first = issues[0];
  throw new ProxmeshError('PROXMESH_ERR_CONFIG', issues.map((i) => i.message).join('\n'), {
    path: first?.path,
    expected: first?.expected,
    got: first?.got,
    issues: issues.map(({ path, expected, got }) => ({ path, expected, got })),
  });
}
