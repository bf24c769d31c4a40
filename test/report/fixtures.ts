/**
 * Synthetic results folders for the report tests: plausible decreasing curves in the exact
 * metrics.ndjson format of the brief (the simulator is written at the same time).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../node/linalg/rng.ts';
import type { StoredMetricsRow } from '../../node/results/metrics-row.ts';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'proxmesh-report-'));
}

export function baseConfig(
  over: { seed?: number; kind?: string; ratio?: number; levels?: number; algorithm?: string } = {},
): Record<string, unknown> {
  const spec =
    over.kind === 'qsgd'
      ? { kind: 'qsgd', levels: over.levels ?? 4, scope: 'layer' }
      : { kind: 'topk', ratio: over.ratio ?? 0.1, scope: 'layer' };
  return {
    seed: over.seed ?? 42,
    iterations: 200,
    evalEvery: 20,
    batchSize: 32,
    algorithm: { name: over.algorithm ?? 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5, beta: 0.8, initBatches: 25, clipNorm: null },
    compression: { x: spec, y: spec },
    problem: { dataset: { name: 'a9a' }, model: { kind: 'logistic', intercept: true }, regularizer: { kind: 'l1', lambda: 1e-4 } },
    partition: { kind: 'dirichlet', alpha: 0.3 },
    topology: { kind: 'ring', nodes: 8, weights: 'metropolis', lazy: false },
    init: { kind: 'zero' },
  };
}

/** K/evalEvery + 1 rows; objective decays to ≈0.33, consensus starts at 0 (zero init), bits grow linearly. */
export function syntheticMetrics(opts: {
  seed: number;
  bitsPerIter: number;
  rate?: number;
  test?: boolean;
  rows?: number;
}): StoredMetricsRow[] {
  const rng = Rng.derive(opts.seed, -1, 'report-fixture');
  const rows: StoredMetricsRow[] = [];
  const n = opts.rows ?? 11;
  const rate = opts.rate ?? 0.02;
  for (let j = 0; j < n; j++) {
    const iter = j * 20;
    const noise = 1 + 0.1 * rng.normal();
    const f = 0.33 + 0.36 * Math.exp(-rate * iter) * noise;
    const r = 1e-4 * (1 + j);
    rows.push({
      iter,
      epoch: (iter * 32) / 4070,
      objective: f + r,
      f,
      r,
      stationarity: 2 * Math.exp(-0.6 * rate * iter) * noise,
      consensus: j === 0 ? 0 : 0.05 * Math.exp(-rate * iter) * noise,
      density: Math.max(0.05, 1 - 0.08 * j),
      trainAccuracy: 0.76 + 0.08 * (1 - Math.exp(-rate * iter)),
      testAccuracy: opts.test === false ? null : 0.76 + 0.078 * (1 - Math.exp(-rate * iter)) + 0.002 * rng.normal(),
      localLoss: j === 0 ? null : f * (1 + 0.05 * rng.normal()),
      bitsSent: iter * opts.bitsPerIter,
      bytesSent: (iter * opts.bitsPerIter) / 8,
      // 4 nodes on a ring: 8 directed edges, 2 exchanges per iteration, 44-byte headers and acks
      envelopeBytes: iter * 16 * 44,
      controlBytes: 8 * 100 + (8 + iter * 16) * 44,
      wireBytes: (iter * opts.bitsPerIter) / 8 + iter * 16 * 44 + 8 * 100 + (8 + iter * 16) * 44,
    });
  }
  return rows;
}

export function writeRunFolder(
  dir: string,
  config: Record<string, unknown>,
  metrics: readonly StoredMetricsRow[],
  summary: Record<string, unknown> | null = { finalObjective: metrics[metrics.length - 1].objective, wallSeconds: 12.5 },
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'metrics.ndjson'), `${metrics.map((r) => JSON.stringify(r)).join('\n')}\n`);
  if (summary !== null) writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  return dir;
}

/** A 2-compressor × 2-seed study: topk(0.1) and qsgd(s=4), seeds 1 and 2. */
export function writeStudy(dir: string, opts: { test?: boolean } = {}): string {
  const index: string[] = [];
  const compressors = [
    { kind: 'topk', ratio: 0.1, bitsPerIter: 8 * 2 * 2 * 12 * 96 },
    { kind: 'qsgd', levels: 4, bitsPerIter: 8 * 2 * 2 * 124 * 4 },
  ];
  for (const c of compressors) {
    for (const seed of [1, 2]) {
      const cell = `${c.kind}-s${seed}`;
      const metrics = syntheticMetrics({ seed, bitsPerIter: c.bitsPerIter, rate: c.kind === 'topk' ? 0.015 : 0.025, test: opts.test });
      writeRunFolder(join(dir, 'cells', cell), baseConfig({ seed, kind: c.kind, ratio: c.ratio, levels: c.levels }), metrics);
      const diff =
        c.kind === 'topk'
          ? { 'compression.x.kind': 'topk', 'compression.y.kind': 'topk', seed }
          : { 'compression.x.kind': 'qsgd', 'compression.y.kind': 'qsgd', seed };
      index.push(JSON.stringify({ cell, dir: `cells/${cell}`, diff, final: metrics[metrics.length - 1] }));
    }
  }
  writeFileSync(join(dir, 'index.ndjson'), `${index.join('\n')}\n`);
  return dir;
}

/** paper-metrics.ndjson rows: epochs 0..n−1, loss null at k = 0, consensus 0 at k = 0 (shared x⁰). */
export function syntheticPaperMetrics(opts: {
  itersPerEpoch: number;
  epochs?: number;
  accuracy?: number;
  allreduce?: boolean;
}): Record<string, number | null>[] {
  const rows: Record<string, number | null>[] = [];
  const acc = opts.accuracy ?? 0.85;
  for (let e = 0; e <= (opts.epochs ?? 4); e++) {
    const a = e === 0 ? 0.1 : acc - 0.2 / e;
    rows.push({
      iter: e * opts.itersPerEpoch,
      epoch: e,
      consensusSum: e === 0 || opts.allreduce ? 1e-31 : 0.01 / e,
      testAccuracy: a,
      localTestAccuracyMean: a - 0.01,
      localTestAccuracyMin: a - 0.02,
      localTestAccuracyMax: a,
      localLoss: e === 0 ? null : 0.3 + 0.5 / e,
    });
  }
  return rows;
}

export function writePaperMetrics(dir: string, rows: readonly Record<string, unknown>[]): void {
  writeFileSync(join(dir, 'paper-metrics.ndjson'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
}
