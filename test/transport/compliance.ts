/**
 * One compliance suite for every PeerTransport (js-libp2p's interface-compliance-tests habit):
 * memory.test.ts and ws.test.ts run it with their harness. Every wait is bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../node/compress/types.ts';
import { PROTOCOL_VERSION } from '../../node/codec/frame.ts';
import { decodePayload, encodePayload, payloadByteLength } from '../../node/codec/payload.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { NetworkCommunicator } from '../../node/transport/network-communicator.ts';
import { REJECT_REASONS, type RejectReason } from '../../node/transport/types.ts';
import {
  RUN,
  TOKEN,
  Forger,
  collect,
  connectedAll,
  decodeAll,
  nextEvent,
  waitUntil,
  type ClusterOptions,
  type RawConn,
  type TestCluster,
  type TransportHarness,
} from './helpers.ts';

const DIM = 4;
const msgOf = (v: number): Message => ({
  dim: DIM,
  indices: null,
  values: { kind: 'float', precision: 'f64', data: Float64Array.of(v, -v, 0, 1) },
});
const payloadOf = (v: number) => encodePayload(msgOf(v));
const payloadValue = (payload: Uint8Array) => {
  const m = decodePayload(payload, DIM);
  return m.values.kind === 'float' ? m.values.data[0] : NaN;
};

function handleCounts(): Record<string, number> {
  const out: Record<string, number> = { TCPServerWrap: 0, TCPSocketWrap: 0, Timeout: 0, Immediate: 0 };
  for (const r of process.getActiveResourcesInfo()) if (r in out) out[r]++;
  return out;
}

export function transportCompliance(h: TransportHarness): void {
  describe(`PeerTransport compliance: ${h.name}`, () => {
    let cluster: TestCluster | null = null;
    const raws: RawConn[] = [];
    const create = async (o: Partial<ClusterOptions> & Pick<ClusterOptions, 'n' | 'edges'>) => {
      cluster = await h.create({ dim: DIM, heartbeatMs: 50, stallMs: 1000, peerTimeoutMs: 5000, maxFrameBytes: 4096, ...o });
      return cluster;
    };
    const raw = async (c: TestCluster, to: number) => {
      const r = await c.raw(to);
      raws.push(r);
      return r;
    };
    afterEach(async () => {
      for (const r of raws.splice(0)) await r.close();
      await cluster?.close();
      cluster = null;
    });

    it('delivers each peer’s frames in order, with exact byte counts', async () => {
      const c = await create({
        n: 3,
        edges: [
          [0, 1],
          [1, 2],
        ],
      });
      const [t0, t1, t2] = [0, 1, 2].map((i) => c.transports.get(i)!);
      const got = collect(t1);
      await connectedAll(c);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 30; i++) {
        sends.push(t0.send(1, { round: i, phase: 'x' }, payloadOf(i)));
        sends.push(t2.send(1, { round: i, phase: 'x' }, payloadOf(100 + i)));
      }
      await Promise.all(sends);
      await waitUntil(() => got.length === 60, '60 frames');
      const from0 = got.filter((f) => f.envelope.from === 0);
      const from2 = got.filter((f) => f.envelope.from === 2);
      expect(from0.map((f) => payloadValue(f.payload))).toEqual([...Array(30).keys()]);
      expect(from2.map((f) => payloadValue(f.payload))).toEqual([...Array(30).keys()].map((i) => 100 + i));
      expect(from0.map((f) => f.envelope.seq)).toEqual([...Array(30).keys()].map((i) => i + 1));
      const len = payloadByteLength(msgOf(0));
      const sent = t0.stats().peers.get(1)!.sent;
      expect(sent.frames).toBe(30);
      expect(sent.payloadBytes).toBe(30 * len);
      const rx = t1.stats().peers.get(0)!.received;
      expect(rx.frames).toBe(30);
      expect(rx.payloadBytes).toBe(30 * len);
      expect(rx.envelopeBytes).toBe(sent.envelopeBytes);
      expect(Object.values(t1.stats().rejected).every((n) => n === 0)).toBe(true);
    });

    it('buffers early frames: a ring of communicators returns messages aligned with peers.ids', async () => {
      const n = 4;
      const edges: Array<[number, number]> = [
        [0, 1],
        [1, 2],
        [2, 3],
        [0, 3],
      ];
      const c = await create({ n, edges });
      const comms = [...Array(n).keys()].map((i) => {
        const peers = [i, (i + 1) % n, (i + n - 1) % n].sort((a, b) => a - b);
        return {
          peers,
          comm: new NetworkCommunicator({ transport: c.transports.get(i)!, self: i, peers, dim: DIM, signal: AbortSignal.timeout(8000) }),
        };
      });
      const rounds = 6;
      const phases = ['y', 'x'];
      let bytes = 0;
      const run = async (i: number) => {
        const rng = Rng.derive(5, i, 'test-delay');
        const { peers, comm } = comms[i];
        for (let k = 0; k < rounds; k++) {
          for (let p = 0; p < phases.length; p++) {
            if (i === 0) await new Promise((r) => setTimeout(r, rng.int(8))); // node 0 lags: the others' frames arrive early
            const v = i * 1000 + k * 10 + p;
            bytes += payloadByteLength(msgOf(v)) * (peers.length - 1);
            const got = await comm.exchange(k, phases[p], msgOf(v));
            expect(got.map((m) => (m.values.kind === 'float' ? m.values.data[0] : NaN))).toEqual(peers.map((q) => q * 1000 + k * 10 + p));
          }
        }
      };
      await Promise.all([...Array(n).keys()].map(run));
      expect(comms.reduce((s, x) => s + x.comm.stats().payloadBytesSent, 0)).toBe(bytes);
      expect(comms.reduce((s, x) => s + x.comm.stats().payloadBytesReceived, 0)).toBe(bytes);
      for (const x of comms) {
        expect(x.comm.inbox.buffered).toBe(0);
        x.comm.close();
      }
    });

    it('delivers forged frames once each, in seq order (dedupe and reorder)', async () => {
      const c = await create({ n: 2, edges: [[0, 1]], only: [1], stallMs: 30_000, peerTimeoutMs: 60_000 }); // the raw peer never pings
      const t1 = c.transports.get(1)!;
      const got = collect(t1);
      const r = await raw(c, 1);
      const f = new Forger(0, 1);
      const connected = nextEvent(t1, 'peer:connected');
      await f.handshake(r);
      await connected;
      for (const seq of [1, 2, 2, 1, 4, 3, 4]) r.send(f.frame({ seq, round: seq }, payloadOf(seq)));
      await waitUntil(() => got.length === 4 && t1.stats().rejected.duplicate === 3, '4 frames and 3 duplicates');
      expect(got.map((x) => x.envelope.seq)).toEqual([1, 2, 3, 4]);
      expect(got.map((x) => payloadValue(x.payload))).toEqual([1, 2, 3, 4]);
      expect(got[0].envelope).toMatchObject({ v: PROTOCOL_VERSION, run: RUN, to: 1, from: 0, phase: 'x' });
      // the node answered with hello step 2, then cumulative acks up to 4, each under the link's MAC
      const acked = () => decodeAll(r.received).some((d) => d.kind === 'ack' && d.header.seq === 4);
      await waitUntil(acked, 'ack 4');
      const first = decodeAll(r.received)[0];
      expect(first.kind === 'hello' && first.hello.step).toBe(2);
    });

    it('resends unacknowledged frames after a dropped connection, without duplicates', async () => {
      const c = await create({ n: 2, edges: [[0, 1]] });
      const [t0, t1] = [c.transports.get(0)!, c.transports.get(1)!];
      const got = collect(t1);
      await connectedAll(c);
      for (let i = 0; i < 10; i++) await t0.send(1, { round: i, phase: 'x' }, payloadOf(i));
      t0.hangUp(1); // frames sent now wait for the re-dial
      for (let i = 10; i < 20; i++) await t0.send(1, { round: i, phase: 'x' }, payloadOf(i));
      await waitUntil(() => got.length >= 15, '15 frames');
      t1.hangUp(0); // the accepting side drops it too
      for (let i = 20; i < 30; i++) await t0.send(1, { round: i, phase: 'x' }, payloadOf(i));
      await waitUntil(() => got.length === 30, '30 frames');
      expect(got.map((x) => payloadValue(x.payload))).toEqual([...Array(30).keys()]);
      expect(t0.stats().peers.get(1)!.connections).toBeGreaterThanOrEqual(3);
      expect(t1.stats().peers.get(0)!.received.frames - t1.stats().rejected.duplicate).toBe(30);
    });

    it('fails a peer gone past peerTimeoutMs with an error naming node, peer and round', async () => {
      const c = await create({ n: 2, edges: [[0, 1]], heartbeatMs: 20, stallMs: 80, peerTimeoutMs: 300 });
      const [t0, t1] = [c.transports.get(0)!, c.transports.get(1)!];
      await connectedAll(c);
      const comm = new NetworkCommunicator({ transport: t0, self: 0, peers: [0, 1], dim: DIM, signal: AbortSignal.timeout(5000) });
      t0.setRound(17);
      const failed = nextEvent(t0, 'peer:failed');
      const pending = comm.exchange(17, 'x', msgOf(1)).catch((e) => e); // waits for node 1, which never answers
      await t1.stop();
      const { peer, error } = await failed;
      expect(peer).toBe(1);
      expect(error.code).toBe('PROXMESH_ERR_PEER_TIMEOUT');
      expect(error.message).toBe('node 0 lost peer 1 at round 17 (no frame for 300 ms)');
      expect(error.detail).toMatchObject({ node: 0, peer: 1, round: 17 });
      const e = await pending;
      expect(e).toBeInstanceOf(ProxmeshError);
      expect((e as ProxmeshError).code).toBe('PROXMESH_ERR_PEER_TIMEOUT');
      await expect(t0.send(1, { round: 18, phase: 'x' }, payloadOf(0))).rejects.toMatchObject({ code: 'PROXMESH_ERR_PEER_TIMEOUT' });
      comm.close();
    });

    it('detects a silent stall (no close event) and recovers when the path heals', async (ctx) => {
      const c = await create({ n: 2, edges: [[0, 1]], heartbeatMs: 20, stallMs: 100, peerTimeoutMs: 5000 });
      if (c.stall === undefined || c.heal === undefined) return ctx.skip();
      const [t0, t1] = [c.transports.get(0)!, c.transports.get(1)!];
      const got = collect(t1);
      await connectedAll(c);
      const lost = nextEvent(t0, 'peer:lost');
      c.stall(0, 1);
      await t0.send(1, { round: 0, phase: 'x' }, payloadOf(7)); // lost in the stall, kept unacked
      await lost;
      c.heal(0, 1);
      await waitUntil(() => got.length === 1, 'the frame after healing');
      expect(payloadValue(got[0].payload)).toBe(7);
      expect(t0.stats().peers.get(1)!.connections).toBeGreaterThanOrEqual(2);
    });

    it('rejects and counts every kind of bad frame, and the link keeps running', async () => {
      // the raw peers never ping; the hello deadline is long so the anonymous connection stays open
      const c = await create({ n: 2, edges: [[0, 1]], only: [1], stallMs: 30_000, peerTimeoutMs: 60_000, helloTimeoutMs: 30_000 });
      const t1 = c.transports.get(1)!;
      const got = collect(t1);
      /** A key from a completed handshake on a connection of its own (then closed). */
      const handshakeKey = async (cl: TestCluster, to: number) => {
        const other = await raw(cl, to);
        const g = new Forger(0, to);
        await g.handshake(other);
        return g.key;
      };
      const expected = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
      const f = new Forger(0, 1);
      const expectReject = async (r: RawConn, bytes: Uint8Array, reason: RejectReason) => {
        const ev = nextEvent(t1, 'frame:rejected', (d) => d.reason === reason);
        r.send(bytes);
        await ev.catch((e: Error) => {
          throw new Error(`${e.message} (${reason}); counts ${JSON.stringify(t1.stats().rejected)}`);
        });
        expected[reason]++;
        expect(t1.stats().rejected).toEqual(expected);
      };
      const anon = await raw(c, 1);
      await expectReject(anon, f.frame({ seq: 1 }, payloadOf(1)), 'unauthenticated'); // data before any hello
      await expectReject(anon, f.hello({ step: 3 }), 'unauthenticated'); // step 3 without steps 1 and 2
      await expectReject(anon, f.hello({ step: 2 }), 'unauthenticated'); // step 2 sent to the responder
      await expectReject(anon, new Forger(5, 1).hello({ step: 1 }), 'not-neighbour');
      await expectReject(anon, new Forger(0, 1, TOKEN, 'other-run').hello({ step: 1 }), 'wrong-run');
      await expectReject(anon, new Forger(0, 7).hello({ step: 1 }), 'wrong-recipient');
      await expectReject(anon, Uint8Array.of(1, PROTOCOL_VERSION), 'truncated');
      const good = f.frame({ seq: 1 }, payloadOf(1));
      await expectReject(anon, good.subarray(0, good.length - 3), 'truncated');
      await expectReject(anon, Uint8Array.from([...good, 0]), 'malformed'); // a byte after the payload
      const reserved = good.slice();
      reserved[2] = 1;
      await expectReject(anon, reserved, 'malformed');
      const v3 = good.slice();
      v3[1] = PROTOCOL_VERSION + 1;
      await expectReject(anon, v3, 'version');
      // a handshake with the wrong token: the node's proof does not verify for the forger, and the
      // forger's step 3 (any 32 bytes) does not verify for the node, which then closes the connection
      const liar = await raw(c, 1);
      const wrong = new Forger(0, 1, 'wrong-token');
      expect((await wrong.handshake(liar)).step3).toBeNull();
      await expectReject(liar, wrong.hello({ step: 3 }), 'unauthenticated');
      // authenticate (a first connection, whose key is kept, then the one used below, which replaces
      // it), then the checks that need an authenticated link
      const otherKey = await handshakeKey(c, 1);
      const link = await raw(c, 1);
      const connected = nextEvent(t1, 'peer:connected');
      await f.handshake(link);
      await connected;
      await expectReject(link, f.hello({ step: 1 }), 'unauthenticated'); // a hello after the handshake
      await expectReject(link, f.frame({ seq: 1 }, payloadOf(1), null), 'bad-mac'); // no key
      await expectReject(link, new Forger(0, 1).frame({ seq: 1 }, payloadOf(1), otherKey), 'bad-mac'); // another connection's key
      const flipped = f.frame({ seq: 1 }, payloadOf(1));
      flipped[flipped.length - 1] ^= 1; // one payload bit
      await expectReject(link, flipped, 'bad-mac');
      await expectReject(link, f.frame({ seq: 1, from: 1 }, payloadOf(1)), 'unauthenticated'); // reflected: from is the receiver itself
      await expectReject(
        link,
        f.frame(
          { seq: 1 },
          encodePayload({ dim: DIM + 1, indices: null, values: { kind: 'float', precision: 'f32', data: new Float64Array(DIM + 1) } }),
        ),
        'malformed',
      );
      t1.setRound(10);
      await expectReject(link, f.frame({ seq: 1, round: 5 }, payloadOf(5)), 'stale');
      await expectReject(link, f.frame({ seq: 1, round: 9 }, payloadOf(9)), 'duplicate');
      link.send(f.frame({ seq: 2, round: 9 }, payloadOf(9))); // round − 1 is not stale
      link.send(f.frame({ seq: 3, round: 10 }, payloadOf(10)));
      await waitUntil(() => got.length === 2, 'two good frames');
      expect(got.map((x) => payloadValue(x.payload))).toEqual([9, 10]);
      const big = await raw(c, 1);
      await expectReject(big, new Uint8Array(5000), 'oversized');
      expect(t1.stats().rejected).toEqual(expected);
    });

    it('stops cleanly: no sockets or timers left, stop is idempotent, send after stop rejects', async () => {
      const before = handleCounts();
      const c = await h.create({
        n: 3,
        edges: [
          [0, 1],
          [1, 2],
          [0, 2],
        ],
        dim: DIM,
        heartbeatMs: 20,
        maxFrameBytes: 4096,
      });
      await connectedAll(c);
      const t0 = c.transports.get(0)!;
      await t0.send(1, { round: 0, phase: 'x' }, payloadOf(1));
      await c.close();
      await c.close();
      await expect(t0.send(1, { round: 1, phase: 'x' }, payloadOf(1))).rejects.toBeInstanceOf(ProxmeshError);
      await waitUntil(() => {
        const after = handleCounts();
        return (
          after.TCPServerWrap <= before.TCPServerWrap && after.TCPSocketWrap <= before.TCPSocketWrap && after.Timeout <= before.Timeout
        );
      }, 'handles released');
    });
  });
}
