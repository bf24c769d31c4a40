/**
 * The ONE run-config schema (brief "The run config"). Each section's schema lives with its owner
 * (algo, compress, problem, prox, topologies); this file composes them and adds the top-level
 * keys. Every default lives in a schema; `loadConfig` applies them, so a resolved config is total.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AlgorithmSpecSchema } from '../algo/spec.ts';
import { CompressorSpecSchema } from '../compress/spec.ts';
import { PartitionSpecSchema, ProblemSpecSchema } from '../problem/spec.ts';
import { TopologySpecSchema } from '../../topologies/spec.ts';
import { PluginListSchema } from '../plugins/spec.ts';
import { NetworkSpecSchema } from '../clock/spec.ts';
import { CheckpointEverySchema } from '../checkpoint/schema.ts';

export const InitSpecSchema = Type.Union(
  [
    Type.Object(
      { kind: Type.Literal('zero', { description: 'Every node starts at x⁰ = 0.' }) },
      { additionalProperties: false, description: 'x⁰ = 0 on every node.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('random', { description: "x⁰ drawn by the model's random initialiser." }),
        scale: Type.Number({ exclusiveMinimum: 0, default: 1, description: "Multiplier applied to the model's random initial point." }),
        perNode: Type.Boolean({
          default: false,
          description:
            "false: one shared x⁰ from Rng.derive(seed, -1, 'init'); true: node i draws its own from Rng.derive(seed, i, 'init').",
        }),
      },
      { additionalProperties: false, description: "x⁰ = scale · (model's random initialiser)." },
    ),
  ],
  { default: { kind: 'zero' }, description: 'Initial point x⁰: zero, or random {scale, perNode}.' },
);
export type InitSpec = Static<typeof InitSpecSchema>;

export const CompressionSchema = Type.Object(
  {
    x: CompressorSpecSchema,
    y: CompressorSpecSchema,
  },
  {
    additionalProperties: false,
    default: { x: { kind: 'identity' }, y: { kind: 'identity' } },
    description:
      'Compressors Q_x (model channel) and Q_y (tracker channel); used only by cdproxsgt, choco and beer. The others send uncompressed, so for them anything but identity (f64) is an error.',
  },
);

export const OutputSchema = Type.Object(
  {
    dir: Type.String({
      minLength: 1,
      default: 'runs',
      description: 'Parent folder of run folders (relative to the working directory). The CLI option --out overrides the whole run folder.',
    }),
    // '.' and '..' match the character class but name `dir` itself or its parent: refused (issue 16).
    name: Type.Union([Type.String({ minLength: 1, maxLength: 128, pattern: '^(?!\\.{1,2}$)[A-Za-z0-9._-]+$' }), Type.Null()], {
      default: null,
      description:
        "Run folder name under `dir` (letters, digits, '.', '_', '-'; not '.' or '..'); null = a UTC timestamp (e.g. 20260101-120000).",
    }),
  },
  { additionalProperties: false, default: {}, description: 'Where the run folder is written.' },
);

export const MetricsOptionsSchema = Type.Object(
  {
    paper: Type.Boolean({
      default: false,
      description:
        "true: the simulator also writes paper-metrics.ndjson, the authors' logged metrics (paper-spec §5.2): Σ_i‖x_i − x̄‖², test accuracy of x̄ and of every local x_i, local minibatch loss (docs/reproduction.md).",
    }),
  },
  { additionalProperties: false, description: 'Optional extra metrics; omit for the standard metrics only.' },
);

export const EvaluationOptionsSchema = Type.Object(
  {
    trainSamplesPerNode: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      default: null,
      description:
        "null: f, ∇f (stationarity) and the train accuracy of x̄ use every sample of every shard. m ≥ 1: they use a fixed subset of m samples per node (the whole shard when smaller), the first m of a permutation of shard i from Rng.derive(seed, i, 'eval-subset'), the same for the whole run. Test accuracy always uses the whole test set.",
    }),
  },
  { additionalProperties: false, description: 'Optional bounds on the cost of evaluating x̄; omit to evaluate on the whole training set.' },
);
export type EvaluationOptions = Static<typeof EvaluationOptionsSchema>;

export const RunConfigSchema = Type.Object(
  {
    seed: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      default: 42,
      description: 'Run seed; every random stream is Rng.derive(seed, node, purpose).',
    }),
    iterations: Type.Integer({ minimum: 1, default: 1000, description: 'K, the number of iterations.' }),
    evalEvery: Type.Integer({
      minimum: 1,
      default: 100,
      // apply-defaults.ts: a filled-in default is capped at iterations (must be ≤ iterations).
      defaultAtMost: 'iterations',
      description: 'Evaluate x̄ every this many iterations (and always at k = 0 and k = K); must be ≤ iterations.',
    }),
    batchSize: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('full')], {
      default: 32,
      description: 'Minibatch size per node per iteration, or "full" (exact local gradient over the whole shard).',
    }),
    algorithm: AlgorithmSpecSchema,
    compression: CompressionSchema,
    problem: ProblemSpecSchema,
    partition: PartitionSpecSchema,
    topology: TopologySpecSchema,
    init: InitSpecSchema,
    output: OutputSchema,
    checkpointEvery: CheckpointEverySchema,
    metrics: Type.Optional(MetricsOptionsSchema),
    evaluation: Type.Optional(EvaluationOptionsSchema),
    plugins: Type.Optional(PluginListSchema),
    network: Type.Optional(NetworkSpecSchema),
  },
  { additionalProperties: false, description: 'A proxmesh run.' },
);

export type RunConfig = Static<typeof RunConfigSchema>;

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A validated, defaulted, deep-frozen run config. */
export type FrozenConfig = DeepReadonly<RunConfig>;
