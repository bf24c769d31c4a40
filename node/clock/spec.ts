/**
 * The config's optional `network` section: what the simulated clock (node/clock/clock.ts) charges
 * for a round. Units: latency in seconds (s), bandwidth in bits per second (bit/s), compute speed in
 * samples per second (samples/s). Every random draw comes from Rng.derive(seed, −1, purpose), so the
 * simulator and the cluster coordinator build the same network from the same config.
 */
import { Type, type Static } from '@sinclair/typebox';

const Seconds = (description: string) => Type.Number({ minimum: 0, maximum: 3600, description });
const BitsPerSecond = (description: string) => Type.Number({ exclusiveMinimum: 0, maximum: 1e15, description });

export const LinksSpecSchema = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal('uniform', { description: 'Every directed link has the same latency and bandwidth.' }),
        latency: Seconds('One-way latency ℓ of every link, in seconds.'),
        bandwidth: BitsPerSecond('Bandwidth B of every directed link, in bit/s (e.g. 1e7 = 10 Mbit/s).'),
      },
      { additionalProperties: false, description: 'Uniform links: ℓ_ij = latency, B_ij = bandwidth.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('random', {
          description: "Each directed link draws its own latency and bandwidth once, from Rng.derive(seed, −1, 'network-links').",
        }),
        latency: Type.Object(
          { min: Seconds('Smallest latency, s.'), max: Seconds('Largest latency, s (≥ min).') },
          { additionalProperties: false, description: 'ℓ_ij ~ Uniform[min, max] seconds.' },
        ),
        bandwidth: Type.Object(
          { min: BitsPerSecond('Smallest bandwidth, bit/s.'), max: BitsPerSecond('Largest bandwidth, bit/s (≥ min).') },
          { additionalProperties: false, description: 'B_ij log-uniform on [min, max] bit/s (bandwidths span orders of magnitude).' },
        ),
      },
      { additionalProperties: false, description: 'Seeded random links, drawn once per run in ascending (from, to) order.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('file', { description: 'Per-edge values from a CSV file.' }),
        path: Type.String({
          minLength: 1,
          description:
            'CSV with the header "from,to,latency,bandwidth" and one line per directed link i → j of the run (0-based ids, latency in s, bandwidth in bit/s); every link of the graph exactly once, # comments allowed.',
        }),
      },
      { additionalProperties: false, description: 'Per-edge latency and bandwidth from a file.' },
    ),
  ],
  { description: 'Per-link latency (s) and bandwidth (bit/s): uniform, seeded random, or per edge from a file.' },
);
export type LinksSpec = Static<typeof LinksSpecSchema>;

export const ComputeSpecSchema = Type.Object(
  {
    samplesPerSecond: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1e15,
      description:
        'Compute speed s_i of every node, in samples per second: an iteration costs b / s_i seconds (b = batchSize, or the shard size for "full").',
    }),
    stragglers: Type.Optional(
      Type.Object(
        {
          fraction: Type.Number({
            minimum: 0,
            maximum: 1,
            description:
              "Fraction of the nodes that are slow: round(fraction · n) nodes, chosen by a permutation from Rng.derive(seed, −1, 'stragglers'), fixed for the run.",
          }),
          slowdown: Type.Number({
            minimum: 1,
            maximum: 1e6,
            description: 'A straggler computes this many times slower (its speed is samplesPerSecond / slowdown).',
          }),
        },
        { additionalProperties: false, description: 'Seeded stragglers: a fixed fraction of the nodes slowed by a factor.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Per-node compute speed, with optional seeded stragglers.' },
);
export type ComputeSpec = Static<typeof ComputeSpecSchema>;

export const NetworkSpecSchema = Type.Object(
  {
    links: LinksSpecSchema,
    compute: ComputeSpecSchema,
  },
  {
    additionalProperties: false,
    description:
      'Simulated clock (docs/clock.md): metrics rows gain simTime, the simulated seconds since the start of the run. Omit for no clock (rows have no simTime).',
  },
);
export type NetworkSpec = Static<typeof NetworkSpecSchema>;
