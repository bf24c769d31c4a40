/** Shared helpers for transport tests: bounded waits, frame collection, forged frames. */
import { FrameEncoder, PROTOCOL_VERSION, type FrameEnvelope } from '../../node/codec/frame.ts';
import type { BaseTransport } from '../../node/transport/base-transport.ts';
import { helloProof } from '../../node/transport/hello.ts';
import type { InboundFrame, PeerTransport, TransportEvent, TransportEventMap } from '../../node/transport/types.ts';

export const RUN = 'run-1';
export const TOKEN = 'cluster-secret';

export interface RawConn {
  send(bytes: Uint8Array): void;
  /** Frames received from the node. */
  readonly received: Uint8Array[];
  close(): Promise<void>;
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
  t: PeerTransport, event: E, pred: (d: TransportEventMap[E]) => boolean = () => true, ms = 4000,
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

/** Forges frames as if sent by `from` to `to`. */
export class Forger {
  private readonly enc = new FrameEncoder();
  constructor(
    readonly from: number,
    readonly to: number,
  ) {}

  env(o: Partial<FrameEnvelope> = {}): FrameEnvelope {
    return { v: PROTOCOL_VERSION, run: RUN, kind: 'data', round: 0, phase: 'x', from: this.from, to: this.to, seq: 1, ...o };
  }

  frame(o: Partial<FrameEnvelope>, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    return this.enc.encodeFrame(this.env(o), payload);
  }

  hello(token = TOKEN): Uint8Array {
    return this.frame({ kind: 'hello', seq: 0 }, helloProof(token, RUN, this.from, this.to));
  }
}
