/**
 * In-memory transport (tests, compliance suite, single-process clusters). Bytes really go through
 * the frame codec and the shared transport logic; only the socket is simulated. A MemoryTransportNetwork is
 * the "wire": it connects transports by id and can inject faults, all driven by a seeded Rng:
 *  - drop: a frame is lost AND its connection closes (a TCP stream never loses a frame silently);
 *    the sender re-dials and resends what was not acknowledged;
 *  - delay: delivery is postponed by 0..maxDelayTicks ticks of tickMs, FIFO per connection;
 *  - disconnect(a, b): both ends see a close; stall(a, b): frames vanish with no close event
 *    (what `docker network disconnect` does), until heal(a, b).
 */
import type { Rng } from '../linalg/rng.ts';
import { BaseTransport, type BaseTransportOptions, type ConnHandle, type Connection } from './base-transport.ts';

export interface MemoryFaults {
  /** Seeded generator driving every fault draw. */
  readonly rng: Rng;
  /** Probability that a frame is dropped (and its connection closed). */
  readonly dropProbability?: number;
  /** Probability that a frame closes its connection after delivery. */
  readonly disconnectProbability?: number;
  /** Each frame is delayed by a uniform 0..maxDelayTicks ticks (order per connection is kept). */
  readonly maxDelayTicks?: number;
  /** Length of one tick in ms (default 1). */
  readonly tickMs?: number;
}

export interface MemoryTransportNetworkOptions {
  readonly faults?: MemoryFaults;
}

/** One direction of a connection: a FIFO of byte messages delivered to `deliver`. */
class Pipe {
  private readonly queue: Array<{ at: number; bytes: Uint8Array }> = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastAt = 0;
  closed = false;

  constructor(private readonly deliver: (bytes: Uint8Array) => void) {}

  push(bytes: Uint8Array, delayMs: number): void {
    if (this.closed) return;
    // Keep FIFO order: a frame is never delivered before an earlier one on this pipe.
    const at = Math.max(this.lastAt, Date.now() + delayMs);
    this.lastAt = at;
    this.queue.push({ at, bytes });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.queue.length === 0 || this.closed) return;
    const wait = Math.max(0, this.queue[0].at - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = Date.now();
      while (!this.closed && this.queue.length > 0 && this.queue[0].at <= now) this.deliver(this.queue.shift()!.bytes);
      this.schedule();
    }, wait);
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Both ends of one simulated connection. */
class MemoryLink {
  readonly ends: [MemoryEnd, MemoryEnd];
  stalled = false;

  constructor(
    readonly network: MemoryTransportNetwork,
    readonly a: number,
    readonly b: number,
  ) {
    this.ends = [new MemoryEnd(this, 0), new MemoryEnd(this, 1)];
  }

  close(): void {
    this.network.forget(this);
    for (const e of this.ends) e.shutdown();
  }
}

/** One end of a MemoryLink: the Connection its transport writes to. */
export class MemoryEnd implements Connection {
  onBytes: (bytes: Uint8Array) => void = () => {};
  onClose: () => void = () => {};
  /** Incoming pipe (frames for this end). */
  readonly inbox: Pipe;
  private ended = false;

  constructor(
    private readonly link: MemoryLink,
    private readonly side: 0 | 1,
  ) {
    this.inbox = new Pipe((bytes) => this.onBytes(bytes));
  }

  private get other(): MemoryEnd {
    return this.link.ends[1 - this.side];
  }

  write(header: Uint8Array, payload: Uint8Array | null): void {
    if (this.ended) return;
    const bytes = new Uint8Array(header.length + (payload?.length ?? 0));
    bytes.set(header);
    if (payload !== null) bytes.set(payload, header.length);
    this.link.network.transmit(this.link, this.other, bytes);
  }

  close(): void {
    this.link.close();
  }

  /** Closes this end (once) and tells its owner asynchronously, like a socket's close event. */
  shutdown(): void {
    if (this.ended) return;
    this.ended = true;
    this.inbox.close();
    setImmediate(() => this.onClose());
  }
}

export type MemoryTransportOptions = BaseTransportOptions;

export class MemoryTransportNetwork {
  private readonly transports = new Map<number, MemoryTransport>();
  private readonly links = new Set<MemoryLink>();
  private readonly stalls = new Set<string>();

  constructor(private readonly opts: MemoryTransportNetworkOptions = {}) {}

  createTransport(opts: MemoryTransportOptions): MemoryTransport {
    return new MemoryTransport(this, opts);
  }

  /** @internal */
  register(t: MemoryTransport): void {
    this.transports.set(t.id, t);
  }

  /** @internal */
  unregister(t: MemoryTransport): void {
    if (this.transports.get(t.id) === t) this.transports.delete(t.id);
  }

  /** @internal Opens a connection from `from` to `to`; null when nobody listens there. */
  connect(from: number, to: number): [MemoryEnd, MemoryEnd] | null {
    const target = this.transports.get(to);
    if (target === undefined) return null;
    const link = new MemoryLink(this, from, to);
    this.links.add(link);
    target.accept(link.ends[1]);
    return link.ends;
  }

  /** A raw connection to node `to` that sends arbitrary bytes (tests: forged frames). */
  rawConnect(to: number): { send(bytes: Uint8Array): void; received: Uint8Array[]; close(): void } | null {
    const ends = this.connect(-1, to);
    if (ends === null) return null;
    const received: Uint8Array[] = [];
    ends[0].onBytes = (b) => received.push(b);
    return { send: (b) => this.transmit(null, ends[1], b), received, close: () => ends[0].close() };
  }

  /** @internal Carries bytes to `to`, applying faults. */
  transmit(link: MemoryLink | null, to: MemoryEnd, bytes: Uint8Array): void {
    if (link !== null && this.stalls.has(key(link.a, link.b))) return; // silently lost
    const f = this.opts.faults;
    let delayMs = 0;
    if (f !== undefined) {
      if (link !== null && f.dropProbability && f.rng.next() < f.dropProbability) {
        link.close();
        return;
      }
      if (f.maxDelayTicks) delayMs = f.rng.int(f.maxDelayTicks + 1) * (f.tickMs ?? 1);
    }
    to.inbox.push(bytes, delayMs);
    if (link !== null && f?.disconnectProbability && f.rng.next() < f.disconnectProbability) setTimeout(() => link.close(), delayMs + 1);
  }

  /** Closes every connection between a and b (both sides see a close and re-dial). */
  disconnect(a: number, b: number): void {
    for (const l of this.links) if (key(l.a, l.b) === key(a, b)) l.close();
  }

  /** Frames between a and b vanish silently (no close event) until heal(a, b). */
  stall(a: number, b: number): void {
    this.stalls.add(key(a, b));
  }

  heal(a: number, b: number): void {
    this.stalls.delete(key(a, b));
  }

  /** @internal */
  forget(link: MemoryLink): void {
    this.links.delete(link);
  }
}

function key(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

export class MemoryTransport extends BaseTransport {
  constructor(
    private readonly network: MemoryTransportNetwork,
    opts: MemoryTransportOptions,
  ) {
    super(opts);
  }

  protected async listen(): Promise<void> {
    this.network.register(this);
  }

  protected async unlisten(): Promise<void> {
    this.network.unregister(this);
  }

  protected dial(peer: number): void {
    // Asynchronous like a socket connect.
    setImmediate(() => {
      if (!this.running) return this.dialFailed(peer);
      const ends = this.network.connect(this.id, peer);
      if (ends === null) return this.dialFailed(peer);
      this.wire(ends[0], peer);
    });
  }

  /** @internal The accepting end of a new connection. */
  accept(end: MemoryEnd): void {
    this.wire(end, null);
  }

  private wire(end: MemoryEnd, dialed: number | null): void {
    let h: ConnHandle | null = null;
    end.onBytes = (bytes) => {
      if (h !== null) this.receive(h, bytes);
    };
    end.onClose = () => {
      if (h !== null) this.connectionClosed(h);
    };
    h = this.connectionOpened(end, dialed);
  }
}
