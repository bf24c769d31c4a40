/**
 * The transport logic shared by memory.ts and ws.ts; subclasses only move bytes. Per link (one per
 * neighbour):
 *  - sender: data frames get seq = 1, 2, …; each stays in `unacked` until the peer acknowledges it
 *    (cumulative ack = highest in-order seq delivered) and is written again, in order, whenever a new
 *    authenticated connection comes up;
 *  - receiver: frames are delivered strictly in seq order (a bounded reorder buffer holds early
 *    ones); seq ≤ last delivered is a duplicate (dropped, re-acked). Duplicates are thus removed by
 *    (round, phase, seq), seq being unique per link;
 *  - liveness: any frame from the peer refreshes `lastHeard`; pings every heartbeatMs keep it fresh.
 *    Silence past stallMs closes the connection (a `docker network disconnect` gives no close
 *    event) so it is re-dialled; silence past peerTimeoutMs fails the peer (PROXMESH_ERR_PEER_TIMEOUT).
 * The lower id dials the higher one, with exponential backoff (initialMs·2^attempt, capped).
 * A connection is anonymous until a valid hello; only hellos are accepted before that.
 */
import { FrameDecoder, FrameEncoder, PROTOCOL_VERSION, type FrameEnvelope, type FrameKind } from '../codec/frame.ts';
import { ProxmeshError } from '../errors.ts';
import { Emitter } from './emitter.ts';
import { helloProof, verifyHello } from './hello.ts';
import {
  REJECT_REASONS, type AbortOptions, type FrameHandler, type InboundFrame, type OutboundEnvelope, type PeerStats, type PeerTransport,
  type RejectReason, type TrafficCounters, type TransportEvent, type TransportEventMap, type TransportStats,
} from './types.ts';

export interface BaseTransportOptions {
  /** This node's id. */
  readonly id: number;
  /** Run id, carried in every envelope; frames of another run are rejected. */
  readonly run: string;
  /** Cluster token (the HMAC key of hello proofs). */
  readonly token: string;
  /** Neighbour ids (self excluded). */
  readonly neighbours: readonly number[];
  /** Largest accepted frame in bytes (size it with maxFrameBytes(dim) from codec/frame.ts). */
  readonly maxFrameBytes: number;
  /** Dimension of data payloads, checked on receipt when given. */
  readonly expectedDim?: number;
  /** Ping interval in ms (default 1000). */
  readonly heartbeatMs?: number;
  /** Silence in ms after which a connection is closed and re-dialled (default 3 × heartbeatMs). */
  readonly stallMs?: number;
  /** Silence in ms after which the peer fails the run (default 30000). */
  readonly peerTimeoutMs?: number;
  /** Re-dial backoff in ms: initialMs · 2^attempt, at most maxMs (defaults 50, 2000). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Most early frames held per link while waiting for a missing seq (default 1024). */
  readonly maxReorder?: number;
}

/** A byte pipe to one remote endpoint, provided by a subclass. */
export interface Connection {
  /** Writes one frame (header then payload as one message). Resolves when drained past the high-water mark. */
  write(header: Uint8Array, payload: Uint8Array | null): Promise<void> | void;
  /** Closes at once; the subclass then reports connectionClosed. */
  close(): void;
}

/** A connection as the base tracks it. */
export interface ConnHandle {
  readonly conn: Connection;
  /** The peer this connection was dialled to (null on the accepting side). */
  readonly dialed: number | null;
  /** The authenticated peer (after a valid hello). */
  peer: number | null;
  closed: boolean;
}

interface Pending {
  readonly seq: number;
  readonly header: Uint8Array;
  readonly payload: Uint8Array;
}

interface Link {
  readonly peer: number;
  readonly stats: PeerStats;
  conn: ConnHandle | null;
  nextSeq: number;
  readonly unacked: Pending[];
  lastDelivered: number;
  readonly reorder: Map<number, InboundFrame>;
  lastHeard: number;
  failed: ProxmeshError | null;
  attempt: number;
  redialTimer: ReturnType<typeof setTimeout> | null;
  dialing: boolean;
}

function counters(): TrafficCounters {
  return { frames: 0, payloadBytes: 0, envelopeBytes: 0, controlFrames: 0, controlBytes: 0 };
}

const REASON_OF_CODE: Record<string, RejectReason> = {
  PROXMESH_ERR_FRAME_TRUNCATED: 'truncated',
  PROXMESH_ERR_FRAME_MALFORMED: 'malformed',
  PROXMESH_ERR_FRAME_OVERSIZED: 'oversized',
  PROXMESH_ERR_FRAME_VERSION: 'version',
};

export abstract class BaseTransport implements PeerTransport {
  readonly id: number;
  protected readonly opts: BaseTransportOptions;
  protected readonly heartbeatMs: number;
  protected readonly stallMs: number;
  protected readonly peerTimeoutMs: number;
  private readonly encoder = new FrameEncoder();
  private readonly decoder = new FrameDecoder();
  private readonly emitter = new Emitter<TransportEventMap>();
  private readonly links = new Map<number, Link>();
  private readonly conns = new Set<ConnHandle>();
  private readonly rejected = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  private handler: FrameHandler | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private round = 0;
  protected running = false;

  constructor(opts: BaseTransportOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
    this.stallMs = opts.stallMs ?? 3 * this.heartbeatMs;
    this.peerTimeoutMs = opts.peerTimeoutMs ?? 30_000;
    for (const peer of opts.neighbours) {
      if (peer === opts.id) continue;
      this.links.set(peer, {
        peer, stats: { sent: counters(), received: counters(), resent: 0, connections: 0 }, conn: null, nextSeq: 1, unacked: [],
        lastDelivered: 0, reorder: new Map(), lastHeard: 0, failed: null, attempt: 0, redialTimer: null, dialing: false,
      });
    }
  }

  /** Starts listening (subclass), then dials the higher-id neighbours. */
  protected abstract listen(): Promise<void>;
  /** Stops listening; connections are already closed. */
  protected abstract unlisten(): Promise<void>;
  /** Opens a connection to `peer`; must end in connectionOpened(conn, peer) or dialFailed(peer). */
  protected abstract dial(peer: number): void;

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  on<E extends TransportEvent>(event: E, listener: (detail: TransportEventMap[E]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  setRound(round: number): void {
    this.round = round;
  }

  stats(): TransportStats {
    const peers = new Map<number, PeerStats>();
    for (const [p, l] of this.links) peers.set(p, { sent: { ...l.stats.sent }, received: { ...l.stats.received }, resent: l.stats.resent, connections: l.stats.connections });
    return { peers, rejected: { ...this.rejected } };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    const now = Date.now();
    for (const link of this.links.values()) {
      link.lastHeard = now;
      if (this.id < link.peer) this.startDial(link);
    }
    this.heartbeat = setInterval(() => this.tick(), this.heartbeatMs);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const link of this.links.values()) {
      if (link.redialTimer !== null) clearTimeout(link.redialTimer);
      link.redialTimer = null;
    }
    for (const h of [...this.conns]) this.closeHandle(h);
    await this.unlisten();
  }

  /** Closes the current connection to `peer` (it is re-dialled, and unacknowledged frames resent). */
  hangUp(peer: number): void {
    const link = this.links.get(peer);
    if (link?.conn) this.closeHandle(link.conn);
  }

  async send(to: number, envelope: OutboundEnvelope, payload: Uint8Array, opts: AbortOptions = {}): Promise<void> {
    opts.signal?.throwIfAborted();
    const link = this.links.get(to);
    if (link === undefined) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${this.id} cannot send to ${to}: not a neighbour`, { node: this.id, peer: to });
    if (link.failed !== null) throw link.failed;
    if (!this.running) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${this.id}: transport is not running`);
    const seq = link.nextSeq++;
    const header = this.encoder.encodeHeader(this.envelope('data', to, envelope.round, envelope.phase, seq));
    link.unacked.push({ seq, header, payload });
    if (link.conn === null) return; // written on (re)connect
    const written = this.writeData(link, link.conn, header, payload);
    if (written !== undefined) await abortable(written, opts.signal);
  }

  private envelope(kind: FrameKind, to: number, round: number, phase: string, seq: number): FrameEnvelope {
    return { v: PROTOCOL_VERSION, run: this.opts.run, kind, round, phase, from: this.id, to, seq };
  }

  private writeData(link: Link, h: ConnHandle, header: Uint8Array, payload: Uint8Array): Promise<void> | void {
    link.stats.sent.frames++;
    link.stats.sent.envelopeBytes += header.length;
    link.stats.sent.payloadBytes += payload.length;
    return h.conn.write(header, payload);
  }

  private writeControl(h: ConnHandle, kind: FrameKind, to: number, seq: number, payload: Uint8Array | null): void {
    const header = this.encoder.encodeHeader(this.envelope(kind, to, this.round, '', seq));
    const link = this.links.get(to);
    if (link !== undefined) {
      link.stats.sent.controlFrames++;
      link.stats.sent.controlBytes += header.length + (payload?.length ?? 0);
    }
    // Control frames are best effort: a failed write shows up as a closed connection.
    void Promise.resolve(h.conn.write(header, payload)).catch(() => {});
  }

  // ---- connection lifecycle (called by subclasses) ----

  /** A connection is open; the dialling side sends its hello at once. */
  protected connectionOpened(conn: Connection, dialed: number | null): ConnHandle {
    const h: ConnHandle = { conn, dialed, peer: null, closed: false };
    if (!this.running) {
      conn.close();
      h.closed = true;
      return h;
    }
    this.conns.add(h);
    if (dialed !== null) {
      const link = this.links.get(dialed);
      if (link !== undefined) link.dialing = false;
      this.writeControl(h, 'hello', dialed, 0, helloProof(this.opts.token, this.opts.run, this.id, dialed));
    }
    return h;
  }

  /** A dial attempt failed before the connection opened. */
  protected dialFailed(peer: number): void {
    const link = this.links.get(peer);
    if (link === undefined) return;
    link.dialing = false;
    this.scheduleRedial(link);
  }

  /** The connection closed (by either side, or by an error). */
  protected connectionClosed(h: ConnHandle): void {
    if (h.closed && !this.conns.has(h)) return;
    h.closed = true;
    this.conns.delete(h);
    if (h.peer === null) {
      if (h.dialed !== null) this.dialFailed(h.dialed); // closed before the hello exchange completed
      return;
    }
    const link = this.links.get(h.peer);
    if (link === undefined || link.conn !== h) return;
    link.conn = null;
    if (!this.running || link.failed !== null) return;
    this.emitter.emit('peer:lost', { peer: link.peer });
    if (this.id < link.peer) this.scheduleRedial(link);
  }

  private closeHandle(h: ConnHandle): void {
    if (h.closed) return;
    h.conn.close();
    this.connectionClosed(h);
  }

  private startDial(link: Link): void {
    if (!this.running || link.failed !== null || link.conn !== null || link.dialing) return;
    link.dialing = true;
    this.dial(link.peer);
  }

  private scheduleRedial(link: Link): void {
    if (!this.running || link.failed !== null || link.redialTimer !== null || this.id > link.peer) return;
    const b = this.opts.backoff ?? {};
    const delay = Math.min((b.initialMs ?? 50) * 2 ** link.attempt, b.maxMs ?? 2000);
    link.attempt = Math.min(link.attempt + 1, 30);
    link.redialTimer = setTimeout(() => {
      link.redialTimer = null;
      this.startDial(link);
    }, delay);
  }

  // ---- receiving ----

  protected reject(h: ConnHandle | null, reason: RejectReason, error: Error | null): void {
    this.rejected[reason]++;
    this.emitter.emit('frame:rejected', { peer: h?.peer ?? null, reason, error });
  }

  /** One received message (binary). Never throws: bad frames are counted and dropped. */
  protected receive(h: ConnHandle, bytes: Uint8Array): void {
    if (h.closed || !this.running) return;
    let frame: InboundFrame;
    try {
      frame = this.decoder.decode(bytes, { maxBytes: this.opts.maxFrameBytes, expectedDim: this.opts.expectedDim });
    } catch (err) {
      const reason = err instanceof ProxmeshError ? REASON_OF_CODE[err.code] : undefined;
      this.reject(h, reason ?? 'malformed', err as Error);
      return;
    }
    const env = frame.envelope;
    if (env.run !== this.opts.run) return this.reject(h, 'wrong-run', null);
    if (env.to !== this.id) return this.reject(h, 'wrong-recipient', null);
    const link = this.links.get(env.from);
    if (link === undefined) return this.reject(h, 'not-neighbour', null);
    if (h.peer === null) return this.authenticate(h, link, frame, bytes.length);
    if (env.from !== h.peer) return this.reject(h, 'unauthenticated', null);
    link.lastHeard = Date.now();
    const rx = link.stats.received;
    if (env.kind !== 'data') {
      rx.controlFrames++;
      rx.controlBytes += bytes.length;
    }
    switch (env.kind) {
      case 'ping':
        this.writeControl(h, 'pong', link.peer, 0, null);
        return;
      case 'ack':
        while (link.unacked.length > 0 && link.unacked[0].seq <= env.seq) link.unacked.shift();
        return;
      case 'data':
        rx.frames++;
        rx.payloadBytes += frame.payload.length;
        rx.envelopeBytes += bytes.length - frame.payload.length;
        this.receiveData(h, link, frame);
        return;
      default:
        return; // pong (liveness only), a repeated hello
    }
  }

  private authenticate(h: ConnHandle, link: Link, frame: InboundFrame, length: number): void {
    const env = frame.envelope;
    if (env.kind !== 'hello' || (h.dialed !== null && env.from !== h.dialed)) return this.reject(h, 'unauthenticated', null);
    if (!verifyHello(this.opts.token, this.opts.run, env.from, this.id, frame.payload)) return this.reject(h, 'unauthenticated', null);
    if (link.failed !== null) {
      this.closeHandle(h);
      return;
    }
    h.peer = link.peer;
    link.stats.received.controlFrames++;
    link.stats.received.controlBytes += length;
    if (h.dialed === null) this.writeControl(h, 'hello', link.peer, 0, helloProof(this.opts.token, this.opts.run, this.id, link.peer));
    const old = link.conn;
    link.conn = h;
    if (old !== null) this.closeHandle(old); // newest connection wins
    link.attempt = 0;
    link.lastHeard = Date.now();
    link.stats.connections++;
    // Resend what the peer has not acknowledged, in order; it drops what it already has.
    if (link.stats.connections > 1) link.stats.resent += link.unacked.length;
    for (const p of link.unacked) void Promise.resolve(this.writeData(link, h, p.header, p.payload)).catch(() => {});
    this.writeControl(h, 'ack', link.peer, link.lastDelivered, null);
    this.emitter.emit('peer:connected', { peer: link.peer });
  }

  private receiveData(h: ConnHandle, link: Link, frame: InboundFrame): void {
    const seq = frame.envelope.seq;
    if (seq <= link.lastDelivered || link.reorder.has(seq)) {
      this.reject(h, 'duplicate', null);
    } else if (seq === link.lastDelivered + 1) {
      this.deliver(h, link, frame);
      for (let next = link.reorder.get(link.lastDelivered + 1); next !== undefined; next = link.reorder.get(link.lastDelivered + 1)) {
        link.reorder.delete(link.lastDelivered + 1);
        this.deliver(h, link, next);
      }
    } else if (link.reorder.size >= (this.opts.maxReorder ?? 1024)) {
      this.reject(h, 'overflow', null);
      return;
    } else {
      link.reorder.set(seq, frame);
      return;
    }
    this.writeControl(h, 'ack', link.peer, link.lastDelivered, null);
  }

  /** In-order delivery of the next seq; a stale round is consumed (seq advances) but not handed on. */
  private deliver(h: ConnHandle, link: Link, frame: InboundFrame): void {
    link.lastDelivered = frame.envelope.seq;
    if (frame.envelope.round < this.round - 1) return this.reject(h, 'stale', null);
    this.handler?.(frame);
  }

  // ---- liveness ----

  private tick(): void {
    const now = Date.now();
    for (const link of this.links.values()) {
      if (link.failed !== null) continue;
      const silence = now - link.lastHeard;
      if (silence > this.peerTimeoutMs) {
        this.fail(link, silence);
      } else if (link.conn !== null && silence > this.stallMs) {
        this.closeHandle(link.conn); // silent stall: force a reconnect
      } else if (link.conn !== null) {
        this.writeControl(link.conn, 'ping', link.peer, 0, null);
      }
    }
  }

  private fail(link: Link, silence: number): void {
    const error = new ProxmeshError(
      'PROXMESH_ERR_PEER_TIMEOUT',
      `node ${this.id} lost peer ${link.peer} at round ${this.round} (no frame for ${this.peerTimeoutMs} ms)`,
      { node: this.id, peer: link.peer, round: this.round, silenceMs: silence, peerTimeoutMs: this.peerTimeoutMs },
    );
    link.failed = error;
    if (link.redialTimer !== null) clearTimeout(link.redialTimer);
    link.redialTimer = null;
    if (link.conn !== null) this.closeHandle(link.conn);
    link.unacked.length = 0;
    this.emitter.emit('peer:failed', { peer: link.peer, error });
  }
}

/** Awaits p, or rejects with the signal's reason when it aborts first. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
