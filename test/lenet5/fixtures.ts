/** Synthetic 1×28×28 datasets for the LeNet5 tests (seeded, roughly normalised pixel values). */
import { Rng } from '../../node/linalg/rng.ts';
import type { Dataset } from '../../node/problem/types.ts';

export function randomImages(n: number, seed: number, f32 = false): Dataset {
  const rng = Rng.derive(seed, -1, 'lenet5-test-images');
  const data = f32 ? new Float32Array(n * 784) : new Float64Array(n * 784);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(10);
  return { name: `random-${n}`, features: { kind: 'dense', rows: n, cols: 784, data }, labels, nClasses: 10, sampleShape: [1, 28, 28] };
}
