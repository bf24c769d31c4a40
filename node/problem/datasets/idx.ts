/**
 * idx (MNIST / Fashion-MNIST) files, gzipped or plain: a big-endian magic 0x0000 08 nd (08 = uint8,
 * nd = number of dimensions; 0x803 images N×28×28, 0x801 labels N), then nd big-endian uint32 sizes,
 * then the raw uint8 data. Errors give the byte offset instead of a line number.
 */
import type { DenseMatrix } from '../types.ts';
import { datasetError, readDataFile, type ReadDataOptions } from './io.ts';
import { MAX_FEATURES } from './libsvm.ts';

export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/**
 * Pixel normalisation: 'none' keeps 0..255; 'unit' is x/255; 'mnist' is (x/255 − 0.1307)/0.3081, the
 * authors' LeNet5/Fashion-MNIST transform (paper-spec §6.2).
 */
export type IdxNormalize = 'none' | 'unit' | 'mnist';

export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

export function parseIdx(buf: Uint8Array, file: string): IdxArray {
  if (buf.length < 4) throw datasetError(file, null, `idx header truncated: ${buf.length} bytes, need at least 4`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw datasetError(file, null, 'bad idx magic: the first two bytes must be 0 (not an idx file?)');
  }
  if (buf[2] !== 0x08) throw datasetError(file, null, 'unsupported idx element type at byte 2 (only 0x08 = uint8)');
  const nd = buf[3];
  if (nd < 1) throw datasetError(file, null, 'idx file declares 0 dimensions at byte 3');
  const header = 4 + 4 * nd;
  if (buf.length < header) throw datasetError(file, null, `idx header truncated: ${buf.length} bytes, need ${header} for ${nd} dimensions`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let total = 1;
  for (let k = 0; k < nd; k++) {
    const d = view.getUint32(4 + 4 * k, false);
    dims.push(d);
    total *= d;
  }
  const have = buf.length - header;
  if (have !== total) {
    throw datasetError(
      file,
      null,
      `idx data ${have < total ? 'truncated' : 'has trailing bytes'}: the declared dimensions need a different byte count after the ${header}-byte header than the file's ${have}`,
    );
  }
  return { dims, data: buf.subarray(header) };
}

export function readIdx(path: string, opts: ReadDataOptions = {}): IdxArray {
  return parseIdx(readDataFile(path, opts), path);
}

/** Images (magic 0x803, N×H×W) as a dense N×(H·W) Float32 matrix, normalised. */
export function idxImagesToDense(arr: IdxArray, file: string, normalize: IdxNormalize): { features: DenseMatrix; sampleShape: number[] } {
  if (arr.dims.length < 2)
    throw datasetError(file, null, `expected an image file (magic 0x803, ≥ 2 dimensions), got ${arr.dims.length} dimension`);
  const rows = arr.dims[0];
  const cols = arr.data.length / Math.max(rows, 1);
  if (cols > MAX_FEATURES) throw datasetError(file, null, `images have more than ${MAX_FEATURES} pixels each`);
  const out = new Float32Array(arr.data.length);
  const src = arr.data;
  if (normalize === 'none') for (let i = 0; i < src.length; i++) out[i] = src[i];
  else if (normalize === 'unit') for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  else for (let i = 0; i < src.length; i++) out[i] = (src[i] / 255 - MNIST_MEAN) / MNIST_STD;
  return { features: { kind: 'dense', rows, cols, data: out }, sampleShape: [1, ...arr.dims.slice(1)] };
}

/** Labels (magic 0x801, N) as Int32 class ids. */
export function idxLabels(arr: IdxArray, file: string): Int32Array {
  if (arr.dims.length !== 1)
    throw datasetError(file, null, `expected a label file (magic 0x801, 1 dimension), got ${arr.dims.length} dimensions`);
  return Int32Array.from(arr.data);
}
