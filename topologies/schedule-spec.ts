/**
 * The config key `topology.schedule` (issue 13 item 1): a mixing matrix W_k per round k instead of
 * one W. The base topology (topology.kind and its parameters) stays the graph of round 0 for
 * `cycle` and the graph whose edges drop out for `dropout`; see schedule.ts for each W_k.
 */
import { Type, type Static } from '@sinclair/typebox';

const period = Type.Integer({
  minimum: 1,
  maximum: 65536,
  default: 16,
  description: 'Number of distinct random rounds drawn; round k uses draw k mod period (1 ≤ period ≤ 65536).',
});

export const TopologyScheduleSchema = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal('cycle', {
          description: 'Rounds cycle through the base graph, then each graph of `then`: W_k = W_(k mod (1 + len(then))).',
        }),
        then: Type.Array(
          Type.Object(
            { kind: Type.String({ minLength: 1 }) },
            {
              additionalProperties: true,
              description: 'A topology spec without nodes (kind and its parameters; weights and lazy default to the base’s).',
            },
          ),
          { maxItems: 1024, description: 'Graphs after the base one, in round order (empty: the static base topology).' },
        ),
      },
      { additionalProperties: false, description: 'A cycle of given graphs.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('one-peer-exponential', {
          description: 'One-peer exponential graph (Ying et al. 2021): τ = ⌈log₂n⌉ rounds, one peer per round, W_k = (I + P_k)/2.',
        }),
        form: Type.Union([Type.Literal('directed'), Type.Literal('symmetric')], {
          default: 'directed',
          description:
            "'directed' (the paper's graph): in round k node i sends to i + 2^(k mod τ) and averages with what i − 2^(k mod τ) sent (any n; W_k doubly stochastic, not symmetric). 'symmetric': node i averages with i XOR 2^(k mod τ) (n a power of 2; W_k symmetric).",
        }),
      },
      { additionalProperties: false, description: 'One peer per round; for n a power of 2 the product over one period is exactly J.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('random-matching', {
          description: 'A seeded random perfect matching per round (odd n: one node idles), W_k = (I + P_k)/2.',
        }),
        period,
      },
      { additionalProperties: false, description: 'Random gossip matchings.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('dropout', {
          description:
            'Each base edge is dropped independently with probability p per round; W_k = Metropolis weights of the surviving graph.',
        }),
        p: Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Drop probability p ∈ [0, 1).' }),
        period,
      },
      { additionalProperties: false, description: 'Per-round edge dropout, weights recomputed so every W_k stays doubly stochastic.' },
    ),
  ],
  {
    description:
      'Time-varying topology: cycle | one-peer-exponential | random-matching | dropout (omit for a static W). Supported by dproxsgt, proxgtsa, dpsgd and deepstorm.',
  },
);

export type TopologySchedule = Static<typeof TopologyScheduleSchema>;
export type TopologyScheduleKind = TopologySchedule['kind'];
