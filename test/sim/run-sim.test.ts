import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { METRICS_KEYS } from '../../node/results/metrics-row.ts';
import { RUN_FILES } from '../../node/results/run-folder.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'a9a-cdproxsgt-ring8.yaml');

function small(patch: Record<string, unknown> = {}): Record<string, any> {
  return {
    seed: 5,
    iterations: 7,
    evalEvery: 3,
    batchSize: 8,
    algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
    compression: { x: { kind: 'topk', ratio: 0.2, scope: 'global' }, y: { kind: 'topk', ratio: 0.2, scope: 'global' } },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-3 } },
    partition: { kind: 'iid' },
    topology: { kind: 'ring', nodes: 4 },
    ...patch,
  };
}

async function simError(raw: Record<string, unknown>): Promise<ProxmeshError> {
  try {
    await runSimulation(loadConfig(raw), { outDir: null });
  } catch (err) {
    expect(err).toBeInstanceOf(ProxmeshError);
    return err as ProxmeshError;
  }
  throw new Error('runSimulation accepted a bad config');
}

describe('runSimulation', () => {
  it('a9a example: two runs write byte-identical metrics.ndjson and summary.json, and every file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'proxmesh-sim-'));
    const config = loadConfig(EXAMPLE);
    const a = await runSimulation(config, { outDir: join(root, 'a') });
    const b = await runSimulation(config, { outDir: join(root, 'b') });
    for (const f of RUN_FILES) {
      expect(existsSync(join(root, 'a', f)), f).toBe(true);
    }
    const ma = readFileSync(join(root, 'a', 'metrics.ndjson'), 'utf8');
    expect(ma).toBe(readFileSync(join(root, 'b', 'metrics.ndjson'), 'utf8'));
    expect(readFileSync(join(root, 'a', 'summary.json'), 'utf8')).toBe(readFileSync(join(root, 'b', 'summary.json'), 'utf8'));
    expect(readFileSync(join(root, 'a', 'metrics.csv'), 'utf8')).toBe(readFileSync(join(root, 'b', 'metrics.csv'), 'utf8'));

    const lines = ma
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((r) => r.iter)).toEqual([0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300]);
    for (const r of lines) expect(Object.keys(r)).toEqual([...METRICS_KEYS]);
    // The example must show learning: φ(x̄) clearly below log 2 = φ(0).
    expect(lines[0].objective).toBeCloseTo(Math.log(2), 12);
    expect(lines.at(-1).objective).toBeLessThan(0.8 * lines[0].objective);
    expect(a.rows).toHaveLength(11);
    expect(b.dir).toBe(join(root, 'b'));
    // config.json is the resolved config, which loads back to itself.
    expect(loadConfig(JSON.parse(readFileSync(join(root, 'a', 'config.json'), 'utf8')))).toEqual(config);
  });

  it('evaluates at 0, every evalEvery and at K; counters are cumulative; localLoss null at k = 0', async () => {
    const { rows, summary } = await runSimulation(loadConfig(small()), { outDir: null });
    expect(rows.map((r) => r.iter)).toEqual([0, 3, 6, 7]);
    expect(rows[0].localLoss).toBeNull();
    expect(rows[0].bytesSent).toBe(0);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].localLoss).toBeGreaterThan(0);
      expect(rows[i].bytesSent).toBeGreaterThan(rows[i - 1].bytesSent);
      expect(rows[i].bitsSent).toBe(8 * rows[i].bytesSent);
    }
    // 569 samples, 20% stratified holdout → 456 train (every one in a shard for iid); epoch = iter·b/(456/4).
    expect(summary).toMatchObject({ algorithm: 'cdproxsgt', nodes: 4, dim: 31, nTrain: 456, nTest: 113, iterations: 7, evaluations: 4 });
    expect(rows[3].epoch).toBeCloseTo((7 * 8 * 4) / 456, 12);
  });

  it('uncompressed algorithms send dense messages (a compression section on them is refused at load, test/config/honesty.test.ts)', async () => {
    const comp = await runSimulation(loadConfig(small()), { outDir: null });
    const plain = await runSimulation(loadConfig(small({ algorithm: { name: 'dproxsgt', eta: 0.05 }, compression: undefined })), {
      outDir: null,
    });
    expect(plain.summary.compressorX).toMatch(/^identity/);
    expect(comp.summary.compressorX).toMatch(/^topk/);
    expect(plain.rows.at(-1)!.bytesSent).toBeGreaterThan(comp.rows.at(-1)!.bytesSent);
  });

  it('k > d → PROXMESH_ERR_CONFIG_INCONSISTENT (d = 31 for breast-cancer logistic)', async () => {
    const err = await simError(small({ compression: { x: { kind: 'topk', k: 40, scope: 'global' }, y: { kind: 'identity' } } }));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(err.message).toBe('config /compression/x/k: k must be ≤ d = 31 (got 40)');
  });

  it('per-layer k larger than the bias layer → PROXMESH_ERR_CONFIG_INCONSISTENT', async () => {
    const err = await simError(small({ compression: { x: { kind: 'identity' }, y: { kind: 'ef', inner: { kind: 'topk', k: 2 } } } }));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(err.detail?.path).toBe('/compression/y/inner/k');
  });

  it('more nodes than samples → PROXMESH_ERR_CONFIG_INCONSISTENT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-data-'));
    const file = join(dir, 'five.csv');
    writeFileSync(file, '0.1,0.2,0\n0.3,0.1,1\n0.5,0.5,0\n0.9,0.2,1\n0.4,0.4,0\n');
    const err = await simError(
      small({
        problem: { dataset: { path: file, format: 'csv', testFraction: 0 }, model: { kind: 'logistic' }, regularizer: { kind: 'none' } },
        topology: { kind: 'ring', nodes: 8 },
      }),
    );
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(err.message).toMatch(/8 nodes/);
  });

  it('missing dataset file → PROXMESH_ERR_DATASET', async () => {
    const err = await simError(
      small({
        problem: { dataset: { path: '/nonexistent/data.csv', format: 'csv' }, model: { kind: 'logistic' }, regularizer: { kind: 'none' } },
      }),
    );
    expect(err.code).toBe('PROXMESH_ERR_DATASET');
    expect(err.message).toContain('/nonexistent/data.csv');
  });

  it('disconnected edge-list graph → PROXMESH_ERR_TOPOLOGY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-graph-'));
    const file = join(dir, 'two-pieces.txt');
    writeFileSync(file, '0 1\n2 3\n');
    const err = await simError(small({ topology: { kind: 'edge-list', nodes: 4, file } }));
    expect(err.code).toBe('PROXMESH_ERR_TOPOLOGY');
  });

  it('a label partition naming a class the data lacks → PROXMESH_ERR_CONFIG_INCONSISTENT', async () => {
    const err = await simError(small({ partition: { kind: 'labels', labels: [[0], [1], [0], [7]] } }));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
  });
});
