/**
 * The Communicator of a cluster node (DESIGN.md §3): exchange(round, phase, msg) encodes msg once,
 * sends the same payload bytes to every peer in peers.ids but itself, waits in the round inbox for
 * the peers' frames of (round, phase), decodes them and returns them aligned with peers.ids (the
 * entry for this node is msg itself). Payload bytes are counted as payloadByteLength(msg) per peer,
 * exactly as the simulator counts them; envelopes and control frames are in the transport's stats.
 */
import { performance } from 'node:perf_hooks';
import type { Communicator } from '../algo/types.ts';
import type { Message } from '../compress/types.ts';
import { decodePayload, encodePayload } from '../codec/payload.ts';
import { nodeWire, type WireCounts } from '../results/wire-accounting.ts';
import { RoundInbox } from './round-inbox.ts';
import type { PeerTransport } from './types.ts';

export interface NetworkCommunicatorOptions {
  readonly transport: PeerTransport;
  /** This node's id. */
  readonly self: number;
  /** peers.ids of the node's MixingRow: ascending, self included where W_ii > 0. */
  readonly peers: Int32Array | readonly number[];
  /** Problem dimension d (every payload must have it). */
  readonly dim: number;
  /** Defaults to a new RoundInbox. */
  readonly inbox?: RoundInbox;
  /** Aborts pending sends and waits (e.g. the run is stopped). */
  readonly signal?: AbortSignal;
}

/** Cumulative seconds inside exchanges: codec (encode + decode), handing frames to the sockets (send) and waiting for the peers' frames (wait). */
export interface ExchangeTimes {
  encodeSeconds: number;
  sendSeconds: number;
  waitSeconds: number;
}

export interface CommunicatorStats {
  /** Σ over exchanges and peers (self excluded) of payloadByteLength(msg). */
  payloadBytesSent: number;
  /** Σ of the payload lengths received. */
  payloadBytesReceived: number;
  exchanges: number;
}

export class NetworkCommunicator implements Communicator {
  readonly inbox: RoundInbox;
  /** Where exchange time went, for the worker's step-time split (compute / encode / wait). */
  readonly times: ExchangeTimes = { encodeSeconds: 0, sendSeconds: 0, waitSeconds: 0 };
  private readonly others: number[];
  private readonly ids: number[];
  private readonly unsubscribe: Array<() => void> = [];
  private readonly counters: CommunicatorStats = { payloadBytesSent: 0, payloadBytesReceived: 0, exchanges: 0 };

  constructor(private readonly opts: NetworkCommunicatorOptions) {
    this.inbox = opts.inbox ?? new RoundInbox();
    this.ids = Array.from(opts.peers);
    this.others = this.ids.filter((p) => p !== opts.self);
    const needed = new Set(this.others);
    opts.transport.onFrame((f) => {
      if (needed.has(f.envelope.from)) this.inbox.push(f.envelope.from, f.envelope.round, f.envelope.phase, f.payload);
    });
    this.unsubscribe.push(opts.transport.on('peer:failed', ({ peer, error }) => {
      if (needed.has(peer)) this.inbox.fail(error);
    }));
  }

  stats(): CommunicatorStats {
    return { ...this.counters };
  }

  /**
   * This node's bytes beside payloads for its completed exchanges (headers and MACs, handshake,
   * acks), as metrics.ndjson counts them (node/results/wire-accounting.ts): a worker puts this in
   * its report (NodeReport.wire). Equal to the transport's own counters on a link without
   * reconnects once every frame has been acknowledged, heartbeats aside.
   */
  wireCounts(): WireCounts {
    return nodeWire(this.opts.self, this.others, this.counters.exchanges);
  }

  async exchange(round: number, phase: string, msg: Message): Promise<readonly Message[]> {
    const { transport, signal } = this.opts;
    transport.setRound(round);
    const t0 = performance.now();
    const payload = encodePayload(msg); // once, shared by every peer's frame
    const t1 = performance.now();
    // Start the wait first so this round's floor is set before any frame is awaited.
    const arrived = this.inbox.waitFor(round, phase, this.others, { signal });
    arrived.catch(() => {}); // observed below; avoid an unhandled rejection while sending
    await Promise.all(this.others.map((p) => transport.send(p, { round, phase }, payload, { signal })));
    const tSent = performance.now();
    this.counters.payloadBytesSent += payload.length * this.others.length;
    const payloads = await arrived;
    const t2 = performance.now();
    this.counters.exchanges++;
    const out: Message[] = new Array(this.ids.length);
    let j = 0;
    for (let i = 0; i < this.ids.length; i++) {
      if (this.ids[i] === this.opts.self) {
        out[i] = msg;
        continue;
      }
      const bytes = payloads[j++];
      this.counters.payloadBytesReceived += bytes.length;
      out[i] = decodePayload(bytes, this.opts.dim);
    }
    const t3 = performance.now();
    this.times.encodeSeconds += (t1 - t0 + (t3 - t2)) / 1000;
    this.times.sendSeconds += (tSent - t1) / 1000;
    this.times.waitSeconds += (t2 - tSent) / 1000;
    return out;
  }

  /** Detaches from the transport's events (the transport itself is stopped by its owner). */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
  }
}
