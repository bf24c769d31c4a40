/**
 * Writes a small, deterministic Fashion-MNIST subset as plain idx files, so a run config can point
 * at it with `problem.dataset: { path, format: idx, labelsPath, testPath, testLabelsPath,
 * normalize: mnist }` (the named dataset has no subset option). Train: the first `perClass` images
 * of every class, in file order; test: the first `testCount` images of t10k (about balanced).
 * No randomness: the subset is fixed by the files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDataFile } from '../../node/problem/datasets/paths.ts';
import { readIdx, type IdxArray } from '../../node/problem/datasets/idx.ts';

export interface FmnistSubsetPaths {
  readonly path: string;
  readonly labelsPath: string;
  readonly testPath: string;
  readonly testLabelsPath: string;
}

const FILES = {
  trainImages: 'fashion-mnist/train-images-idx3-ubyte.gz',
  trainLabels: 'fashion-mnist/train-labels-idx1-ubyte.gz',
  testImages: 'fashion-mnist/t10k-images-idx3-ubyte.gz',
  testLabels: 'fashion-mnist/t10k-labels-idx1-ubyte.gz',
} as const;

/** True when the four Fashion-MNIST files are found in the dataset search folders. */
export function fmnistAvailable(): boolean {
  return Object.values(FILES).every((f) => findDataFile(f) !== null);
}

function idxBytes(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08; // uint8 elements
  out[3] = dims.length;
  for (const [k, d] of dims.entries()) view.setUint32(4 + 4 * k, d, false);
  out.set(data, header);
  return out;
}

function pick(images: IdxArray, labels: IdxArray, rows: readonly number[]): { img: Uint8Array; lab: Uint8Array } {
  const size = images.dims[1] * images.dims[2];
  const img = new Uint8Array(rows.length * size);
  const lab = new Uint8Array(rows.length);
  rows.forEach((r, t) => {
    img.set(images.data.subarray(r * size, (r + 1) * size), t * size);
    lab[t] = labels.data[r];
  });
  return { img, lab };
}

export function writeFmnistSubset(dir: string, opts: { perClass: number; testCount: number }): FmnistSubsetPaths {
  const read = (rel: string) => readIdx(findDataFile(rel)!);
  const trI = read(FILES.trainImages);
  const trL = read(FILES.trainLabels);
  const teI = read(FILES.testImages);
  const teL = read(FILES.testLabels);
  const taken = new Array<number>(10).fill(0);
  const trainRows: number[] = [];
  for (let r = 0; r < trL.data.length; r++) {
    const y = trL.data[r];
    if (taken[y] < opts.perClass) {
      taken[y]++;
      trainRows.push(r);
    }
  }
  const testRows = Array.from({ length: Math.min(opts.testCount, teL.data.length) }, (_, r) => r);
  const tr = pick(trI, trL, trainRows);
  const te = pick(teI, teL, testRows);
  mkdirSync(dir, { recursive: true });
  const paths: FmnistSubsetPaths = {
    path: join(dir, 'train-images.idx'),
    labelsPath: join(dir, 'train-labels.idx'),
    testPath: join(dir, 'test-images.idx'),
    testLabelsPath: join(dir, 'test-labels.idx'),
  };
  writeFileSync(paths.path, idxBytes([trainRows.length, 28, 28], tr.img));
  writeFileSync(paths.labelsPath, idxBytes([trainRows.length], tr.lab));
  writeFileSync(paths.testPath, idxBytes([testRows.length, 28, 28], te.img));
  writeFileSync(paths.testLabelsPath, idxBytes([testRows.length], te.lab));
  return paths;
}
