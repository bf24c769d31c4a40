import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodePayload } from '../../node/codec/payload.ts';
import { WsTransport } from '../../node/transport/ws.ts';
import type { BaseTransport } from '../../node/transport/base-transport.ts';
import { transportCompliance } from './compliance.ts';
import {
  RUN,
  TOKEN,
  collect,
  neighboursOf,
  openRawSocket,
  waitUntil,
  type ClusterOptions,
  type TestCluster,
  type TransportHarness,
} from './helpers.ts';

/**
 * A TCP relay in front of a node, per dialling peer, so a test can stall the path silently:
 * paused sockets neither deliver nor close (what `docker network disconnect` does).
 */
class StallableRelay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  stalled = false;

  constructor(targetPort: () => number) {
    this.server = createServer((inbound) => {
      const outbound = connect(targetPort(), '127.0.0.1');
      for (const [a, b] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        this.sockets.add(a);
        a.on('data', (chunk) => {
          if (!this.stalled) b.write(chunk); // stalled: bytes vanish, nobody is told
        });
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.on('error', () => {});
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function createWsCluster(o: ClusterOptions, extra: { highWaterMark?: number } = {}): Promise<TestCluster> {
  const transports = new Map<number, WsTransport>();
  const urls = new Map<number, string>();
  // Every dial a → b (a < b) goes through its own relay, so the a–b path can be stalled.
  const relays = new Map<string, StallableRelay>();
  const relayUrls = new Map<string, string>();
  const pair = (a: number, b: number) => (a < b ? `${a}-${b}` : `${b}-${a}`);
  for (const i of o.only ?? [...Array(o.n).keys()]) {
    transports.set(
      i,
      new WsTransport({
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
        host: '127.0.0.1',
        port: 0,
        peerAddress: (peer) => relayUrls.get(pair(i, peer)),
        ...extra,
      }),
    );
  }
  // Listen first (ephemeral ports), publish the URLs; dials that start before a URL is known are retried.
  await Promise.all([...transports.values()].map((t) => t.start()));
  for (const [i, t] of transports) urls.set(i, t.url);
  for (const [a, b] of o.edges) {
    const target = transports.get(Math.max(a, b));
    if (target === undefined) continue;
    const relay = new StallableRelay(() => target.port);
    relays.set(pair(a, b), relay);
    relayUrls.set(pair(a, b), `ws://127.0.0.1:${await relay.listen()}`);
  }
  return {
    transports: transports as Map<number, BaseTransport>,
    raw: (to) => openRawSocket(transports.get(to)!.url),
    stall: (a, b) => {
      relays.get(pair(a, b))!.stalled = true;
    },
    heal: (a, b) => {
      relays.get(pair(a, b))!.stalled = false;
    },
    async close() {
      await Promise.all([...transports.values()].map((t) => t.stop()));
      await Promise.all([...relays.values()].map((r) => r.close()));
      relays.clear();
    },
  };
}

const wsHarness: TransportHarness = { name: 'ws', create: (o) => createWsCluster(o) };

transportCompliance(wsHarness);

describe('ws transport specifics', () => {
  it('backpressure: frames larger than the high-water mark all arrive, in order, payload intact', async () => {
    const dim = 50_000;
    const c = await createWsCluster({ n: 2, edges: [[0, 1]], dim, heartbeatMs: 50, maxFrameBytes: 1 << 20 }, { highWaterMark: 1024 });
    try {
      const t0 = c.transports.get(0)!;
      const got = collect(c.transports.get(1)!);
      await waitUntil(() => t0.stats().peers.get(1)!.connections === 1, 'link up');
      const data = new Float64Array(dim);
      for (let i = 0; i < dim; i++) data[i] = i;
      const payload = encodePayload({ dim, indices: null, values: { kind: 'float', precision: 'f64', data } });
      for (let k = 0; k < 8; k++) await t0.send(1, { round: k, phase: 'x' }, payload, { signal: AbortSignal.timeout(4000) });
      await waitUntil(() => got.length === 8, '8 big frames');
      expect(got.map((f) => f.envelope.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(Buffer.compare(Buffer.from(got[7].payload), Buffer.from(payload))).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('text messages are rejected as malformed', async () => {
    const c = await createWsCluster({ n: 2, edges: [[0, 1]], only: [1], dim: 4, heartbeatMs: 50 });
    const t1 = c.transports.get(1)!;
    const socket = new WebSocket((t1 as WsTransport).url, { perMessageDeflate: false });
    try {
      await new Promise<void>((resolve) => socket.once('open', () => resolve()));
      socket.send('hello');
      await waitUntil(() => t1.stats().rejected.malformed === 1, 'malformed count');
    } finally {
      const closed = new Promise((r) => socket.once('close', r));
      socket.terminate();
      await closed;
      await c.close();
    }
  });
});
