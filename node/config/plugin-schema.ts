/**
 * The run-config schema as this process knows it: node/config/schema.ts's RunConfigSchema when no
 * plug-in is registered, else the same schema with each plug-in's section variant added:
 *   algorithm               built-in spec | { name: P, eta, etaSchedule?, clipNorm, …P's keys }
 *   compression.x / .y      built-in kinds | { kind: P, …P's keys }
 *   problem.model           built-in kinds | { kind: P, …P's keys }
 *   problem.regularizer     built-in kinds | { kind: P, …P's keys }
 * Rebuilt whenever the registry changes (registryVersion), so a config loaded after a plug-in
 * registered is validated, defaulted and documented with the plug-in's keys.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { AlgorithmSpecSchema } from '../algo/spec.ts';
import { CompressionSchema, RunConfigSchema } from './schema.ts';
import { ProblemSpecSchema } from '../problem/spec.ts';
import { registered, registryVersion, type PluginKind, type Registration } from '../plugins/registry.ts';

let memo: { version: number; schema: TObject } | null = null;

/** The run-config schema including every registered plug-in (RunConfigSchema itself when none). */
export function currentRunConfigSchema(): TObject {
  const version = registryVersion();
  if (memo?.version === version) return memo.schema;
  const any = (['algorithm', 'compressor', 'model', 'regularizer'] as const).some((k) => registered(k).length > 0);
  const schema = any ? compose() : (RunConfigSchema as unknown as TObject);
  memo = { version, schema };
  return schema;
}

function variant(r: Registration<unknown>, discriminator: 'kind' | 'name', common: Record<string, TSchema>): TObject {
  return Type.Object(
    {
      [discriminator]: Type.Literal(r.name, { description: `${r.kind} plug-in '${r.name}'${r.source ? ` (${basename(r.source)})` : ''}.` }),
      ...common,
      ...r.schema.properties,
    },
    { additionalProperties: false, description: r.description },
  );
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** A union schema's variants plus the plug-ins of `kind`, keeping the union's default and description. */
function extend(union: TSchema, kind: PluginKind): TSchema {
  const plugins = registered(kind).map((r) => variant(r, 'kind', {}));
  if (plugins.length === 0) return union;
  const u = union as TSchema & { anyOf: TSchema[]; default?: unknown; description?: string };
  const names = plugins.map((p) => (p.properties.kind as unknown as { const: string }).const);
  return Type.Union([...u.anyOf, ...plugins], {
    ...(u.default !== undefined ? { default: u.default } : {}),
    description: `${u.description ?? ''} Plug-ins: ${names.join(' | ')}.`.trim(),
  });
}

function algorithmSection(): TSchema {
  const plugins = registered('algorithm');
  if (plugins.length === 0) return AlgorithmSpecSchema;
  const props = AlgorithmSpecSchema.properties;
  // One branch per built-in name, so every branch has a `name` constant and the defaulting and the
  // error explanations (which pick a union branch by its constants) find the right one.
  const nameUnion = props.name as unknown as { anyOf: { const: string; description?: string }[] };
  const builtins = nameUnion.anyOf.map((lit) =>
    Type.Object(
      { ...props, name: Type.Literal(lit.const, { description: `Built-in algorithm ${lit.const}.` }) },
      { additionalProperties: false, description: `Built-in algorithm ${lit.const}.` },
    ),
  );
  const common = { eta: props.eta, etaSchedule: props.etaSchedule, clipNorm: props.clipNorm } as Record<string, TSchema>;
  const variants = plugins.map((r) => variant(r, 'name', common));
  return Type.Union([...builtins, ...variants], {
    description: `${AlgorithmSpecSchema.description} Plug-ins: ${plugins.map((r) => r.name).join(' | ')}.`,
  });
}

function compose(): TObject {
  const base = RunConfigSchema as unknown as TObject;
  const x = extend(CompressionSchema.properties.x, 'compressor');
  const compression = Type.Object(
    { x, y: extend(CompressionSchema.properties.y, 'compressor') },
    { additionalProperties: false, default: CompressionSchema.default, description: CompressionSchema.description },
  );
  const problem = Type.Object(
    {
      ...ProblemSpecSchema.properties,
      model: extend(ProblemSpecSchema.properties.model, 'model'),
      regularizer: extend(ProblemSpecSchema.properties.regularizer, 'regularizer'),
    },
    { additionalProperties: false, description: ProblemSpecSchema.description },
  );
  return Type.Object(
    { ...base.properties, algorithm: algorithmSection(), compression, problem },
    { additionalProperties: false, description: base.description },
  );
}
