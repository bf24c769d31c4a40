/**
 * The config's `algorithm` section (TypeBox). Hyper-parameters are checked here; their meaning is in
 * paper-spec §2–§3 (η, γ_x, γ_y) and §6.5 (β, initBatches for DEEPSTORM).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { AlgoParams } from './types.ts';
import { EtaScheduleSchema, makeStepSize } from './step-size.ts';

export const ALGORITHM_NAMES = ['dproxsgt', 'cdproxsgt', 'allreduce', 'dpsgd', 'choco', 'beer', 'deepstorm', 'proxgtsa'] as const;
export type AlgorithmName = (typeof ALGORITHM_NAMES)[number];

export const AlgorithmNameSchema = Type.Union(
  ALGORITHM_NAMES.map((n) => Type.Literal(n)),
  {
    description:
      'Algorithm: dproxsgt | cdproxsgt (compressed) | allreduce | dpsgd | choco (compressed) | beer (compressed) | deepstorm | proxgtsa.',
  },
);

export const AlgorithmSpecSchema = Type.Object(
  {
    name: AlgorithmNameSchema,
    eta: Type.Number({
      exclusiveMinimum: 0,
      description: 'Step size η > 0 (constant unless etaSchedule is given; the paper uses no decay).',
    }),
    etaSchedule: Type.Optional(EtaScheduleSchema),
    gammaX: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 1,
      description: 'Consensus step size γ_x ∈ (0, 1] for the model copies (cdproxsgt, beer, choco).',
    }),
    gammaY: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 1,
      description: 'Consensus step size γ_y ∈ (0, 1] for the tracker copies (cdproxsgt, beer).',
    }),
    beta: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.8, description: 'DEEPSTORM momentum β ∈ (0, 1].' }),
    initBatches: Type.Integer({
      minimum: 1,
      default: 25,
      description: 'DEEPSTORM: number of minibatch gradients averaged for d⁰ (the authors use 25).',
    }),
    stepTracker: Type.Optional(
      Type.Union([Type.Literal('mixed'), Type.Literal('unmixed')], {
        description:
          "dproxsgt and proxgtsa only: the tracker the step prox(x − η y) uses. 'mixed' (the default when absent): y_i^k = Σ_j w_ij y_j^{k−1/2}, the paper's Algorithm 1 and the authors' 2023 and Compress code. 'unmixed': y_i^{k−1/2}, before the y-exchange, as the authors' published RegL1 code (Experiment A) does; see docs/reproduction.md.",
      }),
    ),
    clipNorm: Type.Union([Type.Null(), Type.Number({ exclusiveMinimum: 0 })], {
      default: null,
      description: 'null, or clip every stochastic gradient to this ℓ2 norm before it is used (the authors use 10).',
    }),
  },
  { additionalProperties: false, description: 'The decentralized algorithm and its hyper-parameters.' },
);

export type AlgorithmSpec = Static<typeof AlgorithmSpecSchema>;

/**
 * The step hyper-parameters of a validated spec (clipNorm goes to the gradient oracle instead).
 * `iterations` (K) is the default horizon of a cosine schedule.
 */
export function algoParamsFromSpec(spec: AlgorithmSpec, iterations = 1): AlgoParams {
  return {
    eta: spec.eta,
    ...(spec.etaSchedule === undefined ? {} : { stepSize: makeStepSize(spec.eta, spec.etaSchedule, iterations) }),
    gammaX: spec.gammaX ?? 1,
    gammaY: spec.gammaY ?? 1,
    beta: spec.beta ?? 0.8,
    initBatches: spec.initBatches ?? 25,
    ...(spec.stepTracker === undefined ? {} : { stepTracker: spec.stepTracker }),
  };
}

/** The algorithms that take `algorithm.stepTracker` (the DProxSGT step, node/algo/dproxsgt.ts). */
export const STEP_TRACKER_ALGORITHMS: readonly AlgorithmName[] = ['dproxsgt', 'proxgtsa'];
