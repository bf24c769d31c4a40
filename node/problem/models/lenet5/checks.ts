/** Argument checks shared by the f64 and f32 LeNet5 models. */
import { ProxmeshError } from '../../../errors.ts';
import type { Dataset, DenseMatrix } from '../../types.ts';
import { IN_SIZE, LENET5_DIM, N_CLASSES } from './layout.ts';

export function checkVector(v: Float64Array, name: string): void {
  if (!(v instanceof Float64Array) || v.length !== LENET5_DIM) {
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `lenet5: ${name} must be a Float64Array of length ${LENET5_DIM}`, {
      name,
      length: (v as { length?: number } | null)?.length ?? null,
    });
  }
}

export function checkDataset(data: Dataset): DenseMatrix {
  const f = data.features;
  if (f.kind !== 'dense' || f.cols !== IN_SIZE) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      `lenet5 needs dense 1×28×28 images (${IN_SIZE} columns); dataset "${data.name}" has ${f.kind} features with ${f.cols} columns`,
      { dataset: data.name, kind: f.kind, cols: f.cols },
    );
  }
  const shape = data.sampleShape;
  if (shape !== undefined && (shape.length !== 3 || shape[0] !== 1 || shape[1] !== 28 || shape[2] !== 28)) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      `lenet5 needs sampleShape [1,28,28]; dataset "${data.name}" has [${shape.join(',')}]`,
      {
        dataset: data.name,
        sampleShape: [...shape],
      },
    );
  }
  if (data.nClasses > N_CLASSES) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      `lenet5 has ${N_CLASSES} outputs; dataset "${data.name}" has ${data.nClasses} classes`,
      {
        dataset: data.name,
        nClasses: data.nClasses,
      },
    );
  }
  if (f.data.length < f.rows * f.cols || data.labels.length < f.rows) {
    throw new ProxmeshError('PROXMESH_ERR_DATASET', `dataset "${data.name}": feature or label arrays shorter than ${f.rows} rows`, {
      dataset: data.name,
    });
  }
  return f;
}

export function checkIndices(idx: Int32Array, rows: number): void {
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < rows)) {
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `lenet5: sample index ${r} at position ${i} is outside 0..${rows - 1}`, {
        position: i,
        index: r,
      });
    }
  }
}
