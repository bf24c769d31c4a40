/**
 * End-to-end sanity of the paper's setting (paper-spec §9.11), cut to CI size: LeNet5 on a
 * Fashion-MNIST subset (200 training images per class, the first 2,000 test images), 5-node ring with
 * uniform weights 1/3, label-pair split {i, 9−i}, CDProxSGT with Top30 per layer and γx = γy = 0.5,
 * clipNorm 10, b = 8, K = 300 iterations.
 *
 * Two settings differ from the paper's so that learning shows within 300 iterations (the paper's
 * η = 0.01 with per-node inits stays on the initial loss plateau for over an epoch, see
 * docs/reproduction.md): η = 0.1 and one shared x⁰ (init.perNode false).
 *
 * Measured test accuracy of x̄ at K = 300 (seeds 1, 2, 3): 0.546, 0.506, 0.541 (chance 0.10; a model
 * that is perfect on a single label pair and wrong elsewhere scores 0.20). The threshold 0.35 keeps a
 * margin of ≥ 0.15 below every measurement and is still 3.5× chance and well above one pair's 0.20.
 * The mean local minibatch loss over the 300 iterations was 0.86–1.11 (from ln 10 ≈ 2.303); the
 * threshold 1.6 leaves a ≥ 0.49 margin. Skipped when the Fashion-MNIST files are not installed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { fmnistAvailable, writeFmnistSubset } from './fmnist-subset.ts';

describe.skipIf(!fmnistAvailable())('Fashion-MNIST sanity: CDProxSGT learns under the label-pair split', () => {
  it('x̄ reaches test accuracy > 0.35 on 2,000 test images after 300 iterations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-fmnist-'));
    const files = writeFmnistSubset(dir, { perClass: 200, testCount: 2000 });
    const config = loadConfig({
      seed: 1,
      iterations: 300,
      evalEvery: 300,
      batchSize: 8,
      algorithm: { name: 'cdproxsgt', eta: 0.1, gammaX: 0.5, gammaY: 0.5, clipNorm: 10 },
      compression: { x: { kind: 'topk', ratio: 0.3, scope: 'layer' }, y: { kind: 'topk', ratio: 0.3, scope: 'layer' } },
      problem: { dataset: { format: 'idx', normalize: 'mnist', ...files }, model: { kind: 'lenet5' }, regularizer: { kind: 'none' } },
      partition: {
        kind: 'labels',
        labels: [
          [0, 9],
          [1, 8],
          [2, 7],
          [3, 6],
          [4, 5],
        ],
      },
      topology: { kind: 'ring', nodes: 5, weights: 'uniform' },
      init: { kind: 'random', scale: 1, perNode: false },
    });
    const { rows, summary } = await runSimulation(config, { outDir: null });
    expect(summary.nTrain).toBe(2000);
    expect(summary.nTest).toBe(2000);
    expect(rows.map((r) => r.iter)).toEqual([0, 300]);
    const [start, end] = rows;
    expect(start.testAccuracy).toBeLessThan(0.2); // untrained: about chance
    expect(end.testAccuracy).toBeGreaterThan(0.35);
    expect(end.localLoss).toBeLessThan(1.6);
    expect(end.objective).toBeLessThan(start.objective);
  }, 180_000);
});
