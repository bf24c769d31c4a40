/**
 * Wire accounting on a time-varying topology (topology.schedule): the exchange plan counts, per link
 * of the union of neighbours, the data frames each round actually carries, and the simulator's
 * counted frames (ScheduledMemoryNetwork, checked again by aggregateReports on every row) agree.
 */
import { describe, expect, it } from 'vitest';
import { ACK_EVERY, CONTROL_FRAME_BYTES, LINK_OVERHEAD_BYTES } from '../../node/codec/frame.ts';
import { edgeRowsFromReports } from '../../node/results/edges.ts';
import {
  exchangesAt,
  handshakeBytesSent,
  nodeWire,
  plannedEdgeWire,
  plannedNodeWire,
  wirePlanOf,
} from '../../node/results/wire-accounting.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { smallConfig } from '../cluster/helpers.ts';

const algo = { phases: ['y', 'x'], initPhases: ['init'] };

describe('wire plan with a schedule', () => {
  it('rounds that all send to every neighbour give the static figures', () => {
    const rows = [{ ids: [0, 1, 2] }, { ids: [0, 1, 2] }, { ids: [0, 1, 2] }];
    const others = [
      [1, 2],
      [0, 2],
      [0, 1],
    ];
    const plan = wirePlanOf(algo, rows, { union: others, sends: [others, others, others] });
    for (const iter of [0, 1, 2, 5, 7]) {
      const E = exchangesAt(plan, iter);
      for (let i = 0; i < 3; i++) expect(plannedNodeWire(plan, i, E)).toEqual(nodeWire(i, others[i], E));
    }
  });

  it('a directed round: frames one way, acks the other; round −1 uses round 0; rounds cycle with the period', () => {
    // round 0: 0 → 1; round 1: 1 → 0 (one link 0–1 in the union)
    const plan = wirePlanOf(algo, [], {
      union: [[1], [0]],
      sends: [
        [[1], []],
        [[], [0]],
      ],
    });
    // exchanges: init (round 0), iteration 0 (round 0) ×2, iteration 1 (round 1) ×2, iteration 2 (round 0) ×2 → E = 7
    const E = exchangesAt(plan, 3);
    expect(E).toBe(7);
    const e01 = plannedEdgeWire(plan, 0, 1, E);
    const e10 = plannedEdgeWire(plan, 1, 0, E);
    expect(e01.dataFrames).toBe(5);
    expect(e10.dataFrames).toBe(2);
    expect(e01.envelopeBytes).toBe(5 * LINK_OVERHEAD_BYTES);
    // one ack when the link comes up, then one per ACK_EVERY frames received (2 by node 0, 5 by node 1)
    expect(e01.ackBytes).toBe(CONTROL_FRAME_BYTES);
    expect(e10.ackBytes).toBe(CONTROL_FRAME_BYTES);
    // 81 iterations: frames 0 → 1 = 1 + 2·41 = 83 (init + even iterations), 1 → 0 = 2·40 = 80
    const long = exchangesAt(plan, 81);
    expect(plannedEdgeWire(plan, 0, 1, long).dataFrames).toBe(83);
    expect(plannedEdgeWire(plan, 1, 0, long).ackBytes).toBe((1 + Math.floor(83 / ACK_EVERY)) * CONTROL_FRAME_BYTES);
    expect(plannedEdgeWire(plan, 0, 1, long).ackBytes).toBe((1 + Math.floor(80 / ACK_EVERY)) * CONTROL_FRAME_BYTES);
    expect(e01.handshakeBytes).toBe(handshakeBytesSent(0, 1));
    // a partial iteration (one of two exchanges of iteration 1, round 1)
    expect(plannedEdgeWire(plan, 1, 0, 4).dataFrames).toBe(1);
    // edges.csv from reports: payload split by frames (uncompressed messages of one size s = 10)
    const reports = [0, 1].map((i) => ({ nodeId: i, iter: 3, bytesSent: 10 * plannedEdgeWire(plan, i, 1 - i, E).dataFrames })) as never;
    const rows = edgeRowsFromReports(plan, reports);
    expect(rows.map((r) => [r.from, r.to, r.dataFrames, r.payloadBytes])).toEqual([
      [0, 1, 5, 50],
      [1, 0, 2, 20],
    ]);
  });

  it('a simulated schedule run counts the planned wire bytes (cycle ring → complete)', async () => {
    const config = smallConfig({
      algorithm: { name: 'dpsgd', eta: 0.05 },
      topology: { kind: 'ring', nodes: 5, schedule: { kind: 'cycle', then: [{ kind: 'complete' }] } },
    });
    const plain = smallConfig({ algorithm: { name: 'dpsgd', eta: 0.05 }, topology: { kind: 'ring', nodes: 5 } });
    const a = await runSimulation(config, { outDir: null });
    const b = await runSimulation(plain, { outDir: null });
    const last = a.rows[a.rows.length - 1];
    expect(last.envelopeBytes).toBeGreaterThan(0);
    expect(last.wireBytes).toBe(last.bytesSent + last.envelopeBytes! + last.controlBytes!);
    // the complete rounds carry more frames than the ring alone
    expect(last.envelopeBytes!).toBeGreaterThan(b.rows[b.rows.length - 1].envelopeBytes!);
  });
});
