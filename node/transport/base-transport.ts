/**
 * The transport logic shared by memory.ts and ws.ts; subclasses only move bytes. Per link (one per
 * neighbour):
 *  - sender: data frames get seq = 1, 2, …; each stays in `unacked` until the peer acknowledges it
 *    (cumulative ack = highest in-order seq delivered) and is written again, in order, whenever a new
 *    authenticated connection comes up;
 *  - receiver: frames are delivered strictly in seq order (a bounded reorder buffer holds early
 *    ones); seq ≤ last delivered is a duplicate (dropped, re-acked). Duplicates are thus removed by
 *    (round, phase, seq), seq being unique per link. Acks go out when the link comes up and for
 *    every ACK_EVERY-th seq delivered (codec/frame.ts), not per frame: each is a socket write;
 *  - liveness: any frame from the peer refreshes `lastHeard`; pings every heartbeatMs keep it fresh.
 *    Silence past stallMs closes the connection (a `docker network disconnect` gives no close
 *    event) so it is re-dialled; silence past peerTimeoutMs fails the peer (PROXMESH_ERR_PEER_TIMEOUT).
 * The lower id dials the higher one, with exponential backoff (initialMs·2^attempt, capped).
 * Authentication (handshake.ts): a connection is anonymous until the three-message challenge–
 * response completes; before that only hellos are accepted, and a connection that has not finished
 * within helloTimeoutMs is closed. Every later frame carries a MAC under that connection's link
 * key; a frame whose MAC fails is dropped and counted, never acted on. Only an AUTHENTICATED
 * connection replaces the current one of its peer (a reconnect), so a replayed or forged hello can
 * never displace a working link.
 */
import { FrameMac } from '../auth/frame-mac.ts';
import {
  ACK_EVERY,
  FrameDecoder,
  FrameEncoder,
  LINK_OVERHEAD_BYTES,
  PROTOCOL_VERSION,
  SINGLE_BUFFER_PAYLOAD_BYTES,
  type DecodedFrame,
  type HelloMessage,
  type LinkKind,
} from '../codec/frame.ts';
import { ProxmeshError } from '../errors.ts';
import { Emitter } from './emitter.ts';
import { PeerHandshake, type PendingHandshake } from './handshake.ts';
import {
  REJECT_REASONS,
  type AbortOptions,
  type FrameHandler,
  type InboundFrame,
  type OutboundEnvelope,
  type PeerStats,
  type PeerTransport,
  type RejectReason,
  type TrafficCounters,
  type TransportEvent,
  type TransportEventMap,
  type TransportStats,
} from './types.ts';

export interface BaseTransportOptions {
  /** This node's id. */
  readonly id: number;
  /** Run id, bound into every handshake (and so into every link key). */
  readonly run: string;
  /** Cluster token (the handshake's key is derived from it; it is never sent). */
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
  /** A connection that has not completed the handshake this long after opening is closed (ms, default 5000). */
  readonly helloTimeoutMs?: number;
  /**
   * Accepted connections still in their handshake, at most (default 256); one more is closed at once
   * and counted as 'overflow'. Bounds the sockets (file descriptors) an outsider can hold open for
   * up to helloTimeoutMs each; genuine peers are never refused for long (they complete in one round
   * trip and re-dial with backoff).
   */
  readonly maxPendingConnections?: number;
}

/** Default of BaseTransportOptions.helloTimeoutMs: ample for a loaded machine, short enough that idle sockets do not pile up. */
export const DEFAULT_HELLO_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_PENDING_CONNECTIONS = 256;

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
  /** The authenticated peer (after the handshake). */
  peer: number | null;
  closed: boolean;
  /** The handshake in progress (null before step 1 on the accepting side, and after completion). */
  hs: PendingHandshake | null;
  /** This connection's frame key (its HMAC key schedule, auth/frame-mac.ts), once authenticated. */
  key: FrameMac | null;
  /** Closes the connection if it has not authenticated in time. */
  deadline: ReturnType<typeof setTimeout> | null;
}

/** A data frame kept until acknowledged; its header and MAC are built per connection (per link key). */
interface Pending {
  readonly seq: number;
  readonly round: number;
  readonly phase: string;
  readonly payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);

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
  return {
    frames: 0,
    payloadBytes: 0,
    envelopeBytes: 0,
    controlFrames: 0,
    controlBytes: 0,
    ackFrames: 0,
    ackBytes: 0,
    handshakeFrames: 0,
    handshakeBytes: 0,
  };
}

function countControl(c: TrafficCounters, kind: LinkKind | 'hello', bytes: number): void {
  c.controlFrames++;
  c.controlBytes += bytes;
  if (kind === 'ack') {
    c.ackFrames++;
    c.ackBytes += bytes;
  } else if (kind === 'hello') {
    c.handshakeFrames++;
    c.handshakeBytes += bytes;
  }
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
  protected readonly helloTimeoutMs: number;
  private readonly handshake: PeerHandshake;
  private readonly encoder = new FrameEncoder();
  private readonly decoder = new FrameDecoder();
  private readonly emitter = new Emitter<TransportEventMap>();
  private readonly links = new Map<number, Link>();
  private readonly conns = new Set<ConnHandle>();
  /** Accepted connections that have not authenticated yet. */
  private pendingAccepted = 0;
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
    this.helloTimeoutMs = opts.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.handshake = new PeerHandshake({ token: opts.token, run: opts.run, self: opts.id });
    for (const peer of opts.neighbours) {
      if (peer === opts.id) continue;
      this.links.set(peer, {
        peer,
        stats: { sent: counters(), received: counters(), resent: 0, resentBytes: 0, connections: 0 },
        conn: null,
        nextSeq: 1,
        unacked: [],
        lastDelivered: 0,
        reorder: new Map(),
        lastHeard: 0,
        failed: null,
        attempt: 0,
        redialTimer: null,
        dialing: false,
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
    for (const [p, l] of this.links) peers.set(p, { ...l.stats, sent: { ...l.stats.sent }, received: { ...l.stats.received } });
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
    if (link === undefined)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${this.id} cannot send to ${to}: not a neighbour`, {
        node: this.id,
        peer: to,
      });
    if (link.failed !== null) throw link.failed;
    if (!this.running) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${this.id}: transport is not running`);
    const seq = link.nextSeq++;
    const pending: Pending = { seq, round: envelope.round, phase: envelope.phase, payload };
    link.unacked.push(pending);
    if (link.conn === null) return; // written on (re)connect
    const written = this.writeData(link, link.conn, pending);
    if (written !== undefined) await abortable(written, opts.signal);
  }

  private writeData(link: Link, h: ConnHandle, p: Pending): Promise<void> | void {
    const header = { kind: 'data', round: p.round, phase: p.phase, from: this.id, seq: p.seq } as const;
    link.stats.sent.frames++;
    link.stats.sent.envelopeBytes += LINK_OVERHEAD_BYTES;
    link.stats.sent.payloadBytes += p.payload.length;
    // A small payload goes with its header in one buffer (one socket write); a large one is not copied.
    if (p.payload.length <= SINGLE_BUFFER_PAYLOAD_BYTES) return h.conn.write(this.encoder.encodeLink(header, p.payload, h.key), null);
    return h.conn.write(this.encoder.encodeHeader(header, p.payload, h.key), p.payload);
  }

  /** An ack, ping or pong on an authenticated connection. */
  private writeControl(h: ConnHandle, link: Link, kind: 'ack' | 'ping' | 'pong', seq: number): void {
    const frame = this.encoder.encodeLink({ kind, round: this.round, phase: '', from: this.id, seq }, EMPTY, h.key);
    countControl(link.stats.sent, kind, frame.length);
    // Control frames are best effort: a failed write shows up as a closed connection.
    void Promise.resolve(h.conn.write(frame, null)).catch(() => {});
  }

  private writeHello(h: ConnHandle, link: Link, m: HelloMessage): void {
    const frame = this.encoder.encodeHello(m);
    countControl(link.stats.sent, 'hello', frame.length);
    void Promise.resolve(h.conn.write(frame, null)).catch(() => {});
  }

  // ---- connection lifecycle (called by subclasses) ----

  /** A connection is open: its hello deadline starts, and the dialling side sends step 1 at once. */
  protected connectionOpened(conn: Connection, dialed: number | null): ConnHandle {
    const h: ConnHandle = { conn, dialed, peer: null, closed: false, hs: null, key: null, deadline: null };
    if (!this.running) {
      conn.close();
      h.closed = true;
      return h;
    }
    if (dialed === null && this.pendingAccepted >= (this.opts.maxPendingConnections ?? DEFAULT_MAX_PENDING_CONNECTIONS)) {
      this.reject(h, 'overflow', null);
      conn.close();
      h.closed = true;
      return h;
    }
    this.conns.add(h);
    if (dialed === null) this.pendingAccepted++;
    h.deadline = setTimeout(() => {
      if (h.peer !== null || h.closed) return;
      this.reject(h, 'hello-timeout', null);
      this.closeHandle(h);
    }, this.helloTimeoutMs);
    if (dialed !== null) {
      const link = this.links.get(dialed);
      if (link !== undefined) {
        link.dialing = false;
        const { pending, message } = this.handshake.start(dialed);
        h.hs = pending;
        this.writeHello(h, link, message);
      }
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
    this.settle(h);
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
    let frame: DecodedFrame;
    try {
      frame = this.decoder.decode(bytes, { maxBytes: this.opts.maxFrameBytes, expectedDim: this.opts.expectedDim });
    } catch (err) {
      const reason = err instanceof ProxmeshError ? REASON_OF_CODE[err.code] : undefined;
      this.reject(h, reason ?? 'malformed', err as Error);
      return;
    }
    if (frame.kind === 'hello') return this.onHello(h, frame.hello, bytes.length);
    if (h.peer === null || h.key === null) return this.reject(h, 'unauthenticated', null);
    // The MAC first: nothing in a frame is believed before it verifies.
    if (!h.key.verify(frame.mac, frame.headerBytes, frame.payload)) return this.reject(h, 'bad-mac', null);
    const hdr = frame.header;
    if (hdr.from !== h.peer) return this.reject(h, 'unauthenticated', null); // reflected back to its sender
    const link = this.links.get(h.peer)!;
    link.lastHeard = Date.now();
    const rx = link.stats.received;
    switch (hdr.kind) {
      case 'ping':
        countControl(rx, 'ping', bytes.length);
        this.writeControl(h, link, 'pong', 0);
        return;
      case 'pong':
        countControl(rx, 'pong', bytes.length); // liveness only
        return;
      case 'ack':
        countControl(rx, 'ack', bytes.length);
        while (link.unacked.length > 0 && link.unacked[0].seq <= hdr.seq) link.unacked.shift();
        return;
      case 'data':
        rx.frames++;
        rx.payloadBytes += frame.payload.length;
        rx.envelopeBytes += bytes.length - frame.payload.length;
        this.receiveData(h, link, {
          envelope: {
            kind: 'data',
            round: hdr.round,
            phase: hdr.phase,
            from: hdr.from,
            seq: hdr.seq,
            v: PROTOCOL_VERSION,
            run: this.opts.run,
            to: this.id,
          },
          payload: frame.payload,
        });
        return;
    }
  }

  /** One handshake message (see handshake.ts); the order of checks names the most specific reason. */
  private onHello(h: ConnHandle, m: HelloMessage, length: number): void {
    if (!equalBytes(m.run, this.handshake.runTag)) return this.reject(h, 'wrong-run', null);
    if (m.to !== this.id) return this.reject(h, 'wrong-recipient', null);
    const link = this.links.get(m.from);
    if (link === undefined) return this.reject(h, 'not-neighbour', null);
    if (h.peer !== null) return this.reject(h, 'unauthenticated', null); // a hello after the handshake: replayed
    if (h.dialed !== null) {
      // Initiator: only step 2, from the node we dialled, answering our step 1.
      if (m.step !== 2 || m.from !== h.dialed || h.hs === null || h.hs.nonceResp !== null) return this.reject(h, 'unauthenticated', null);
      const done = this.handshake.finish(h.hs, m);
      if (done === null) return this.failHandshake(h);
      countControl(link.stats.received, 'hello', length);
      this.writeHello(h, link, done.message);
      return this.adopt(h, link, done.linkKey);
    }
    if (m.step === 1) {
      // Responder: one step 1 per connection, and only from a lower id (the lower id dials).
      if (h.hs !== null || m.from >= this.id) return this.reject(h, 'unauthenticated', null);
      countControl(link.stats.received, 'hello', length);
      const { pending, message } = this.handshake.respond(m);
      h.hs = pending;
      this.writeHello(h, link, message);
      return;
    }
    if (m.step !== 3 || h.hs === null || m.from !== h.hs.initiator) return this.reject(h, 'unauthenticated', null);
    const key = this.handshake.accept(h.hs, m);
    if (key === null) return this.failHandshake(h);
    countControl(link.stats.received, 'hello', length);
    this.adopt(h, link, key);
  }

  /** The connection's handshake is over (authenticated or closed): stop its deadline, free its pending slot. */
  private settle(h: ConnHandle): void {
    if (h.deadline === null) return;
    clearTimeout(h.deadline);
    h.deadline = null;
    if (h.dialed === null) this.pendingAccepted--;
  }

  /** A wrong proof: the nonces of this connection are spent, so it cannot authenticate any more. */
  private failHandshake(h: ConnHandle): void {
    this.reject(h, 'unauthenticated', null);
    this.closeHandle(h);
  }

  /** The connection is authenticated: it becomes the link's connection (replacing an older one). */
  private adopt(h: ConnHandle, link: Link, key: Buffer): void {
    h.hs = null;
    h.key = new FrameMac(key);
    this.settle(h);
    if (link.failed !== null) {
      this.closeHandle(h);
      return;
    }
    h.peer = link.peer;
    const old = link.conn;
    link.conn = h;
    if (old !== null) this.closeHandle(old); // a reconnect: the newest AUTHENTICATED connection wins
    link.attempt = 0;
    link.lastHeard = Date.now();
    link.stats.connections++;
    // Resend what the peer has not acknowledged, in order; it drops what it already has.
    const resend = link.stats.connections > 1;
    for (const p of link.unacked) {
      if (resend) {
        link.stats.resent++;
        link.stats.resentBytes += LINK_OVERHEAD_BYTES + p.payload.length;
      }
      void Promise.resolve(this.writeData(link, h, p)).catch(() => {});
    }
    this.writeControl(h, link, 'ack', link.lastDelivered);
    this.emitter.emit('peer:connected', { peer: link.peer });
  }

  private receiveData(h: ConnHandle, link: Link, frame: InboundFrame): void {
    const seq = frame.envelope.seq;
    if (seq <= link.lastDelivered || link.reorder.has(seq)) {
      this.reject(h, 'duplicate', null);
      // A resend after a reconnect: tell the sender at once how far we are, so it stops resending.
      if (seq <= link.lastDelivered) this.writeControl(h, link, 'ack', link.lastDelivered);
    } else if (seq === link.lastDelivered + 1) {
      this.deliver(h, link, frame);
      for (let next = link.reorder.get(link.lastDelivered + 1); next !== undefined; next = link.reorder.get(link.lastDelivered + 1)) {
        link.reorder.delete(link.lastDelivered + 1);
        this.deliver(h, link, next);
      }
    } else if (link.reorder.size >= (this.opts.maxReorder ?? 1024)) {
      this.reject(h, 'overflow', null);
    } else {
      link.reorder.set(seq, frame);
    }
  }

  /**
   * In-order delivery of the next seq; a stale round is consumed (seq advances) but not handed on.
   * Every ACK_EVERY-th seq is acknowledged (cumulatively) before the frame is handed on.
   */
  private deliver(h: ConnHandle, link: Link, frame: InboundFrame): void {
    const seq = frame.envelope.seq;
    link.lastDelivered = seq;
    if (seq % ACK_EVERY === 0) this.writeControl(h, link, 'ack', seq);
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
        this.writeControl(link.conn, link, 'ping', 0);
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

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Awaits p, or rejects with the signal's reason when it aborts first. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
