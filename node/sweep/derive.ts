/**
 * Derived quantities of a study cell, pure functions of its metrics rows (brief "Results"):
 *   - bits / iterations (and, for runs with a simulated clock, simulated seconds) to FIRST reach each target: the first row with objective ≤ t,
 *     stationarity ≤ t, or testAccuracy ≥ t (rows where the metric is null never qualify); null if
 *     no row does;
 *   - the achieved compression ratio ρ_c = bitsSent(cell) / bitsSent(same cell, identity
 *     compression), taken at the last row (ρ_c < 1: fewer bits than dense f64 messages).
 *
 * When the identity cell is not part of the study its bitsSent is computed analytically:
 *   bits_id(K) = 8 · B(d) · M · (P₀ + K · P)
 * with B(d) = payloadByteLength of a dense f64 message of dimension d (= 1 tag byte + varint(d) +
 * 8d bytes, i.e. ≈ 64 bits per coordinate), M = Σ_i |peers_i| the directed links a round uses
 * (Σ_i deg_i for graph algorithms, n(n−1) for AllReduce), P = phases exchanged per iteration
 * (e.g. 2 for CDProxSGT: y then x; 1 for CHOCO) and P₀ = phases exchanged once by init (0 for most).
 */
import { payloadByteLength } from '../codec/payload.ts';
import type { Message } from '../compress/types.ts';
import type { StoredMetricsRow } from '../results/metrics-row.ts';
import type { StudyTargets } from './spec.ts';

export type TargetMetric = 'objective' | 'stationarity' | 'testAccuracy';
export const TARGET_METRICS: readonly TargetMetric[] = ['objective', 'stationarity', 'testAccuracy'];

/** objective and stationarity are minimised (≤ t), testAccuracy maximised (≥ t). */
export function meetsTarget(metric: TargetMetric, value: number | null, target: number): boolean {
  if (value === null || !Number.isFinite(value)) return false;
  return metric === 'testAccuracy' ? value >= target : value <= target;
}

export interface Reach {
  readonly target: number;
  /** Iteration of the first row meeting the target, or null. */
  readonly iter: number | null;
  /** Cumulative bitsSent at that row, or null. */
  readonly bits: number | null;
  /**
   * Time to target: simTime (simulated seconds, node/clock/) at that row, or null. Present only when
   * the run has a clock (config `network`), so studies without one keep their index format.
   */
  readonly time?: number | null;
}

export function firstReach(rows: readonly StoredMetricsRow[], metric: TargetMetric, target: number): Reach {
  const clocked = rows.some((r) => r.simTime != null);
  for (const row of rows) {
    if (meetsTarget(metric, row[metric], target))
      return { target, iter: row.iter, bits: row.bitsSent, ...(clocked ? { time: row.simTime ?? null } : {}) };
  }
  return { target, iter: null, bits: null, ...(clocked ? { time: null } : {}) };
}

/** One Reach per target the study sets, in TARGET_METRICS order. */
export function reachTargets(rows: readonly StoredMetricsRow[], targets: StudyTargets): Partial<Record<TargetMetric, Reach>> {
  const out: Partial<Record<TargetMetric, Reach>> = {};
  for (const m of TARGET_METRICS) {
    const t = targets[m];
    if (t !== undefined) out[m] = firstReach(rows, m, t);
  }
  return out;
}

/** Bits of one dense f64 message of dimension d, from the codec's exact encoded length. */
export function denseF64MessageBits(dim: number): number {
  const msg: Message = { dim, indices: null, values: { kind: 'float', precision: 'f64', data: new Float64Array(dim) } };
  return 8 * payloadByteLength(msg);
}

export interface IdentityBitsInput {
  /** d, the model dimension. */
  readonly dim: number;
  /** M = Σ_i |peers_i| (self excluded). */
  readonly links: number;
  /** P, phases exchanged per iteration. */
  readonly phases: number;
  /** P₀, phases exchanged once by init. */
  readonly initPhases: number;
  /** K, iterations completed. */
  readonly iterations: number;
}

/** bits_id(K) = 8 · B(d) · M · (P₀ + K · P) — see the file comment. */
export function identityBitsSent(x: IdentityBitsInput): number {
  return denseF64MessageBits(x.dim) * x.links * (x.initPhases + x.iterations * x.phases);
}

/** M from topology.json's W rows (ids ≠ i are the peers i sends to) or n(n−1) for pattern 'all'. */
export function linksFromTopology(topology: { n: number; W: readonly { ids: readonly number[] }[] }, pattern: 'graph' | 'all'): number {
  if (pattern === 'all') return topology.n * (topology.n - 1);
  let m = 0;
  topology.W.forEach((row, i) => {
    for (const j of row.ids) if (j !== i) m += 1;
  });
  return m;
}

/** ρ_c = bits / bits_id; null when bits_id is 0 (nothing would have been sent). */
export function compressionRatio(bits: number, identityBits: number): number | null {
  return identityBits > 0 ? bits / identityBits : null;
}

export interface CellDerived {
  /** K of the last row. */
  readonly iterations: number;
  readonly bitsSent: number;
  /** bitsSent of the identity-compression counterpart at the same K. */
  readonly identityBits: number | null;
  /** 'cell' = measured by a cell of the study, 'analytic' = 8 · B(d) · M · (P₀ + K · P). */
  readonly identitySource: 'cell' | 'analytic' | null;
  readonly compressionRatio: number | null;
  readonly reach: Partial<Record<TargetMetric, Reach>>;
}

export function deriveCell(
  rows: readonly StoredMetricsRow[],
  targets: StudyTargets,
  identity: { bits: number; source: 'cell' | 'analytic' } | null,
): CellDerived {
  const last = rows[rows.length - 1];
  return {
    iterations: last.iter,
    bitsSent: last.bitsSent,
    identityBits: identity?.bits ?? null,
    identitySource: identity?.source ?? null,
    compressionRatio: identity ? compressionRatio(last.bitsSent, identity.bits) : null,
    reach: reachTargets(rows, targets),
  };
}
