/**
 * Step-size schedules for η (issue 13 item 5): the config key `algorithm.etaSchedule` and the one
 * pure function η(k) every algorithm uses, the same way, at iteration k = 0, 1, …, K − 1
 * (`etaAt(params, k)`). The paper's runs use a constant η (paper-spec §2.3, §6.1); omitting the key
 * keeps that, with the very same number η in every step, so results are byte-identical to a run
 * without schedules.
 *
 *   constant:  η_k = η
 *   step:      η_k = η · factor^⌊k / every⌋                              (step decay)
 *   cosine:    η_k = η_min + (η − η_min)·(1 + cos(π·min(k, T)/T))/2     (T = horizon, default K)
 * and, for every kind, a linear warm-up over the first W iterations (W = `warmup`, default 0):
 *   η_k ← η_k · (k + 1)/W  for k < W,
 * so η_0 = η/W, η_{W−1} = the base value, and from k = W on the base schedule is unchanged.
 * The stationarity measure of the metrics keeps the base η (comparable across schedules).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ProxmeshError } from '../errors.ts';

const warmup = Type.Integer({
  minimum: 0,
  default: 0,
  description: 'Linear warm-up over the first W iterations: η_k is multiplied by (k + 1)/W for k < W (0 = none).',
});

export const EtaScheduleSchema = Type.Union(
  [
    Type.Object(
      { kind: Type.Literal('constant', { description: 'η_k = η (the paper).' }), warmup },
      { additionalProperties: false, description: 'Constant η (optionally after a linear warm-up).' },
    ),
    Type.Object(
      {
        kind: Type.Literal('step', { description: 'Step decay: η_k = η · factor^⌊k/every⌋.' }),
        factor: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Decay factor in (0, 1] applied every `every` iterations.' }),
        every: Type.Integer({ minimum: 1, description: 'Iterations between decays (≥ 1).' }),
        warmup,
      },
      { additionalProperties: false, description: 'Step decay.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('cosine', { description: 'Cosine annealing: η_k = η_min + (η − η_min)(1 + cos(π·min(k, T)/T))/2.' }),
        etaMin: Type.Number({ minimum: 0, default: 0, description: 'Final step size η_min, 0 ≤ η_min ≤ η.' }),
        horizon: Type.Optional(
          Type.Integer({ minimum: 1, description: 'T, the iteration at which η_min is reached (default: iterations K).' }),
        ),
        warmup,
      },
      { additionalProperties: false, description: 'Cosine annealing from η to η_min.' },
    ),
  ],
  { description: 'Schedule of the step size η over iterations k (omit for a constant η, as in the paper).' },
);

export type EtaSchedule = Static<typeof EtaScheduleSchema>;

/** η as a function of the iteration k (k = 0, 1, …). */
export type StepSize = (k: number) => number;

/** What a schedule spec may look like before defaults (tests, library callers). */
export type EtaScheduleInput =
  | { kind: 'constant'; warmup?: number }
  | { kind: 'step'; factor: number; every: number; warmup?: number }
  | { kind: 'cosine'; etaMin?: number; horizon?: number; warmup?: number };

function bad(field: string, message: string, got: unknown, expected: string): never {
  throw new ProxmeshError(
    'PROXMESH_ERR_CONFIG_INCONSISTENT',
    `config /algorithm/etaSchedule/${field}: ${message} (got ${String(got)}); expected ${expected}`,
    {
      path: `/algorithm/etaSchedule/${field}`,
      got,
      expected,
    },
  );
}

/**
 * Checks what the schema cannot (η_min ≤ η, finite numbers, integer counts) and returns η(k).
 * `iterations` is K, the default cosine horizon. Throws PROXMESH_ERR_CONFIG_INCONSISTENT naming the field.
 */
export function makeStepSize(eta: number, schedule: EtaScheduleInput | EtaSchedule | undefined, iterations: number): StepSize {
  if (!(eta > 0) || !Number.isFinite(eta)) bad('eta', 'η must be a finite number > 0', eta, 'η > 0');
  if (schedule === undefined) return () => eta;
  const W = schedule.warmup ?? 0;
  if (!Number.isInteger(W) || W < 0) bad('warmup', 'must be an integer ≥ 0', W, 'an integer ≥ 0');
  let base: StepSize;
  switch (schedule.kind) {
    case 'constant':
      base = () => eta;
      break;
    case 'step': {
      const { factor, every } = schedule;
      if (!(factor > 0 && factor <= 1)) bad('factor', 'must be in (0, 1]', factor, 'a number in (0, 1]');
      if (!Number.isInteger(every) || every < 1) bad('every', 'must be an integer ≥ 1', every, 'an integer ≥ 1');
      base = (k) => eta * factor ** Math.floor(k / every);
      break;
    }
    case 'cosine': {
      const etaMin = schedule.etaMin ?? 0;
      const T = schedule.horizon ?? iterations;
      if (!(etaMin >= 0 && etaMin <= eta)) bad('etaMin', `must be in [0, η] with η = ${eta}`, etaMin, `0 ≤ etaMin ≤ ${eta}`);
      if (!Number.isInteger(T) || T < 1) bad('horizon', 'must be an integer ≥ 1', T, 'an integer ≥ 1');
      base = (k) => etaMin + ((eta - etaMin) * (1 + Math.cos((Math.PI * Math.min(k, T)) / T))) / 2;
      break;
    }
    default:
      return bad('kind', 'unknown schedule kind', (schedule as { kind: unknown }).kind, 'constant | step | cosine');
  }
  if (W === 0) return base;
  return (k) => (k < W ? (base(k) * (k + 1)) / W : base(k));
}

/** η at iteration k for these parameters: the schedule's value, or the constant η when there is none. */
export function etaAt(params: { readonly eta: number; readonly stepSize?: StepSize }, k: number): number {
  return params.stepSize === undefined ? params.eta : params.stepSize(k);
}
