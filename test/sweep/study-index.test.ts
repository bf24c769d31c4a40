import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import type { StoredMetricsRow } from '../../node/results/metrics-row.ts';
import type { FinishedCell } from '../../node/sweep/cell-results.ts';
import { buildIndexRows, writeIndex, type CellOutcome, type IndexCell } from '../../node/sweep/study-index.ts';

const BASE = {
  iterations: 10,
  evalEvery: 10,
  algorithm: { name: 'cdproxsgt', eta: 0.1 },
  problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-4 } },
  topology: { kind: 'ring', nodes: 4 },
};

function cell(id: string, compression: object, seed = 1): IndexCell {
  return { id, dir: `cells/${id}`, diff: { seed }, config: loadConfig({ ...BASE, seed, compression: { x: compression, y: compression } }) };
}

function finished(bitsSent: number): FinishedCell {
  const row = (iter: number, bits: number): StoredMetricsRow => ({
    iter,
    epoch: 0,
    objective: 0.5,
    f: 0.5,
    r: 0,
    stationarity: 1,
    consensus: 0,
    density: 1,
    trainAccuracy: null,
    testAccuracy: null,
    localLoss: null,
    bitsSent: bits,
    bytesSent: bits / 8,
  });
  return { rows: [row(0, 0), row(10, bitsSent)], dim: 31, links: 8, phases: 2, initPhases: 0, usesCompression: true };
}

describe('study index', () => {
  it('uses a measured identity twin when the study has one, else the analytic 8·B(d)·M·(P₀+K·P)', () => {
    const cells = [
      cell('id1', { kind: 'identity' }),
      cell('top1', { kind: 'topk', ratio: 0.1 }),
      cell('top2', { kind: 'topk', ratio: 0.1 }, 2),
    ];
    const outcomes = new Map<string, CellOutcome>([
      ['id1', { status: 'done', result: finished(40_000) }],
      ['top1', { status: 'done', result: finished(10_000) }],
      ['top2', { status: 'done', result: finished(5_000) }],
    ]);
    const rows = buildIndexRows(cells, outcomes, {});
    expect(rows[1].derived).toMatchObject({ identitySource: 'cell', identityBits: 40_000, compressionRatio: 0.25 });
    // seed 2 has no identity twin: d = 31 → B = 1 + 1 + 248 = 250 bytes; M = 8, P = 2, K = 10.
    const analytic = 8 * 250 * 8 * 20;
    expect(rows[2].derived).toMatchObject({ identitySource: 'analytic', identityBits: analytic, compressionRatio: 5_000 / analytic });
  });

  it('keeps grid order, lists only cells with an outcome, and writes both files without leftovers', () => {
    const cells = [cell('a', { kind: 'identity' }), cell('b', { kind: 'sign' }), cell('c', { kind: 'sign' }, 3)];
    const outcomes = new Map<string, CellOutcome>([
      [
        'c',
        { status: 'failed', failure: { attempts: 2, exitCode: 1, signal: null, message: 'exited with status 1', stderrTail: 'x, "y"' } },
      ],
      ['a', { status: 'done', result: finished(100) }],
    ]);
    const rows = buildIndexRows(cells, outcomes, { objective: 0.6 });
    expect(rows.map((r) => [r.cell, r.status])).toEqual([
      ['a', 'done'],
      ['c', 'failed'],
    ]);
    expect(rows[0].derived!.reach).toEqual({ objective: { target: 0.6, iter: 0, bits: 0 } });
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-sweep-index-'));
    writeIndex(dir, rows, ['seed'], { objective: 0.6 });
    expect(readdirSync(dir).sort()).toEqual(['index.csv', 'index.ndjson']);
    const csv = readFileSync(join(dir, 'index.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(
      /^cell,dir,status,seed,final\.iter,.*,compressionRatio,objective\.target,objective\.iter,objective\.bits,error$/,
    );
    expect(csv[2]).toMatch(/^c,cells\/c,failed,3,.*,exited with status 1$/);
    expect(
      readFileSync(join(dir, 'index.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).cell),
    ).toEqual(['a', 'c']);
  });
});
