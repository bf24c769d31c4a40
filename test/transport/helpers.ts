/** Shared helpers for transport tests: bounded waits, frame collection, forged frames. */
import { FrameDecoder, FrameEncoder, runTag, type DecodedFrame, type FrameHeader, type HelloMessage } from '../../node/codec/frame.ts';
import type { BaseTransport } from '../../node/transport/base-transport.ts';
import { PeerHandshake } from '../../node/transport/handshake.ts';
import type { InboundFrame, PeerTransport, TransportEvent, TransportEventMap } from '../../node/transport/types.ts';
import { WebSocket, type ClientOptions } from 'ws';

export const RUN = 'run-1';
export const TOKEN = 'cluster-secret';

export interface RawConn {
  send(bytes: Uint8Array): void;
  /** Frames received from the node. */
  readonly received: Uint8Array[];
  close(): Promise<void>;
}

/**
 * A raw WebSocket to a node's peer port (an outsider: no handshake unless the test performs one).
 * `options` adds TLS material for wss:// (ca, cert, key). Rejects when the node refuses the socket.
 */
export async function openRawSocket(
  url: string,
  options: ClientOptions = {},
): Promise<RawConn & { readonly closed: Promise<void>; terminate(): void }> {
  const socket = new WebSocket(url, { perMessageDeflate: false, ...options });
  const received: Uint8Array[] = [];
  socket.on('message', (data) => received.push(new Uint8Array(data as Buffer)));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', () => reject(new Error('raw connection refused')));
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    send: (b) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(b, { binary: true });
    },
    received,
    closed,
    terminate: () => socket.terminate(),
    async close() {
      socket.terminate();
      await closed;
    },
  };
}

export interface ClusterOptions {
  readonly n: number;
  readonly edges: ReadonlyArray<readonly [number, number]>;
  /** Nodes to create (default all). */
  readonly only?: readonly number[];
  readonly dim?: number;
  readonly heartbeatMs?: number;
  readonly stallMs?: number;
  readonly peerTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  readonly helloTimeoutMs?: number;
}

export interface TestCluster {
  readonly transports: ReadonlyMap<number, BaseTransport>;
  /** A raw connection to node `to`. */
  raw(to: number): Promise<RawConn>;
  /** Frames between a and b vanish with no close event (optional: only where it can be simulated). */
  stall?(a: number, b: number): void;
  heal?(a: number, b: number): void;
  close(): Promise<void>;
}

export interface TransportHarness {
  readonly name: string;
  create(o: ClusterOptions): Promise<TestCluster>;
}

export function neighboursOf(o: ClusterOptions, i: number): number[] {
  const out: number[] = [];
  for (const [a, b] of o.edges) {
    if (a === i) out.push(b);
    if (b === i) out.push(a);
  }
  return out.sort((x, y) => x - y);
}

/** Polls `cond` until true; rejects after `ms`. */
export async function waitUntil(cond: () => boolean, what: string, ms = 4000): Promise<void> {
  const signal = AbortSignal.timeout(ms);
  while (!cond()) {
    if (signal.aborted) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The next event of a kind matching `pred`, bounded by `ms`. */
export function nextEvent<E extends TransportEvent>(
  t: PeerTransport,
  event: E,
  pred: (d: TransportEventMap[E]) => boolean = () => true,
  ms = 4000,
): Promise<TransportEventMap[E]> {
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.timeout(ms);
    const off = t.on(event, (d) => {
      if (!pred(d)) return;
      off();
      signal.removeEventListener('abort', onAbort);
      resolve(d);
    });
    const onAbort = () => {
      off();
      reject(new Error(`timed out waiting for ${String(event)}`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Collects every data frame a transport delivers. */
export function collect(t: PeerTransport): InboundFrame[] {
  const frames: InboundFrame[] = [];
  t.onFrame((f) => frames.push(f));
  return frames;
}

export function connectedAll(c: TestCluster): Promise<void> {
  return waitUntil(() => {
    for (const t of c.transports.values()) {
      for (const [peer, s] of t.stats().peers) if (c.transports.has(peer) && s.connections === 0) return false;
    }
    return true;
  }, 'all links up');
}

/** Decodes what a node sent on a raw connection (frame limits generous: only tests read these). */
export function decodeAll(frames: readonly Uint8Array[]): DecodedFrame[] {
  const dec = new FrameDecoder();
  return frames.map((b) => dec.decode(b, { maxBytes: 1 << 20 }));
}

/**
 * Plays node `from` towards node `to` over a raw connection: runs the real handshake (with the
 * token it is given) and then MACs frames with the link key it derived, or forges frames without it.
 */
export class Forger {
  private readonly enc = new FrameEncoder();
  private readonly hs: PeerHandshake;
  /** The link key after a successful handshake. */
  key: Buffer | null = null;

  constructor(
    readonly from: number,
    readonly to: number,
    readonly token = TOKEN,
    readonly run = RUN,
  ) {
    this.hs = new PeerHandshake({ token, run, self: from });
  }

  header(o: Partial<FrameHeader> = {}): FrameHeader {
    return { kind: 'data', round: 0, phase: 'x', from: this.from, seq: 1, ...o };
  }

  /** A link frame, MAC'd with `key` (default: this forger's link key; null: a zero MAC). */
  frame(o: Partial<FrameHeader>, payload: Uint8Array = new Uint8Array(0), key: Buffer | null = this.key): Uint8Array {
    return this.enc.encodeFrame(this.header(o), payload, key);
  }

  hello(m: Partial<HelloMessage> & Pick<HelloMessage, 'step'>): Uint8Array {
    const z = (n: number) => new Uint8Array(n);
    return this.enc.encodeHello({
      run: runTag(this.run),
      from: this.from,
      to: this.to,
      ...(m.step !== 3 ? { nonce: z(16) } : {}),
      ...(m.step !== 1 ? { proof: z(32) } : {}),
      ...m,
    });
  }

  /**
   * The initiator's side of the handshake over `r`. Resolves with the frames sent (step 1 and 3) so
   * a test can replay them; `this.key` is set when the responder's proof verified.
   */
  async handshake(r: RawConn): Promise<{ step1: Uint8Array; step3: Uint8Array | null }> {
    const { pending, message } = this.hs.start(this.to);
    const step1 = this.enc.encodeHello(message);
    const seen = r.received.length;
    r.send(step1);
    await waitUntil(() => r.received.length > seen, 'hello step 2');
    const reply = decodeAll([r.received[seen]])[0];
    if (reply.kind !== 'hello' || reply.hello.step !== 2) throw new Error('expected hello step 2');
    const done = this.hs.finish(pending, reply.hello);
    if (done === null) return { step1, step3: null };
    const step3 = this.enc.encodeHello(done.message);
    r.send(step3);
    this.key = done.linkKey;
    return { step1, step3 };
  }
}
