/**
 * The one definition of a metrics.ndjson row (#14 item 6): its keys, their order and their types.
 * The simulator and the coordinator build rows (node/eval/aggregate-reports.ts), the run folder
 * writes them (metrics-format.ts), the report and sweep read them back (node/report/read.ts,
 * StoredMetricsRow), the dashboard shows them. Also here: what one node
 * reports at an evaluation point (NodeReport), the input the n reports of a row are made from.
 */
import type { WireCounts } from './wire-accounting.ts';

export interface NodeReport {
  readonly nodeId: number;
  readonly iter: number;
  /** x_i^k */
  readonly x: Float64Array;
  /** Σ of the node's minibatch losses since its previous report, summed in iteration order. */
  readonly lossSum: number;
  /** Number of iterations in lossSum (0 at k = 0). */
  readonly lossCount: number;
  /** Cumulative payload bytes sent by this node (self excluded). */
  readonly bytesSent: number;
  /**
   * Cumulative bytes this node sent beside payloads (headers and MACs, handshake and acks), counted
   * from its completed exchanges (node/results/wire-accounting.ts). Optional: without it the
   * context's wire plan gives the same figure from the exchange schedule.
   */
  readonly wire?: WireCounts;
}

/** Keys and order of a metrics.ndjson row. Changing this changes the results format: update docs. */
export interface MetricsRow {
  iter: number;
  epoch: number;
  objective: number;
  f: number;
  r: number;
  stationarity: number;
  consensus: number;
  density: number;
  trainAccuracy: number;
  testAccuracy: number | null;
  localLoss: number | null;
  bitsSent: number;
  bytesSent: number;
  // The wire figures are always set by aggregateReports; optional so rows built elsewhere (fixtures,
  // older run folders) stay valid. null: the run gave no wire counts.
  /** Σ over nodes of data-frame header and MAC bytes. */
  envelopeBytes?: number | null;
  /** Σ over nodes of handshake and ack bytes. */
  controlBytes?: number | null;
  /** bytesSent + envelopeBytes + controlBytes: everything the protocol puts on the wire (heartbeats and retransmissions aside). */
  wireBytes?: number | null;
  /**
   * Simulated seconds since the start of the run (node/clock/, docs/clock.md). Present only when the
   * config has a `network` section; absent rows keep the format of runs without one.
   */
  simTime?: number;
}

/** The keys every row has, in the order the writers emit them. */
export const BASE_METRICS_KEYS = [
  'iter',
  'epoch',
  'objective',
  'f',
  'r',
  'stationarity',
  'consensus',
  'density',
  'trainAccuracy',
  'testAccuracy',
  'localLoss',
  'bitsSent',
  'bytesSent',
] as const satisfies readonly (keyof MetricsRow)[];

/** The wire figures after them (always written; absent in folders written before wire v2). */
export const WIRE_KEYS = ['envelopeBytes', 'controlBytes', 'wireBytes'] as const satisfies readonly (keyof MetricsRow)[];

/** Every key a writer emits, in order (metrics.ndjson keys, metrics.csv columns), simTime aside. */
export const METRICS_KEYS = [...BASE_METRICS_KEYS, ...WIRE_KEYS] as const;

/** The optional key after METRICS_KEYS: simulated seconds (node/clock/), only in runs with a clock. */
export const SIM_TIME_KEY = 'simTime' as const satisfies keyof MetricsRow;

/** Counters, always finite: JSON keeps them as written. */
export const COUNTER_KEYS = ['iter', 'epoch', 'bitsSent', 'bytesSent'] as const satisfies readonly (keyof MetricsRow)[];

/**
 * A row as read back from a run folder: JSON has no NaN or ±∞, so the writers turn them into null
 * (a diverged run still writes valid lines) and every metric but the counters may read back as null.
 */
export type StoredMetricsRow = {
  [K in keyof MetricsRow]: K extends (typeof COUNTER_KEYS)[number] ? MetricsRow[K] : MetricsRow[K] | null;
};
