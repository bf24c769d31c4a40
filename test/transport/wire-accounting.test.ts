/**
 * metrics.ndjson's wire figures (node/results/wire-accounting.ts) against real frames on loopback:
 * after a ring of WebSocket transports has run its exchanges, each transport's own counters (what
 * it wrote, from the real frame lengths) equal the accounting, heartbeats aside; and edges.csv's
 * per-edge split adds up to the same totals.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { readText, smallConfig, tempDirs } from '../cluster/helpers.ts';
import type { Message } from '../../node/compress/types.ts';
import { encodePayload } from '../../node/codec/payload.ts';
import { ACK_EVERY, CONTROL_FRAME_BYTES, LINK_OVERHEAD_BYTES, acksAfter } from '../../node/codec/frame.ts';
import { edgeRows, edgesCsv } from '../../node/results/edges.ts';
import { edgeWire, nodeWire, wirePlanOf } from '../../node/results/wire-accounting.ts';
import { NetworkCommunicator } from '../../node/transport/network-communicator.ts';
import { WsTransport } from '../../node/transport/ws.ts';
import { RUN, TOKEN, waitUntil } from './helpers.ts';

const DIM = 6;
const msgOf = (v: number): Message => ({
  dim: DIM,
  indices: null,
  values: { kind: 'float', precision: 'f32', data: Float64Array.of(v, 1, 2, 3, 4, 5) },
});
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('wire accounting = the transport’s real frames', () => {
  it('a 5-node ring (ids with 1- and 2-byte msgpack widths), 2 phases × (ACK_EVERY + 1) rounds + 1 init exchange', async () => {
    const ids = [0, 3, 127, 128, 300]; // ring in this order; 128 and 300 take wider msgpack integers in the hellos
    const n = ids.length;
    const nb = (k: number) => [ids[(k + 1) % n], ids[(k + n - 1) % n]].sort((a, b) => a - b);
    const ts = new Map<number, WsTransport>();
    for (const [k, id] of ids.entries()) {
      const t = new WsTransport({
        id,
        run: RUN,
        token: TOKEN,
        neighbours: nb(k),
        maxFrameBytes: 4096,
        expectedDim: DIM,
        heartbeatMs: 60_000,
        peerTimeoutMs: 120_000,
        backoff: { initialMs: 5, maxMs: 50 },
        host: '127.0.0.1',
        port: 0,
        peerAddress: (p) => ts.get(p)?.url,
      });
      ts.set(id, t);
      stops.push(() => t.stop());
    }
    await Promise.all([...ts.values()].map((t) => t.start()));
    const comms = ids.map(
      (id, k) =>
        new NetworkCommunicator({
          transport: ts.get(id)!,
          self: id,
          peers: [id, ...nb(k)].sort((a, b) => a - b),
          dim: DIM,
          signal: AbortSignal.timeout(15_000),
        }),
    );
    // 2·ACK_EVERY + 3 exchanges: the per-ACK_EVERY acks fire twice on every link, and 3 frames stay unacknowledged
    const schedule: Array<[number, string]> = [[-1, 'y']];
    for (let r = 0; r < ACK_EVERY + 1; r++) schedule.push([r, 'y'], [r, 'x']);
    await Promise.all(
      comms.map(async (c, k) => {
        for (const [round, phase] of schedule) await c.exchange(round, phase, msgOf(ids[k] + round));
      }),
    );
    // quiescence: every ack due has arrived (one when the link came up, one per ACK_EVERY frames)
    await waitUntil(
      () => [...ts.values()].every((t) => [...t.stats().peers.values()].every((s) => s.received.ackFrames === acksAfter(s.sent.frames))),
      'all acks',
    );
    for (const [k, id] of ids.entries()) {
      const st = ts.get(id)!.stats();
      const counted = comms[k].wireCounts();
      let envelope = 0;
      let control = 0;
      for (const [peer, s] of st.peers) {
        expect(s.sent.controlFrames - s.sent.ackFrames - s.sent.handshakeFrames).toBe(0); // no heartbeat fired
        expect(s.resent).toBe(0);
        envelope += s.sent.envelopeBytes;
        control += s.sent.controlBytes;
        const e = edgeWire(id, peer, schedule.length);
        expect([s.sent.frames, s.sent.envelopeBytes, s.sent.ackBytes, s.sent.handshakeBytes]).toEqual([
          e.dataFrames,
          e.envelopeBytes,
          e.ackBytes,
          e.handshakeBytes,
        ]);
        expect(s.sent.payloadBytes).toBe(schedule.length * encodePayload(msgOf(0)).length);
        expect(s.sent.ackFrames).toBe(3);
      }
      expect({ envelope, control }).toEqual({ envelope: counted.envelopeBytes, control: counted.controlBytes });
      expect(counted).toEqual(nodeWire(id, nb(k), schedule.length));
      expect(counted.envelopeBytes).toBe(2 * schedule.length * LINK_OVERHEAD_BYTES);
    }
  });

  it('edges.csv: one row per directed edge, kinds adding up to the total', () => {
    const plan = wirePlanOf({ phases: ['y', 'x'], initPhases: ['y'] }, [{ ids: [0, 1, 2] }, { ids: [0, 1] }, { ids: [0, 2] }]);
    const rows = edgeRows(
      plan,
      () => 1 + 2 * 10,
      (i, j) => 1000 * i + j,
    );
    expect(rows.map((r) => [r.from, r.to])).toEqual([
      [0, 1],
      [0, 2],
      [1, 0],
      [2, 0],
    ]);
    for (const r of rows) {
      expect(r.totalBytes).toBe(r.payloadBytes + r.envelopeBytes + r.ackBytes + r.handshakeBytes);
      expect(r.dataFrames).toBe(21);
      expect(r.envelopeBytes).toBe(21 * 44);
      expect(r.ackBytes).toBe(acksAfter(21) * 44); // 1 + ⌊21 / ACK_EVERY⌋
    }
    expect(rows[0].handshakeBytes).not.toBe(rows[2].handshakeBytes); // 0 dials 1 (steps 1 + 3), 1 answers (step 2)
    const csv = edgesCsv(rows).split('\n');
    expect(csv[0]).toBe('from,to,dataFrames,payloadBytes,envelopeBytes,ackBytes,handshakeBytes,totalBytes');
    const ack = acksAfter(21) * 44;
    expect(csv[1]).toBe(`0,1,21,1,924,${ack},${rows[0].handshakeBytes},${1 + 924 + ack + rows[0].handshakeBytes}`);
  });
});

describe('edges.csv and the wire figures of a run', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.cleanup());
  const readEdges = (dir: string) =>
    readText(dir, 'edges.csv')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));

  it('simulator and local cluster write byte-identical edges.csv and wire figures; the edges add up to the last metrics row', async () => {
    // CDProxSGT with top-k and rand-k: payload sizes vary by node and round. (The wire figures of the
    // other algorithms, AllReduce's all-to-all rows included, are compared by test/cluster/equivalence.test.ts.)
    const config = smallConfig({
      algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      compression: { x: { kind: 'topk', ratio: 0.3, scope: 'global' }, y: { kind: 'randk', ratio: 0.5, scope: 'global', scaled: false } },
    });
    const simDir = dirs.make();
    const clDir = dirs.make();
    const sim = await runSimulation(config, { outDir: simDir });
    await runLocalCluster(config, { outDir: clDir, signal: AbortSignal.timeout(50_000) });
    expect(readText(clDir, 'edges.csv')).toBe(readText(simDir, 'edges.csv'));
    expect(readText(clDir, 'metrics.ndjson')).toBe(readText(simDir, 'metrics.ndjson'));
    const last = sim.rows[sim.rows.length - 1];
    const edges = readEdges(simDir); // from,to,dataFrames,payload,envelope,ack,handshake,total
    const sum = (c: number) => edges.reduce((a, e) => a + e[c], 0);
    expect(sum(3)).toBe(last.bytesSent);
    expect(sum(4)).toBe(last.envelopeBytes);
    expect(sum(5) + sum(6)).toBe(last.controlBytes);
    expect(sum(7)).toBe(last.wireBytes);
    expect(last.wireBytes).toBe(last.bytesSent + last.envelopeBytes! + last.controlBytes!);
    // a node sends the same payload to each peer (what lets the coordinator split bytesSent per edge)
    for (const from of new Set(edges.map((e) => e[0]))) expect(new Set(edges.filter((e) => e[0] === from).map((e) => e[3])).size).toBe(1);
    // k = 0: no data frames yet, but the handshake and the first ack of every link
    const first = sim.rows[0];
    expect(first.envelopeBytes).toBe(0);
    expect(first.controlBytes).toBe(sum(6) + edges.length * CONTROL_FRAME_BYTES);
  }, 90_000);
});
