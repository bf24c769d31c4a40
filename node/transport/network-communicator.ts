/**
 * The Communicator of a cluster node (DESIGN.md §3): exchange(round, phase, msg) encodes msg once,
 * sends the same payload bytes to every peer in peers.ids but itself, waits in the round inbox for
 * the peers' frames of (round, phase), decodes them and returns them aligned with peers.ids (the
 * entry for this node is msg itself). Payload bytes are counted as payloadByteLength(msg) per peer,
 * exactly as the simulator counts them; envelopes and control frames are in the transport's stats.
 */
import { performance } from 'node:perf_hooks';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
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

/**
 * What every frame-exchanging communicator holds (the static one below and the time-varying
 * ScheduledCommunicator): the round inbox fed from the transport by the accepted peers, the time
 * split, the payload counters (checkpointed) and the parts an exchange works with.
 */
export abstract class FrameCommunicator implements Communicator {
  readonly inbox: RoundInbox;
  /** Where exchange time went, for the worker's step-time split (compute / encode / wait). */
  readonly times: ExchangeTimes = { encodeSeconds: 0, sendSeconds: 0, waitSeconds: 0 };
  protected readonly counters: CommunicatorStats = { payloadBytesSent: 0, payloadBytesReceived: 0, exchanges: 0 };
  protected readonly parts: ExchangeParts;
  private readonly unsubscribe: Array<() => void> = [];

  /** accepted: the peers whose frames go into the inbox (self excluded). */
  constructor(
    opts: {
      readonly transport: PeerTransport;
      readonly self: number;
      readonly dim: number;
      readonly inbox?: RoundInbox;
      readonly signal?: AbortSignal;
    },
    accepted: Iterable<number>,
  ) {
    this.inbox = opts.inbox ?? new RoundInbox();
    this.parts = {
      transport: opts.transport,
      inbox: this.inbox,
      self: opts.self,
      dim: opts.dim,
      signal: opts.signal,
      counters: this.counters,
      times: this.times,
    };
    this.unsubscribe.push(feedInbox(opts.transport, this.inbox, new Set(accepted)));
  }

  abstract exchange(round: number, phase: string, msg: Message): Promise<readonly Message[]>;

  stats(): CommunicatorStats {
    return { ...this.counters };
  }

  /** The counters reports read (bytesSent), for cluster checkpoints (docs/resume.md "Cluster"). */
  registerState(reg: StateRegistrar, prefix: string): void {
    registerCounters(reg, prefix, this.counters);
  }

  /** Detaches from the transport's events (the transport itself is stopped by its owner). */
  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
  }
}

export class NetworkCommunicator extends FrameCommunicator {
  private readonly others: number[];
  private readonly ids: number[];

  constructor(private readonly opts: NetworkCommunicatorOptions) {
    const ids = Array.from(opts.peers);
    const others = ids.filter((p) => p !== opts.self);
    super(opts, others);
    this.ids = ids;
    this.others = others;
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

  exchange(round: number, phase: string, msg: Message): Promise<readonly Message[]> {
    return exchangeFrames(this.parts, round, phase, msg, this.ids, this.others, this.others);
  }
}

/** A communicator's counters as checkpoint scalars (restored in place). */
function registerCounters(reg: StateRegistrar, prefix: string, c: CommunicatorStats): void {
  for (const k of ['payloadBytesSent', 'payloadBytesReceived', 'exchanges'] as const) {
    reg.scalar(
      `${prefix}.${k}`,
      () => c[k],
      (v) => {
        c[k] = v;
      },
    );
  }
}

/**
 * Routes the transport's frames from `needed` peers into the inbox, and fails the inbox when one of
 * them fails (shared by the static and the time-varying communicators). Returns the unsubscribe of
 * the failure listener.
 */
function feedInbox(transport: PeerTransport, inbox: RoundInbox, needed: ReadonlySet<number>): () => void {
  transport.onFrame((f) => {
    if (needed.has(f.envelope.from)) inbox.push(f.envelope.from, f.envelope.round, f.envelope.phase, f.payload);
  });
  return transport.on('peer:failed', ({ peer, error }) => {
    if (needed.has(peer)) inbox.fail(error);
  });
}

/** What one exchange works with: the node's transport and inbox, and the counters it adds to. */
export interface ExchangeParts {
  readonly transport: PeerTransport;
  readonly inbox: RoundInbox;
  readonly self: number;
  readonly dim: number;
  readonly signal?: AbortSignal;
  readonly counters: CommunicatorStats;
  readonly times: ExchangeTimes;
}

/**
 * One exchange over a transport, shared by the static and the time-varying communicators: encode
 * msg once, send the same payload to `targets`, wait in the inbox for the frames of (round, phase)
 * from `others`, and return them decoded and aligned with `ids` (the entry for self is msg itself).
 * Payload bytes are counted per target and per frame received, as the simulator counts them.
 */
export async function exchangeFrames(
  c: ExchangeParts,
  round: number,
  phase: string,
  msg: Message,
  ids: readonly number[],
  others: readonly number[],
  targets: readonly number[],
): Promise<Message[]> {
  const { transport, signal } = c;
  transport.setRound(round);
  const t0 = performance.now();
  const payload = encodePayload(msg); // once, shared by every peer's frame
  const t1 = performance.now();
  // Start the wait first so this round's floor is set before any frame is awaited.
  const arrived = c.inbox.waitFor(round, phase, others, { signal });
  arrived.catch(() => {}); // observed below; avoid an unhandled rejection while sending
  await Promise.all(targets.map((p) => transport.send(p, { round, phase }, payload, { signal })));
  const tSent = performance.now();
  c.counters.payloadBytesSent += payload.length * targets.length;
  const payloads = await arrived;
  const t2 = performance.now();
  c.counters.exchanges++;
  const out: Message[] = new Array(ids.length);
  let j = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === c.self) {
      out[i] = msg;
      continue;
    }
    const bytes = payloads[j++];
    c.counters.payloadBytesReceived += bytes.length;
    out[i] = decodePayload(bytes, c.dim);
  }
  const t3 = performance.now();
  c.times.encodeSeconds += (t1 - t0 + (t3 - t2)) / 1000;
  c.times.sendSeconds += (tSent - t1) / 1000;
  c.times.waitSeconds += (t2 - tSent) / 1000;
  return out;
}
