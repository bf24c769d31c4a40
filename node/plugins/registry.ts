/**
 * The plug-in registry (issue 14 item 2): compressors, algorithms, models and regularizers added at
 * run time by name, each with a factory and a TypeBox schema of its own config keys. The built-in
 * registries (algo/registry.ts, compress/registry.ts, problem/models/registry.ts, prox/registry.ts)
 * fall back on this one for names they do not know, and node/config/plugin-schema.ts composes the run
 * config schema from the built-in sections plus every registered schema.
 *
 * A leaf module (errors, TypeBox, Ajv and the section schemas only), so every registry can import it.
 */
import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import { ProxmeshError } from '../errors.ts';
import { variantsByLiteral } from '../schema/facts.ts';
import { ALGORITHM_NAMES } from '../algo/spec.ts';
import type { AlgoParams, NodeAlgorithm } from '../algo/types.ts';
import { CompressorSpecSchema } from '../compress/spec.ts';
import type { Compressor } from '../compress/types.ts';
import type { Rng } from '../linalg/rng.ts';
import { ModelSpecSchema } from '../problem/spec.ts';
import type { Dataset, Model } from '../problem/types.ts';
import type { LayerMap } from '../linalg/layers.ts';
import { RegularizerSpecSchema } from '../prox/spec.ts';
import type { ProxFactory } from '../prox/types.ts';

export type PluginKind = 'algorithm' | 'compressor' | 'model' | 'regularizer';

/** A plug-in's section of the config: its discriminator (`name` or `kind`) plus its own keys. */
export type PluginSpec = Readonly<Record<string, unknown>>;

/** Builds a node algorithm from the resolved common parameters (η, schedule) and the plug-in's keys. */
export type PluginAlgorithmFactory = (params: AlgoParams, spec: PluginSpec) => NodeAlgorithm;
/** Builds one compressor stream (one node, one channel) with its own seeded Rng. */
export type PluginCompressorFactory = (spec: PluginSpec, layers: LayerMap, rng: Rng) => Compressor;
/** Builds the model for the loaded training set; `precision` is problem.precision ('f64' unless set). */
export type PluginModelFactory = (spec: PluginSpec, data: Dataset, precision: 'f64' | 'f32') => Model;
/** Validates the spec and returns (layers) → Prox. */
export type PluginRegularizerFactory = (spec: PluginSpec) => ProxFactory;

export interface AlgorithmOptions {
  /** true: messages go through the configured compressors Q_x, Q_y (like cdproxsgt); default false. */
  readonly compressed?: boolean;
  /** One line for docs/config.md. */
  readonly description?: string;
}

export interface PluginOptions {
  /** One line for docs/config.md. */
  readonly description?: string;
}

export interface Registration<F> {
  readonly kind: PluginKind;
  readonly name: string;
  readonly factory: F;
  /** The plug-in's own keys (without the discriminator). */
  readonly schema: TObject;
  readonly description: string;
  /** Only for algorithms: uses Q_x, Q_y. */
  readonly compressed: boolean;
  /** The plug-in file that registered it (absolute path), or null for an in-process registration. */
  readonly source: string | null;
}

/** Keys the runner fills for every plug-in algorithm; a plug-in may not redefine them. */
export const COMMON_ALGORITHM_KEYS = ['name', 'eta', 'etaSchedule', 'clipNorm'] as const;

const tables = {
  algorithm: new Map<string, Registration<PluginAlgorithmFactory>>(),
  compressor: new Map<string, Registration<PluginCompressorFactory>>(),
  model: new Map<string, Registration<PluginModelFactory>>(),
  regularizer: new Map<string, Registration<PluginRegularizerFactory>>(),
};

/** Bumped on every change, so the composed schema (config/plugin-schema.ts) knows when to rebuild. */
let version = 0;
export function registryVersion(): number {
  return version;
}

/** The plug-in file whose register() is running (set by plugins/load.ts), recorded as the source. */
let currentSource: string | null = null;
/** Registrations made by the running register(), so a failing plug-in can be rolled back. */
let currentAdded: { kind: PluginKind; name: string }[] | null = null;

export function withSource<T>(source: string, fn: () => T): { result: T; added: readonly { kind: PluginKind; name: string }[] } {
  const prevSource = currentSource;
  const prevAdded = currentAdded;
  currentSource = source;
  currentAdded = [];
  const added = currentAdded;
  try {
    return { result: fn(), added };
  } catch (err) {
    for (const a of added) tables[a.kind].delete(a.name);
    if (added.length > 0) version++;
    throw err;
  } finally {
    currentSource = prevSource;
    currentAdded = prevAdded;
  }
}

const literalsOf = (union: TSchema, key: string): string[] => [...variantsByLiteral(union, key).keys()];

/** Built-in names per kind: a plug-in cannot take them. Read from the section schemas (one source). */
export function builtinNames(kind: PluginKind): readonly string[] {
  switch (kind) {
    case 'algorithm':
      return ALGORITHM_NAMES;
    case 'compressor':
      return literalsOf(CompressorSpecSchema, 'kind');
    case 'model':
      return literalsOf(ModelSpecSchema, 'kind');
    case 'regularizer':
      return literalsOf(RegularizerSpecSchema, 'kind');
  }
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

function bad(kind: PluginKind, name: unknown, message: string, field = 'schema'): ProxmeshError {
  const where = currentSource === null ? '' : ` (plug-in ${currentSource})`;
  return new ProxmeshError(
    'PROXMESH_ERR_PLUGIN',
    `register${kind[0].toUpperCase()}${kind.slice(1)}('${String(name)}')${where}: ${message}`,
    {
      kind,
      name,
      field,
      ...(currentSource === null ? {} : { plugin: currentSource }),
    },
  );
}

/**
 * One Ajv for checking that a plug-in schema compiles (strict off like the config loader's). Loaded
 * on first use through a module-local require, which the worker bundle (deploy/build/bundle-worker.mjs)
 * leaves out: a worker without plug-ins never loads Ajv (issue 11's start-up budget).
 */
let ajv: Ajv | null = null;
const loadAjv = (): typeof import('ajv').Ajv => (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv;

/**
 * Checks a plug-in's schema: a TypeBox object (Type.Object), every property described (the docs are
 * generated from descriptions), no discriminator or reserved key, and compilable by Ajv.
 */
function checkSchema(kind: PluginKind, name: string, schema: unknown, reserved: readonly string[]): TObject {
  const s = schema as Partial<TObject> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    (s as Record<symbol, unknown>)[Kind] !== 'Object' ||
    s.type !== 'object' ||
    typeof s.properties !== 'object'
  ) {
    throw bad(
      kind,
      name,
      'the third argument must be a TypeBox object schema, e.g. Type.Object({ levels: Type.Integer({ minimum: 1, description: "…" }) }); use Type.Object({}) for no keys',
    );
  }
  for (const [key, prop] of Object.entries(s.properties!)) {
    if (reserved.includes(key))
      throw bad(kind, name, `key '${key}' is reserved (${reserved.join(', ')} are set by proxmesh); rename it`, `schema.${key}`);
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key))
      throw bad(kind, name, `key '${key}' must be letters and digits, starting with a letter`, `schema.${key}`);
    if (
      typeof (prop as { description?: unknown }).description !== 'string' ||
      (prop as { description: string }).description.trim() === ''
    ) {
      throw bad(
        kind,
        name,
        `key '${key}' has no description; give every key { description: '…' } (docs/config.md is generated from them)`,
        `schema.${key}`,
      );
    }
  }
  try {
    ajv ??= new (loadAjv())({ strict: false, strictNumbers: true });
    ajv.compile(s as TSchema);
  } catch (err) {
    throw bad(kind, name, `the schema does not compile: ${(err as Error).message}`);
  }
  return s as TObject;
}

function register<F>(
  kind: PluginKind,
  name: unknown,
  factory: unknown,
  schema: unknown,
  reserved: readonly string[],
  opts: AlgorithmOptions = {},
): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw bad(kind, name, 'the name must be lower-case letters, digits and dashes, starting with a letter (at most 40 characters)', 'name');
  }
  if (builtinNames(kind).includes(name)) throw bad(kind, name, `'${name}' is a built-in ${kind}; choose another name`, 'name');
  if (typeof factory !== 'function') throw bad(kind, name, 'the second argument must be the factory function', 'factory');
  const checked = checkSchema(kind, name, schema, reserved);
  const table = tables[kind] as Map<string, Registration<F>>;
  const prior = table.get(name);
  if (prior !== undefined) {
    throw bad(kind, name, `already registered by ${prior.source ?? 'this process'}; a name can be registered once`, 'name');
  }
  table.set(name, {
    kind,
    name,
    factory: factory as F,
    schema: checked,
    source: currentSource,
    description: opts.description ?? (checked as { description?: string }).description ?? `${kind} plug-in '${name}'.`,
    compressed: opts.compressed === true,
  });
  currentAdded?.push({ kind, name });
  version++;
}

/** Adds a compressor kind: `compression.x: { kind: NAME, …keys }`. */
export function registerCompressor(name: string, factory: PluginCompressorFactory, schema: TObject, opts: PluginOptions = {}): void {
  register('compressor', name, factory, schema, ['kind'], opts);
}

/** Adds an algorithm: `algorithm: { name: NAME, eta, etaSchedule?, clipNorm?, …keys }`. */
export function registerAlgorithm(name: string, factory: PluginAlgorithmFactory, schema: TObject, opts: AlgorithmOptions = {}): void {
  register('algorithm', name, factory, schema, COMMON_ALGORITHM_KEYS, opts);
}

/** Adds a model kind: `problem.model: { kind: NAME, …keys }`. */
export function registerModel(name: string, factory: PluginModelFactory, schema: TObject, opts: PluginOptions = {}): void {
  register('model', name, factory, schema, ['kind'], opts);
}

/** Adds a regularizer kind: `problem.regularizer: { kind: NAME, …keys }`. */
export function registerRegularizer(name: string, factory: PluginRegularizerFactory, schema: TObject, opts: PluginOptions = {}): void {
  register('regularizer', name, factory, schema, ['kind'], opts);
}

export function pluginAlgorithm(name: string): Registration<PluginAlgorithmFactory> | undefined {
  return tables.algorithm.get(name);
}
export function pluginCompressor(name: string): Registration<PluginCompressorFactory> | undefined {
  return tables.compressor.get(name);
}
export function pluginModel(name: string): Registration<PluginModelFactory> | undefined {
  return tables.model.get(name);
}
export function pluginRegularizer(name: string): Registration<PluginRegularizerFactory> | undefined {
  return tables.regularizer.get(name);
}

/** Registered plug-ins of one kind, in registration order. */
export function registered(kind: PluginKind): readonly Registration<unknown>[] {
  return [...tables[kind].values()] as Registration<unknown>[];
}

/** Every registered name of one kind, built-ins first. */
export function namesOf(kind: PluginKind): readonly string[] {
  return [...builtinNames(kind), ...tables[kind].keys()];
}

/** `kind:name` of every registration made by a plug-in file (for the cross-process check). */
export function providedBy(source: string): string[] {
  const out: string[] = [];
  for (const t of Object.values(tables)) for (const r of t.values()) if (r.source === source) out.push(`${r.kind}:${r.name}`);
  return out.sort();
}
