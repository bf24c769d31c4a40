import { describe, expect, it } from 'vitest';
import type { Message } from '../../node/compress/types.ts';
import { MemoryNetwork } from '../../node/sim/memory-network.ts';
import { rowsFromDense, ringW } from './fixtures/rows.ts';

const dense = (...xs: number[]): Message => ({
  dim: xs.length,
  indices: null,
  values: { kind: 'float', precision: 'f64', data: Float64Array.from(xs) },
});
const byteLength = (m: Message) => (m.values.kind === 'float' ? m.values.data.length * 8 : 0) + (m.indices?.length ?? 0) * 4;
const first = (m: Message) => (m.values.kind === 'float' ? m.values.data[0] : NaN);

describe('MemoryNetwork', () => {
  it('returns messages aligned with the row ids (self = own message), whatever the posting order', async () => {
    const rows = rowsFromDense(ringW(5));
    const net = new MemoryNetwork({ n: 5, rows, byteLength });
    const comms = [0, 1, 2, 3, 4].map((i) => net.communicator(i));
    const own = [0, 1, 2, 3, 4].map((i) => dense(i, 10 * i));
    // post in a scrambled order
    const results: Promise<readonly Message[]>[] = new Array(5);
    for (const i of [3, 0, 4, 1, 2]) results[i] = comms[i].exchange(0, 'y', own[i]);
    const got = await Promise.all(results);
    for (let i = 0; i < 5; i++) {
      expect(got[i].map(first)).toEqual(Array.from(rows[i].ids));
      expect(got[i][Array.from(rows[i].ids).indexOf(i)]).toBe(own[i]);
    }
    expect(net.pending()).toBe(0);
  });

  it('keeps (round, phase) slots apart and delivers early messages of a later phase', async () => {
    const rows = rowsFromDense([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    const net = new MemoryNetwork({ n: 2, rows, byteLength });
    const a = net.communicator(0);
    const b = net.communicator(1);
    const pa = a.exchange(0, 'y', dense(1)).then(async (m) => [m.map(first), (await a.exchange(0, 'x', dense(2))).map(first)]);
    const pb1 = await b.exchange(0, 'y', dense(3));
    expect(pb1.map(first)).toEqual([1, 3]);
    const pb2 = b.exchange(0, 'x', dense(4));
    expect(await pa).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect((await pb2).map(first)).toEqual([2, 4]);
    expect(net.pending()).toBe(0);
  });

  it("hands the sender's message object itself to every peer (no copy: messages are immutable)", async () => {
    const rows = rowsFromDense([
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
    const net = new MemoryNetwork({ n: 3, rows, byteLength });
    const m0 = dense(7);
    const pa = net.communicator(0).exchange(0, 'x', m0);
    const pb = net.communicator(1).exchange(0, 'x', dense(8));
    const got = await net.communicator(2).exchange(0, 'x', dense(9));
    expect(got[0]).toBe(m0);
    expect((await pb)[0]).toBe(m0);
    expect((await pa)[0]).toBe(m0); // the self entry is the same object too
    expect(got.map(first)).toEqual([7, 8, 9]);
  });

  it('counts bytes per node and per directed edge, self excluded', async () => {
    const rows = rowsFromDense(ringW(5));
    const net = new MemoryNetwork({ n: 5, rows, byteLength });
    const d = 3;
    for (let k = 0; k < 2; k++) {
      for (const phase of ['y', 'x']) {
        await Promise.all([0, 1, 2, 3, 4].map((i) => net.communicator(i).exchange(k, phase, dense(...new Array(d).fill(i)))));
      }
    }
    // 2 iterations × 2 phases × 2 neighbours × 24 bytes
    for (let i = 0; i < 5; i++) {
      expect(net.bytesSentBy(i)).toBe(2 * 2 * 2 * 8 * d);
      expect(net.messagesSentBy(i)).toBe(8);
      expect(net.bytesSentOnEdge(i, (i + 1) % 5)).toBe(4 * 8 * d);
      expect(net.bytesSentOnEdge(i, i)).toBe(0);
      expect(net.bytesSentOnEdge(i, (i + 2) % 5)).toBe(0);
    }
    expect(net.bytesSent()).toBe(5 * 2 * 2 * 2 * 8 * d);
    expect(net.pending()).toBe(0);
  });

  it('resolves immediately for a single node', async () => {
    const net = new MemoryNetwork({ n: 1, rows: rowsFromDense([[1]]), byteLength });
    const m = dense(5);
    const got = await net.communicator(0).exchange(0, 'x', m);
    expect(got).toEqual([m]);
    expect(net.bytesSent()).toBe(0);
  });

  it('works for a node without self weight (W_ii = 0)', async () => {
    const net = new MemoryNetwork({
      n: 2,
      rows: rowsFromDense([
        [0, 1],
        [1, 0],
      ]),
      byteLength,
    });
    const [a, b] = await Promise.all([net.communicator(0).exchange(0, 'x', dense(1)), net.communicator(1).exchange(0, 'x', dense(2))]);
    expect(a.map(first)).toEqual([2]);
    expect(b.map(first)).toEqual([1]);
  });

  it('rejects a duplicate (round, phase) and going back in rounds', async () => {
    const rows = rowsFromDense([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    const net = new MemoryNetwork({ n: 2, rows, byteLength });
    const a = net.communicator(0);
    void a.exchange(3, 'x', dense(1));
    await expect(a.exchange(3, 'x', dense(1))).rejects.toMatchObject({
      code: 'PROXMESH_ERR_INTERNAL',
      message: expect.stringMatching(/twice/),
    });
    await expect(a.exchange(2, 'y', dense(1))).rejects.toMatchObject({
      code: 'PROXMESH_ERR_INTERNAL',
      message: expect.stringMatching(/after round 3/),
    });
  });

  it('rejects asymmetric, unsorted or mismatched rows at construction', () => {
    const mk =
      (rows: { ids: number[]; weights: number[] }[], n = rows.length) =>
      () =>
        new MemoryNetwork({
          n,
          rows: rows.map((r) => ({ ids: Int32Array.from(r.ids), weights: Float64Array.from(r.weights) })),
          byteLength,
        });
    expect(
      mk([
        { ids: [0, 1], weights: [0.5, 0.5] },
        { ids: [1], weights: [1] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_MIXING', message: expect.stringMatching(/not symmetric/) }));
    expect(
      mk([
        { ids: [1, 0], weights: [0.5, 0.5] },
        { ids: [0, 1], weights: [0.5, 0.5] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_MIXING' }));
    expect(
      mk([
        { ids: [0, 2], weights: [0.5, 0.5] },
        { ids: [1], weights: [1] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_MIXING' }));
    expect(mk([{ ids: [0], weights: [0.5, 0.5] }])).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_MIXING' }));
    expect(mk([{ ids: [0], weights: [1] }], 2)).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_MIXING' }));
    expect(() => new MemoryNetwork({ n: 1, rows: rowsFromDense([[1]]), byteLength }).communicator(1)).toThrow(
      expect.objectContaining({ code: 'PROXMESH_ERR_INTERNAL' }),
    );
  });

  it('does not grow with the number of rounds', async () => {
    const rows = rowsFromDense(ringW(4));
    const net = new MemoryNetwork({ n: 4, rows, byteLength });
    for (let k = 0; k < 50; k++) {
      await Promise.all([0, 1, 2, 3].map((i) => net.communicator(i).exchange(k, 'x', dense(i))));
      expect(net.pending()).toBe(0);
    }
  });
});
