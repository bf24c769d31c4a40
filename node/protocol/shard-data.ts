/**
 * The training rows a worker needs, shipped in its `assign` (issue 11: parse each dataset once per
 * run). The coordinator has already loaded, split and partitioned the data for its own evaluation;
 * for each worker it cuts the rows of the worker's block of shards (their union, ascending) out of
 * the training set and sends them as raw little-endian bytes, with each shard renumbered into that
 * subset. The worker then builds its nodes on this subset without reading or parsing any file, so
 * it needs no dataset files at all (Kubernetes pods do not share the coordinator's disk).
 *
 * Byte-identity with the simulator: the subset holds the same rows with the same values, and the
 * renumbering is monotone (a row's local index is its rank in the ascending union), so every shard
 * keeps its order and length; the sampler permutes shard POSITIONS (Rng.shuffle depends on the
 * length only) and the oracle reads rows by index, so each minibatch and each full-batch pass sees
 * the same rows in the same order as with the full training set.
 */
import { ProxmeshError } from '../errors.ts';
import { subsetDataset } from '../problem/datasets/transform.ts';
import type { Dataset, FeatureMatrix, Shard } from '../problem/types.ts';

/** The wire form (a msgpack map inside the assign message). */
export interface ShardDataWire {
  readonly name: string;
  readonly nClasses: number;
  readonly classNames?: readonly string[];
  readonly sampleShape?: readonly number[];
  readonly kind: 'csr' | 'dense';
  readonly rows: number;
  readonly cols: number;
  /** csr: indptr (i32), indices (i32), values (f64); dense: data (f64 or f32, by `dtype`). */
  readonly indptr?: Uint8Array;
  readonly indices?: Uint8Array;
  readonly values?: Uint8Array;
  readonly data?: Uint8Array;
  readonly dtype?: 'f64' | 'f32';
  readonly labels: Uint8Array;
  /** Node ids of the block, ascending, and each one's shard as local row indices (i32 bytes). */
  readonly ids: readonly number[];
  readonly shards: readonly Uint8Array[];
}

/** The block's rows as a Dataset, and each node's shard in it. */
export interface ShardData {
  readonly train: Dataset;
  readonly shards: ReadonlyMap<number, Shard>;
}

/**
 * Largest shipped block, in bytes of arrays: the worker's control socket accepts messages up to
 * 256 MiB (node/worker.ts connectControl). A bigger block (a dense image set on one process) is not
 * shipped; that worker loads the dataset from its own files as before.
 */
export const MAX_SHIPPED_DATA_BYTES = 192 * 1024 * 1024;

/** Bytes of the arrays in a wire form (what dominates the assign message). */
export function shardDataBytes(w: ShardDataWire): number {
  let b =
    w.labels.byteLength +
    (w.indptr?.byteLength ?? 0) +
    (w.indices?.byteLength ?? 0) +
    (w.values?.byteLength ?? 0) +
    (w.data?.byteLength ?? 0);
  for (const s of w.shards) b += s.byteLength;
  return b;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Coordinator side: the rows of `ids`' shards out of `train`, renumbered (see the file comment). */
export function packShardData(train: Dataset, shards: readonly Shard[], ids: readonly number[]): ShardDataWire {
  const used = new Uint8Array(train.labels.length);
  for (const id of ids) for (const r of shards[id]) used[r] = 1;
  // local[r] = rank of row r in the ascending union
  const local = new Int32Array(used.length);
  let m = 0;
  for (let r = 0; r < used.length; r++) if (used[r]) local[r] = m++;
  const rows = new Int32Array(m);
  for (let r = 0, k = 0; r < used.length; r++) if (used[r]) rows[k++] = r;
  const sub = subsetDataset(train, rows);
  const f = sub.features;
  return {
    name: train.name,
    nClasses: train.nClasses,
    ...(train.classNames ? { classNames: train.classNames } : {}),
    ...(train.sampleShape ? { sampleShape: train.sampleShape } : {}),
    kind: f.kind,
    rows: f.rows,
    cols: f.cols,
    ...(f.kind === 'csr'
      ? { indptr: bytesOf(f.indptr), indices: bytesOf(f.indices), values: bytesOf(f.values) }
      : { data: bytesOf(f.data), dtype: f.data instanceof Float32Array ? ('f32' as const) : ('f64' as const) }),
    labels: bytesOf(sub.labels),
    ids: [...ids],
    shards: ids.map((id) => bytesOf(Int32Array.from(shards[id], (r) => local[r]))),
  };
}

function malformed(field: string, what: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `control message 'assign': field 'data.${field}' ${what}`);
}

/** Copies bytes into an aligned typed array (msgpack bins are not aligned), checking the length. */
function typed<T extends Int32Array | Float64Array | Float32Array>(
  o: Record<string, unknown>,
  k: string,
  Ctor: { new (n: number): T; BYTES_PER_ELEMENT: number },
  length: number,
): T {
  const v = o[k];
  if (!(v instanceof Uint8Array) || v.byteLength !== length * Ctor.BYTES_PER_ELEMENT) {
    throw malformed(k, `must hold ${length} values of ${Ctor.BYTES_PER_ELEMENT} bytes`);
  }
  const out = new Ctor(length);
  new Uint8Array(out.buffer).set(v);
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Worker side: validates the wire form field by field and rebuilds the block's Dataset and shards. */
export function unpackShardData(raw: unknown): ShardData {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('', 'must be a map');
  const o = raw as Record<string, unknown>;
  const { rows, cols, nClasses } = o;
  if (!isCount(rows) || !isCount(cols) || !isCount(nClasses) || nClasses < 1)
    throw malformed('rows/cols/nClasses', 'must be integers ≥ 0 (nClasses ≥ 1)');
  if (typeof o.name !== 'string') throw malformed('name', 'must be a string');
  let features: FeatureMatrix;
  if (o.kind === 'csr') {
    const indptr = typed(o, 'indptr', Int32Array, rows + 1);
    const nnz = indptr[rows];
    if (!(nnz >= 0) || indptr[0] !== 0) throw malformed('indptr', 'must start at 0 and end at nnz ≥ 0');
    for (let r = 0; r < rows; r++) if (indptr[r + 1] < indptr[r]) throw malformed('indptr', 'must be non-decreasing');
    const indices = typed(o, 'indices', Int32Array, nnz);
    for (const j of indices) if (j < 0 || j >= cols) throw malformed('indices', `must be column indices in [0, ${cols})`);
    features = { kind: 'csr', rows, cols, indptr, indices, values: typed(o, 'values', Float64Array, nnz) };
  } else if (o.kind === 'dense') {
    const data = o.dtype === 'f32' ? typed(o, 'data', Float32Array, rows * cols) : typed(o, 'data', Float64Array, rows * cols);
    features = { kind: 'dense', rows, cols, data };
  } else {
    throw malformed('kind', "must be 'csr' or 'dense'");
  }
  const labels = typed(o, 'labels', Int32Array, rows);
  for (const y of labels) if (y < 0 || y >= nClasses) throw malformed('labels', `must be class indices in [0, ${nClasses})`);
  const ids = o.ids;
  const shards = o.shards;
  if (!Array.isArray(ids) || !Array.isArray(shards) || ids.length !== shards.length || !ids.every(isCount)) {
    throw malformed('ids/shards', 'must be arrays of equal length (node ids, shards)');
  }
  const byId = new Map<number, Shard>();
  ids.forEach((id: number, i: number) => {
    const s = shards[i];
    if (!(s instanceof Uint8Array) || s.byteLength % 4 !== 0) throw malformed(`shards[${i}]`, 'must be int32 bytes');
    const shard = typed({ s }, 's', Int32Array, s.byteLength / 4);
    for (const r of shard) if (r < 0 || r >= rows) throw malformed(`shards[${i}]`, `must hold row indices in [0, ${rows})`);
    byId.set(id, shard);
  });
  const classNames =
    Array.isArray(o.classNames) && o.classNames.every((c) => typeof c === 'string') ? (o.classNames as string[]) : undefined;
  const sampleShape = Array.isArray(o.sampleShape) && o.sampleShape.every(isCount) ? (o.sampleShape as number[]) : undefined;
  const train: Dataset = {
    name: o.name,
    features,
    labels,
    nClasses,
    ...(classNames ? { classNames } : {}),
    ...(sampleShape ? { sampleShape } : {}),
  };
  return { train, shards: byId };
}
