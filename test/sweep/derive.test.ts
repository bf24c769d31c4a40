import { describe, expect, it } from 'vitest';
import {
  compressionRatio,
  denseF64MessageBits,
  deriveCell,
  firstReach,
  identityBitsSent,
  linksFromTopology,
  reachTargets,
} from '../../node/sweep/derive.ts';
import type { StoredMetricsRow } from '../../node/results/metrics-row.ts';

function row(
  iter: number,
  objective: number | null,
  stationarity: number | null,
  testAccuracy: number | null,
  bitsSent: number,
): StoredMetricsRow {
  return {
    iter,
    epoch: iter / 10,
    objective,
    f: objective,
    r: 0,
    stationarity,
    consensus: 0,
    density: 1,
    trainAccuracy: null,
    testAccuracy,
    localLoss: null,
    bitsSent,
    bytesSent: bitsSent / 8,
  };
}

const rows: StoredMetricsRow[] = [
  row(0, 0.69, 1.0, 0.5, 0),
  row(10, 0.5, 0.3, 0.7, 800),
  row(20, null, null, null, 1600), // diverged row: never meets anything
  row(30, 0.4, 0.1, 0.8, 2400),
  row(40, 0.45, 0.05, 0.79, 3200),
];

describe('targets: first row meeting the target', () => {
  it('objective ≤ t and stationarity ≤ t (equality counts), testAccuracy ≥ t', () => {
    expect(firstReach(rows, 'objective', 0.5)).toEqual({ target: 0.5, iter: 10, bits: 800 });
    expect(firstReach(rows, 'objective', 0.45)).toEqual({ target: 0.45, iter: 30, bits: 2400 });
    expect(firstReach(rows, 'stationarity', 0.05)).toEqual({ target: 0.05, iter: 40, bits: 3200 });
    expect(firstReach(rows, 'testAccuracy', 0.75)).toEqual({ target: 0.75, iter: 30, bits: 2400 });
    expect(firstReach(rows, 'testAccuracy', 0.5)).toEqual({ target: 0.5, iter: 0, bits: 0 });
  });

  it('time to target: the simTime of the same row when the run has a clock; no time key without one', () => {
    const timed = rows.map((r) => ({ ...r, simTime: r.iter * 0.5 }));
    expect(firstReach(timed, 'objective', 0.45)).toEqual({ target: 0.45, iter: 30, bits: 2400, time: 15 });
    expect(firstReach(timed, 'objective', 0.1)).toEqual({ target: 0.1, iter: null, bits: null, time: null });
    expect('time' in firstReach(rows, 'objective', 0.45)).toBe(false);
    expect(reachTargets(timed, { testAccuracy: 0.75 }).testAccuracy?.time).toBe(15);
  });

  it('null when never reached (and null metric values never qualify)', () => {
    expect(firstReach(rows, 'objective', 0.1)).toEqual({ target: 0.1, iter: null, bits: null });
    expect(firstReach(rows, 'testAccuracy', 0.81)).toEqual({ target: 0.81, iter: null, bits: null });
    expect(firstReach([row(0, null, null, null, 0)], 'objective', 1e9).iter).toBeNull();
  });

  it('reachTargets keeps only the targets the study sets', () => {
    expect(reachTargets(rows, { stationarity: 0.3 })).toEqual({ stationarity: { target: 0.3, iter: 10, bits: 800 } });
    expect(reachTargets(rows, {})).toEqual({});
  });
});

describe('identity bits and the achieved compression ratio', () => {
  it('a dense f64 message is tag + varint(d) + 8d bytes', () => {
    expect(denseF64MessageBits(124)).toBe(8 * (1 + 1 + 8 * 124)); // varint(124) is 1 byte
    expect(denseF64MessageBits(200)).toBe(8 * (1 + 2 + 8 * 200)); // varint(200) is 2 bytes
  });

  it('bits_id = 8·B(d)·M·(P₀ + K·P): a 4×4 torus (M = 64), CDProxSGT (P = 2), K = 1000', () => {
    expect(identityBitsSent({ dim: 124, links: 64, phases: 2, initPhases: 0, iterations: 1000 })).toBe(7952 * 64 * 2000);
    expect(identityBitsSent({ dim: 124, links: 64, phases: 1, initPhases: 1, iterations: 10 })).toBe(7952 * 64 * 11);
  });

  it('links: Σ_i |peers_i| from W rows (self excluded), n(n−1) for AllReduce', () => {
    // ring of 4: every row holds itself and its 2 neighbours
    const W = [{ ids: [0, 1, 3] }, { ids: [0, 1, 2] }, { ids: [1, 2, 3] }, { ids: [0, 2, 3] }];
    expect(linksFromTopology({ n: 4, W }, 'graph')).toBe(8);
    expect(linksFromTopology({ n: 4, W }, 'all')).toBe(12);
  });

  it('ratio = bits / bits_id; null when nothing would be sent', () => {
    expect(compressionRatio(25, 100)).toBe(0.25);
    expect(compressionRatio(0, 0)).toBeNull();
  });

  it('deriveCell puts it together at the last row', () => {
    const d = deriveCell(rows, { objective: 0.45, testAccuracy: 0.9 }, { bits: 12800, source: 'analytic' });
    expect(d).toEqual({
      iterations: 40,
      bitsSent: 3200,
      identityBits: 12800,
      identitySource: 'analytic',
      compressionRatio: 0.25,
      reach: { objective: { target: 0.45, iter: 30, bits: 2400 }, testAccuracy: { target: 0.9, iter: null, bits: null } },
    });
    expect(deriveCell(rows, {}, null).compressionRatio).toBeNull();
  });
});
