/**
 * problem.precision: f32 end to end: a tiny LeNet5 run gives byte-identical metrics.ndjson in the
 * simulator and on a local cluster (coordinator + one worker process per node over WebSockets), is
 * repeatable, and really differs from the f64 run; f32 on a model without an f32 path is refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { readText, smallConfig, tempDirs } from '../cluster/helpers.ts';
import { codeOf } from '../support/error-code.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** 48 synthetic 28×28 "images" (values with 3 decimals) and labels 0..9, as CSV with the label last. */
function writeImagesCsv(dir: string): string {
  const rng = Rng.derive(5, -1, 'f32-cluster-images');
  const lines: string[] = [];
  for (let r = 0; r < 48; r++) {
    const row: string[] = [];
    for (let j = 0; j < 784; j++) row.push(rng.normal().toFixed(3));
    row.push(String(r % 10));
    lines.push(row.join(','));
  }
  const file = join(dir, 'images.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function lenetConfig(path: string, precision: 'f32' | 'f64' | undefined, over: Record<string, unknown> = {}) {
  return loadConfig({
    seed: 3,
    iterations: 4,
    evalEvery: 2,
    batchSize: 4,
    algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
    compression: { x: { kind: 'topk', ratio: 0.1, scope: 'layer' }, y: { kind: 'topk', ratio: 0.1, scope: 'global' } },
    problem: {
      dataset: { path, format: 'csv', testFraction: 0.25 },
      model: { kind: 'lenet5' },
      regularizer: { kind: 'l1', lambda: 1e-4 },
      ...(precision ? { precision } : {}),
    },
    partition: { kind: 'iid' },
    topology: { kind: 'ring', nodes: 3 },
    ...over,
  });
}

describe('precision f32 (LeNet5)', () => {
  const dataDir = dirs.make('proxmesh-f32-');
  const csv = writeImagesCsv(dataDir);

  it('sim ≡ local cluster: byte-identical metrics.ndjson and summary in f32; repeatable; differs from f64', async () => {
    const config = lenetConfig(csv, 'f32');
    const simDir = dirs.make(),
      simDir2 = dirs.make(),
      clDir = dirs.make(),
      f64Dir = dirs.make();
    await runSimulation(config, { outDir: simDir });
    const cl = await runLocalCluster(config, { outDir: clDir, signal: AbortSignal.timeout(90_000) });
    const rows = readText(simDir, 'metrics.ndjson');
    expect(cl.run.state).toBe('done');
    expect(readText(clDir, 'metrics.ndjson')).toBe(rows);
    expect(JSON.parse(readText(clDir, 'summary.json'))).toEqual(JSON.parse(readText(simDir, 'summary.json')));
    expect(rows.trim().split('\n')).toHaveLength(3); // k = 0, 2, 4
    await runSimulation(config, { outDir: simDir2 });
    expect(readText(simDir2, 'metrics.ndjson')).toBe(rows);
    await runSimulation(lenetConfig(csv, undefined), { outDir: f64Dir });
    expect(readText(f64Dir, 'metrics.ndjson')).not.toBe(rows);
  }, 120_000);

  it('f32 on a model without a float32 path is PROXMESH_ERR_CONFIG_INCONSISTENT', async () => {
    const problem = {
      dataset: { name: 'breast-cancer' },
      model: { kind: 'logistic' },
      regularizer: { kind: 'l1', lambda: 1e-3 },
      precision: 'f32',
    };
    const config = smallConfig({ problem });
    let code = 'no error';
    try {
      await runSimulation(config, { outDir: dirs.make() });
    } catch (err) {
      code = (err as { code?: string }).code ?? String(err);
    }
    expect(code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(codeOf(() => smallConfig({ problem: { ...problem, precision: 'f16' } }))).toBe('PROXMESH_ERR_CONFIG');
  });
});
