import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { describeSpec, summarizeConfig } from '../../coordinator/dashboard/server/config-summary.ts';
import { NodeStatsBook, isNodeStats } from '../../coordinator/dashboard/server/node-stats.ts';

describe('describeSpec', () => {
  it('writes kind(params) in the spec key order, skipping null and the listed keys', () => {
    expect(describeSpec({ kind: 'topk', ratio: 0.1, scope: 'layer', precision: 'f64' })).toBe(
      'topk(ratio=0.1, scope=layer, precision=f64)',
    );
    expect(describeSpec({ kind: 'identity' })).toBe('identity');
    expect(describeSpec({ kind: 'ring', nodes: 8, weights: 'metropolis', lazy: false }, ['nodes', 'weights', 'lazy'])).toBe('ring');
    expect(describeSpec({ kind: 'random', scale: 0.1, seed: null })).toBe('random(scale=0.1)');
    expect(
      describeSpec({
        kind: 'labels',
        labels: [
          [0, 9],
          [1, 8],
        ],
      }),
    ).toBe('labels(labels=[[0,9],[1,8]])');
  });
  it('nests error feedback and chains', () => {
    expect(describeSpec({ kind: 'ef', inner: { kind: 'sign', scope: 'global' } })).toBe('ef(sign(scope=global))');
    expect(
      describeSpec({
        kind: 'chain',
        steps: [
          { kind: 'topk', k: 5 },
          { kind: 'qsgd', levels: 4 },
        ],
      }),
    ).toBe('topk(k=5) ∘ qsgd(levels=4)');
  });
  it('shows a dash for a missing spec and the value for a scalar', () => {
    expect(describeSpec(undefined)).toBe('—');
    expect(describeSpec(null)).toBe('—');
    expect(describeSpec('full')).toBe('full');
  });
});

describe('summarizeConfig', () => {
  it('summarizes a resolved config (defaults filled in by loadConfig)', () => {
    const c = loadConfig({
      seed: 5,
      iterations: 300,
      evalEvery: 30,
      batchSize: 'full',
      algorithm: { name: 'cdproxsgt', eta: 0.1, gammaX: 0.4, gammaY: 0.6 },
      compression: { x: { kind: 'ef', inner: { kind: 'topk', ratio: 0.05 } }, y: { kind: 'qsgd', levels: 8 } },
      problem: {
        dataset: { name: 'breast-cancer' },
        model: { kind: 'logistic', intercept: true },
        regularizer: { kind: 'l1', lambda: 1e-3 },
      },
      partition: { kind: 'dirichlet', alpha: 0.5 },
      topology: { kind: 'torus', nodes: 12, rows: 3, cols: 4, lazy: true },
    });
    const s = summarizeConfig(c);
    expect(s.algorithm).toBe('cdproxsgt');
    expect(s.compressed).toBe(true);
    expect([s.eta, s.gammaX, s.gammaY]).toEqual([0.1, 0.4, 0.6]);
    expect(s.compressorX).toMatch(/^ef\(topk\(ratio=0\.05, .*\)\)$/);
    expect(s.compressorY).toMatch(/^qsgd\(levels=8/);
    expect(s.topology).toMatch(/^torus\(.*rows=3.*cols=4.*\)$/);
    expect(s.weights).toBe('metropolis, lazy');
    expect(s.n).toBe(12);
    expect(s.partition).toBe('dirichlet(alpha=0.5)');
    expect(s.batchSize).toBe('full');
    expect([s.iterations, s.evalEvery, s.seed]).toEqual([300, 30, 5]);
    expect(s.dataset).toBe('breast-cancer');
    expect(s.regularizer).toBe('l1(lambda=0.001)');
  });
  it('says so when the algorithm does not use the compressors', () => {
    const c = loadConfig({
      algorithm: { name: 'dproxsgt', eta: 0.05 },
      problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic', intercept: true }, regularizer: { kind: 'none' } },
      partition: { kind: 'iid' },
      topology: { kind: 'ring', nodes: 4 },
    });
    const s = summarizeConfig(c);
    expect(s.compressed).toBe(false);
    expect(s.compressorX).toBe('none (dproxsgt sends uncompressed)');
    expect(s.compressorY).toBe('none (dproxsgt sends uncompressed)');
  });
  it('tolerates a non-object config with placeholders, never throwing', () => {
    const s = summarizeConfig(null);
    expect(s.algorithm).toBe('?');
    expect(s.compressed).toBeNull();
    expect(s.n).toBeNull();
    expect(s.batchSize).toBeNull();
    expect(s.compressorX).toBe('—');
  });
});

describe('NodeStatsBook', () => {
  it('merges partial stats per node, keeps the latest, lists by node id', () => {
    const book = new NodeStatsBook();
    book.update('r1', { nodeId: 2, iter: 10, bytesSent: 100 });
    book.update('r1', { nodeId: 0, iter: 10, localLoss: 0.5 });
    book.update('r1', { nodeId: 2, iter: 20, localLoss: 0.4, bytesSent: undefined });
    expect(book.list('r1')).toEqual([
      { nodeId: 0, iter: 10, localLoss: 0.5 },
      { nodeId: 2, iter: 20, bytesSent: 100, localLoss: 0.4 },
    ]);
    expect(book.list('other')).toEqual([]);
  });
  it('starts over when stats of another run arrive', () => {
    const book = new NodeStatsBook();
    book.update('r1', { nodeId: 1, iter: 5 });
    book.update('r2', { nodeId: 3, iter: 0 });
    expect(book.list('r1')).toEqual([]);
    expect(book.list('r2')).toEqual([{ nodeId: 3, iter: 0 }]);
  });
  it('isNodeStats rejects objects without a node id ≥ 0 and a finite iteration', () => {
    expect(isNodeStats({ nodeId: 0, iter: 0 })).toBe(true);
    for (const bad of [
      null,
      3,
      {},
      { nodeId: -1, iter: 0 },
      { nodeId: 1.5, iter: 0 },
      { nodeId: 0 },
      { nodeId: 0, iter: Number.NaN },
      { nodeId: '0', iter: 1 },
    ]) {
      expect(isNodeStats(bad)).toBe(false);
    }
  });
});
