import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { MemoryTransportNetwork, type MemoryTransportNetworkOptions } from '../../node/transport/memory.ts';
import type { BaseTransport } from '../../node/transport/base-transport.ts';
import { transportCompliance } from './compliance.ts';
import { RUN, TOKEN, collect, neighboursOf, waitUntil, type ClusterOptions, type TestCluster, type TransportHarness } from './helpers.ts';
import { encodePayload } from '../../node/codec/payload.ts';

async function createMemoryCluster(o: ClusterOptions, net: MemoryTransportNetworkOptions = {}): Promise<TestCluster> {
  const network = new MemoryTransportNetwork(net);
  const transports = new Map<number, BaseTransport>();
  for (const i of o.only ?? [...Array(o.n).keys()]) {
    transports.set(
      i,
      network.createTransport({
        id: i,
        run: RUN,
        token: TOKEN,
        neighbours: neighboursOf(o, i),
        maxFrameBytes: o.maxFrameBytes ?? 1 << 20,
        expectedDim: o.dim,
        heartbeatMs: o.heartbeatMs,
        stallMs: o.stallMs,
        peerTimeoutMs: o.peerTimeoutMs,
        helloTimeoutMs: o.helloTimeoutMs,
        backoff: { initialMs: 5, maxMs: 50 },
      }),
    );
  }
  await Promise.all([...transports.values()].map((t) => t.start()));
  return {
    transports,
    async raw(to) {
      const r = network.rawConnect(to)!;
      return { send: r.send, received: r.received, close: async () => r.close() };
    },
    stall: (a, b) => network.stall(a, b),
    heal: (a, b) => network.heal(a, b),
    async close() {
      await Promise.all([...transports.values()].map((t) => t.stop()));
    },
  };
}

const memoryHarness: TransportHarness = { name: 'memory', create: (o) => createMemoryCluster(o) };

transportCompliance(memoryHarness);

describe('memory transport faults', () => {
  it('seeded drops (with reconnects) and delays still deliver every frame once, in order', async () => {
    const c = await createMemoryCluster(
      { n: 2, edges: [[0, 1]], dim: 2, heartbeatMs: 50, peerTimeoutMs: 5000 },
      { faults: { rng: Rng.derive(9, -1, 'faults'), dropProbability: 0.05, maxDelayTicks: 3, tickMs: 1 } },
    );
    try {
      const t0 = c.transports.get(0)!;
      const t1 = c.transports.get(1)!;
      const got = collect(t1);
      for (let i = 0; i < 60; i++) {
        await t0.send(
          1,
          { round: i, phase: 'x' },
          encodePayload({ dim: 2, indices: null, values: { kind: 'float', precision: 'f64', data: Float64Array.of(i, 0) } }),
        );
      }
      // 1.6 s alone; the bound is generous because every reconnect replays the handshake and the resends under a shared, loaded CPU
      await waitUntil(() => got.length === 60, '60 frames', 20_000);
      expect(got.map((f) => f.envelope.round)).toEqual([...Array(60).keys()]);
      expect(t0.stats().peers.get(1)!.connections).toBeGreaterThan(1); // some drops did happen
    } finally {
      await c.close();
    }
  });
});
