import { describe, expect, it } from 'vitest';
import type { Communicator } from '../../node/algo/types.ts';
import { loadConfig } from '../../node/config/load.ts';
import { assembleNode, buildAlgorithm, buildRunProblem, buildRunTopology, initialPoint, peerRow } from '../../node/assemble/assemble.ts';
import { averagingRow, mixingRow } from '../../topologies/mixing.ts';

const noComm: Communicator = {
  exchange: () => Promise.reject(new Error('not used')),
};

function cfg(patch: Record<string, unknown> = {}) {
  return loadConfig({
    seed: 11,
    iterations: 10,
    evalEvery: 5,
    batchSize: 4,
    algorithm: { name: 'cdproxsgt', eta: 0.1 },
    compression: { x: { kind: 'randk', ratio: 0.25 }, y: { kind: 'topk', ratio: 0.25 } },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-3 } },
    partition: { kind: 'iid' },
    topology: { kind: 'ring', nodes: 5 },
    ...patch,
  });
}

describe('assembleNode (one node, as a cluster worker builds it)', () => {
  it('builds the same node twice from the same config: row, minibatches, compressor draws', () => {
    const config = cfg();
    const topology = buildRunTopology(config);
    const problem = buildRunProblem(config, 5);
    const a = assembleNode(config, problem, topology, 3, noComm);
    const b = assembleNode(config, problem, topology, 3, noComm);
    expect(a.id).toBe(3);
    expect(a.n).toBe(5);
    expect(a.dim).toBe(31);
    expect(Array.from(a.peers.ids)).toEqual([2, 3, 4]);
    expect(a.peers).toEqual(mixingRow(topology.mixing, 3));
    for (let t = 0; t < 5; t++) {
      const ba = a.oracle.nextBatch()!;
      expect(Array.from(ba)).toEqual(Array.from(b.oracle.nextBatch()!));
      // Batches come from node 3's shard only.
      const shard = new Set(problem.shards[3]);
      for (const s of ba) expect(shard.has(s)).toBe(true);
    }
    const x = Float64Array.from({ length: 31 }, (_, j) => Math.sin(j + 1));
    const da = new Float64Array(31);
    const db = new Float64Array(31);
    a.compressX.compress(x, da);
    b.compressX.compress(x, db);
    expect(Array.from(da)).toEqual(Array.from(db));
    expect(a.compressX.info.name).toMatch(/^randk/);
    expect(a.compressY.info.name).toMatch(/^topk/);
  });

  it('different nodes draw different minibatch streams', () => {
    const config = cfg({ partition: { kind: 'iid' } });
    const topology = buildRunTopology(config);
    const problem = buildRunProblem(config, 5);
    const n0 = assembleNode(config, problem, topology, 0, noComm);
    const n1 = assembleNode(config, problem, topology, 1, noComm);
    expect(Array.from(n0.oracle.nextBatch()!)).not.toEqual(Array.from(n1.oracle.nextBatch()!));
  });

  it('uses identity compressors for uncompressed algorithms and J/n rows for allreduce', () => {
    // loadConfig refuses a compression block on allreduce (test/config/honesty.test.ts); assembly
    // still gives it identity whatever the config holds, so the block is swapped in after loading.
    const loaded = cfg();
    const config = { ...loaded, algorithm: { ...loaded.algorithm, name: 'allreduce' as const } };
    const topology = buildRunTopology(config);
    const problem = buildRunProblem(config, 5);
    const node = assembleNode(config, problem, topology, 2, noComm);
    expect(node.compressX.info.name).toMatch(/^identity/);
    expect(node.compressY.info.name).toMatch(/^identity/);
    expect(node.peers).toEqual(averagingRow(5, 2));
    expect(peerRow(buildAlgorithm(config), topology, 2)).toEqual(averagingRow(5, 2));
  });

  it('x⁰: zero; random shared across nodes; random per node differs; all seeded', () => {
    const zero = cfg();
    const problem = buildRunProblem(zero, 5);
    expect(Array.from(initialPoint(zero, problem.model, 0))).toEqual(new Array(31).fill(0));
    const shared = cfg({ init: { kind: 'random', scale: 2 } });
    const s0 = initialPoint(shared, problem.model, 0);
    expect(Array.from(initialPoint(shared, problem.model, 4))).toEqual(Array.from(s0));
    expect(s0.some((v) => v !== 0)).toBe(true);
    const unscaled = initialPoint(cfg({ init: { kind: 'random', scale: 1 } }), problem.model, 0);
    expect(Array.from(s0)).toEqual(Array.from(unscaled, (v) => 2 * v));
    const per = cfg({ init: { kind: 'random', perNode: true } });
    const p0 = initialPoint(per, problem.model, 0);
    expect(Array.from(initialPoint(per, problem.model, 1))).not.toEqual(Array.from(p0));
    expect(Array.from(initialPoint(per, problem.model, 0))).toEqual(Array.from(p0));
  });
});
