/**
 * Peer transport contract (DESIGN.md §4–5), js-libp2p style: interface apart from the
 * implementations (memory.ts, ws.ts), Startable, `{signal}` on async calls, one compliance suite
 * (test/transport/compliance.ts) for every implementation.
 *
 * A transport carries frames between this node and its neighbours: it numbers data frames per link,
 * resends unacknowledged ones after a reconnect, drops duplicates, delivers each peer's frames in
 * order, authenticates each connection with a challenge–response handshake (handshake.ts) and
 * every later frame with the link's MAC, rejects (and counts) bad frames without ever stopping,
 * closes connections that do not authenticate within `helloTimeoutMs`, and fails a peer that stays
 * silent past `peerTimeoutMs`.
 */
import type { FrameEnvelope, FrameHeader } from '../codec/frame.ts';
import type { ProxmeshError } from '../errors.ts';

export interface Startable {
  start(): Promise<void>;
  /** Closes every connection and timer; idempotent. */
  stop(): Promise<void>;
}

export interface AbortOptions {
  readonly signal?: AbortSignal;
}

/** The header fields a sender chooses; the transport fills kind, from and seq (v, run and to are the link's). */
export type OutboundEnvelope = Pick<FrameHeader, 'round' | 'phase'>;

/** A data frame delivered to the handler (per peer in sequence order, duplicates removed). */
export interface InboundFrame {
  readonly envelope: FrameEnvelope;
  /** The payload bytes (a view into the received frame). */
  readonly payload: Uint8Array;
}

export type FrameHandler = (frame: InboundFrame) => void;

export const REJECT_REASONS = [
  'unauthenticated', // a link frame before the handshake completed, a hello out of turn, a wrong proof, or a sender other than the link's peer
  'bad-mac', // a link frame on an authenticated connection whose MAC does not verify (forged, altered or replayed from another connection)
  'hello-timeout', // a connection that did not complete the handshake within helloTimeoutMs (closed)
  'malformed', // PROXMESH_ERR_FRAME_MALFORMED (bad header, hello body or payload; also non-binary messages)
  'truncated', // PROXMESH_ERR_FRAME_TRUNCATED
  'oversized', // PROXMESH_ERR_FRAME_OVERSIZED, or the socket's maxPayload
  'version', // PROXMESH_ERR_FRAME_VERSION
  'stale', // round older than the node's current round − 1
  'not-neighbour', // sender is not one of this node's neighbours
  'wrong-run', // a hello for another run
  'wrong-recipient', // a hello addressed to another node
  'duplicate', // a data frame already delivered (resent after a reconnect)
  'overflow', // a bounded buffer (reorder buffer, round inbox) is full, or maxPendingConnections sockets are already in their handshake
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Traffic over one link in one direction, from real frame lengths. */
export interface TrafficCounters {
  /** data frames */
  frames: number;
  /** payload bytes of data frames */
  payloadBytes: number;
  /** header + MAC bytes of data frames (LINK_OVERHEAD_BYTES each) */
  envelopeBytes: number;
  /** hello, ack, ping, pong frames */
  controlFrames: number;
  /** whole-frame bytes of control frames */
  controlBytes: number;
  /** of the control frames: acks */
  ackFrames: number;
  ackBytes: number;
  /** of the control frames: handshake (hello) messages */
  handshakeFrames: number;
  handshakeBytes: number;
}

export interface PeerStats {
  readonly sent: TrafficCounters;
  readonly received: TrafficCounters;
  /** data frames written again after a reconnect (included in sent.frames) */
  resent: number;
  /** whole-frame bytes of those resent frames (included in sent.payloadBytes + sent.envelopeBytes) */
  resentBytes: number;
  /** authenticated connections established (1 + reconnects) */
  connections: number;
}

export interface TransportStats {
  readonly peers: ReadonlyMap<number, PeerStats>;
  readonly rejected: Readonly<Record<RejectReason, number>>;
}

export interface TransportEventMap {
  /** An authenticated connection to `peer` is up (first time or after a reconnect). */
  'peer:connected': { readonly peer: number };
  /** The connection to `peer` closed or stalled; it is being re-established. */
  'peer:lost': { readonly peer: number };
  /** `peer` stayed away past peerTimeoutMs (PROXMESH_ERR_PEER_TIMEOUT); the link is dead. */
  'peer:failed': { readonly peer: number; readonly error: ProxmeshError };
  /** A frame was rejected; `peer` is the authenticated sender, if known. */
  'frame:rejected': { readonly peer: number | null; readonly reason: RejectReason; readonly error: Error | null };
}

export type TransportEvent = keyof TransportEventMap;

export interface PeerTransport extends Startable {
  readonly id: number;
  /** Sets the receiver of data frames (one handler; set it before start()). */
  onFrame(handler: FrameHandler): void;
  /**
   * Queues a data frame for `to` and writes it when a connection is up; resolves when written (and,
   * past the high-water mark, drained). The frame stays queued until acknowledged and is resent
   * after a reconnect. Rejects with the peer's PROXMESH_ERR_PEER_TIMEOUT error once it has failed.
   */
  send(to: number, envelope: OutboundEnvelope, payload: Uint8Array, opts?: AbortOptions): Promise<void>;
  /** The round this node is in (frames older than round − 1 are stale). */
  setRound(round: number): void;
  stats(): TransportStats;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends TransportEvent>(event: E, listener: (detail: TransportEventMap[E]) => void): () => void;
}
