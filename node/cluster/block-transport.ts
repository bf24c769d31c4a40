/**
 * The transport of one node in a worker process that hosts a block of nodes (`--nodes-per-worker`):
 * frames to a neighbour in the same process are handed straight to that node's round inbox (the same
 * encoded payload bytes a socket would carry, so the receiver decodes exactly what it would decode
 * off the wire); frames to a neighbour in another process go through the node's WebSocket transport.
 * Bytes are counted by the communicator from the payloads for every edge alike, so a run's metrics do
 * not depend on where its nodes live.
 */
import type { WsTransport } from '../transport/ws.ts';
import type { RoundInbox } from '../transport/round-inbox.ts';
import {
  REJECT_REASONS,
  type AbortOptions,
  type FrameHandler,
  type OutboundEnvelope,
  type PeerTransport,
  type RejectReason,
  type TransportEvent,
  type TransportEventMap,
  type TransportStats,
} from '../transport/types.ts';

export interface BlockTransportOptions {
  readonly id: number;
  /** The node's WebSocket transport for its neighbours in other processes (null: it has none). */
  readonly remote: WsTransport | null;
  /** The round inbox of a node hosted by this process, or undefined for a remote node. */
  readonly localInbox: (peer: number) => RoundInbox | undefined;
}

export class BlockTransport implements PeerTransport {
  readonly id: number;

  constructor(private readonly opts: BlockTransportOptions) {
    this.id = opts.id;
  }

  onFrame(handler: FrameHandler): void {
    this.opts.remote?.onFrame(handler);
  }

  async send(to: number, envelope: OutboundEnvelope, payload: Uint8Array, opts: AbortOptions = {}): Promise<void> {
    const inbox = this.opts.localInbox(to);
    if (inbox === undefined) return this.opts.remote!.send(to, envelope, payload, opts);
    opts.signal?.throwIfAborted();
    inbox.push(this.id, envelope.round, envelope.phase, payload);
  }

  setRound(round: number): void {
    this.opts.remote?.setRound(round);
  }

  stats(): TransportStats {
    if (this.opts.remote !== null) return this.opts.remote.stats();
    return { peers: new Map(), rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number> };
  }

  on<E extends TransportEvent>(event: E, listener: (detail: TransportEventMap[E]) => void): () => void {
    return this.opts.remote?.on(event, listener) ?? (() => {});
  }

  async start(): Promise<void> {
    await this.opts.remote?.start();
  }

  async stop(): Promise<void> {
    await this.opts.remote?.stop();
  }
}
