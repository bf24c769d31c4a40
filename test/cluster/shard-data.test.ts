/**
 * The rows a worker gets with its assign (node/protocol/shard-data.ts): through the control codec they
 * come back bit for bit, renumbered monotonically, and a node built on them computes exactly the
 * gradients it computes on the whole training set; a defective field is refused by name.
 */
import { describe, expect, it } from 'vitest';
import { createControlCodec, type AssignMsg } from '../../node/protocol/control-protocol.ts';
import { packShardData, shardDataBytes, unpackShardData } from '../../node/protocol/shard-data.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { createOracle } from '../../node/problem/oracle.ts';
import { createSampler } from '../../node/problem/sampler.ts';
import { modelFromSpec } from '../../node/problem/models/registry.ts';
import type { Dataset, Shard } from '../../node/problem/types.ts';

const codec = createControlCodec();

/** A seeded dataset: CSR (a9a-like) or dense f64 / f32. */
function dataset(kind: 'csr' | 'f64' | 'f32', rows = 60, cols = 7): Dataset {
  const rng = Rng.fromSeed(11);
  const labels = Int32Array.from({ length: rows }, () => (rng.next() < 0.5 ? 0 : 1));
  if (kind !== 'csr') {
    const data =
      kind === 'f32'
        ? Float32Array.from({ length: rows * cols }, () => rng.next() * 2 - 1)
        : Float64Array.from({ length: rows * cols }, () => rng.next() * 2 - 1);
    return { name: 'toy', features: { kind: 'dense', rows, cols, data }, labels, nClasses: 2 };
  }
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++)
      if (rng.next() < 0.4) {
        indices.push(j);
        values.push(rng.next());
      }
    indptr[r + 1] = indices.length;
  }
  return {
    name: 'toy',
    features: { kind: 'csr', rows, cols, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) },
    labels,
    nClasses: 2,
  };
}

/** Four interleaved shards, as a partition would give (ascending indices). */
const shardsOf = (rows: number): Shard[] =>
  Array.from({ length: 4 }, (_, i) =>
    Int32Array.from({ length: rows }, (_, r) => r).filter((r) => (r * 7 + i) % 4 === 0 || (i === 3 && r % 5 === 0)),
  );

function viaWire(train: Dataset, shards: Shard[], ids: number[]) {
  const data = packShardData(train, shards, ids);
  const msg: AssignMsg = { t: 'assign', runId: 'r', nodeId: ids[0], config: {}, peers: [], nodeIds: ids, data };
  const bytes = codec.encode(msg);
  // the arrays are what the message carries (the size guard MAX_SHIPPED_DATA_BYTES counts them)
  expect(bytes.length).toBeGreaterThan(shardDataBytes(data));
  expect(bytes.length).toBeLessThan(shardDataBytes(data) + 512);
  const back = codec.decodeCoordinator(bytes) as AssignMsg;
  return unpackShardData(back.data);
}

describe('shard data in the assign', () => {
  it.each(['csr', 'f64', 'f32'] as const)(
    '%s: the block’s rows, renumbered monotonically, and the same gradients as on the whole set',
    (kind) => {
      const train = dataset(kind);
      const shards = shardsOf(train.labels.length);
      const ids = [1, 3];
      const got = viaWire(train, shards, ids);
      const union = [...new Set([...shards[1], ...shards[3]])].sort((a, b) => a - b);
      expect(got.train.labels.length).toBe(union.length);
      expect(got.train.features.kind).toBe(train.features.kind);
      if (got.train.features.kind === 'dense' && train.features.kind === 'dense')
        expect(got.train.features.data.constructor).toBe(train.features.data.constructor);
      expect([...got.shards.keys()]).toEqual(ids);
      for (const id of ids) {
        const local = got.shards.get(id)!;
        expect(Array.from(local, (l) => union[l])).toEqual(Array.from(shards[id]));
        // full batch and seeded minibatches: bit-identical losses and gradients
        const model = modelFromSpec({ kind: 'logistic', intercept: true } as never, train);
        const x = Float64Array.from({ length: model.dim }, (_, i) => Math.sin(i + 1));
        for (const batch of ['full', 5] as const) {
          const mk = (data: Dataset, shard: Shard) => {
            const sampler = createSampler(shard, batch, Rng.derive(3, id, 'minibatch'));
            return createOracle({ model, data, shard, sampler, clipNorm: null });
          };
          const a = mk(train, shards[id]);
          const b = mk(got.train, local);
          for (let step = 0; step < 4; step++) {
            const ga = new Float64Array(model.dim);
            const gb = new Float64Array(model.dim);
            const la = a.gradient(x, a.nextBatch(), ga);
            const lb = b.gradient(x, b.nextBatch(), gb);
            expect(lb).toBe(la);
            expect(Array.from(gb)).toEqual(Array.from(ga));
          }
        }
      }
    },
  );

  const train = dataset('csr', 20, 5);
  const good = packShardData(train, shardsOf(20), [0]);
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a missing kind', { kind: 'coo' }, /data\.kind/],
    ['indptr of the wrong length', { indptr: new Uint8Array(8) }, /data\.indptr/],
    [
      'a column index out of range',
      { indices: new Uint8Array(Int32Array.from({ length: good.indices!.byteLength / 4 }, () => 99).buffer) },
      /data\.indices/,
    ],
    ['a label out of range', { labels: new Uint8Array(Int32Array.from({ length: good.rows }, () => 5).buffer) }, /data\.labels/],
    ['a shard row out of range', { shards: [new Uint8Array(Int32Array.of(0, 1000).buffer)] }, /data\.shards\[0\]/],
    ['ids and shards of different lengths', { ids: [0, 1] }, /data\.ids\/shards/],
  ];
  it.each(bad)('%s → PROXMESH_ERR_FRAME_MALFORMED naming the field', (_n, over, msg) => {
    expect(() => unpackShardData({ ...good, ...over })).toThrow(
      expect.objectContaining({ code: 'PROXMESH_ERR_FRAME_MALFORMED', message: expect.stringMatching(msg) }),
    );
  });
});
