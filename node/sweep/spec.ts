/**
 * The study file of `proxmesh sweep` (YAML or JSON): a base run config, the axes that vary, the
 * axes that vary together (zip), seeds, convergence targets and the number of parallel cells.
 * Every cell's config is the base with that cell's axis values set, validated by loadConfig.
 */
import { Type, type Static } from '@sinclair/typebox';

export const StudyTargetsSchema = Type.Object(
  {
    objective: Type.Optional(
      Type.Number({ description: 'Report the bits and iterations until the objective f(x̄)+r(x̄) first drops to ≤ this value.' }),
    ),
    stationarity: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'Report the bits and iterations until ‖x̄ − prox_{ηr}(x̄ − η∇f(x̄))‖/η first drops to ≤ this value.',
      }),
    ),
    testAccuracy: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'Report the bits and iterations until the test accuracy first reaches ≥ this value.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Convergence targets; each becomes "bits (and iterations) to first reach it" in the study index (null if never).',
  },
);
export type StudyTargets = Static<typeof StudyTargetsSchema>;

export const StudySpecSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9._-]+$',
      description: 'Study name (letters, digits, . _ -); the default study folder is studies/<name>.',
    }),
    description: Type.Optional(Type.String({ description: 'Free text kept in study.json.' })),
    base: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'The base run config (inline). It may be incomplete: each cell = base + its axis values must be a valid run config.',
      }),
    ),
    baseFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Path of the base run config (YAML or JSON), relative to the study file. Give exactly one of base or baseFile.',
      }),
    ),
    axes: Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.Unknown(), { minItems: 1 }), {
      default: {},
      description:
        'Config path (dotted, e.g. algorithm.name, compression.x.ratio, topology.kind) → the values it takes; axes are crossed unless zipped.',
    }),
    zip: Type.Optional(
      Type.Array(Type.Array(Type.String({ minLength: 1 }), { minItems: 2 }), {
        description:
          'Groups of axes that vary together instead of crossing (equal numbers of values), e.g. [[compression.x, compression.y]].',
      }),
    ),
    seeds: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), {
        minItems: 1,
        uniqueItems: true,
        description: 'Shorthand for the axis `seed` (varies fastest).',
      }),
    ),
    targets: Type.Optional(StudyTargetsSchema),
    parallel: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 256,
        description: 'Cells run at the same time, each in its own process (default: os.availableParallelism()).',
      }),
    ),
  },
  { additionalProperties: false, description: 'A proxmesh study: a grid of run configs.' },
);
export type StudySpec = Static<typeof StudySpecSchema>;
