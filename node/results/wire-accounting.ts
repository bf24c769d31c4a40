/**
 * Wire-true accounting (DESIGN.md §4): the bytes the protocol puts on the wire beside the payloads,
 * counted from the codec's exact frame sizes so the simulator (which encodes payloads but sends no
 * frames) and a cluster give byte-identical figures. Per directed link i → j, after i and j have each
 * completed E exchanges (lockstep: every exchange sends one data frame to each peer of the row):
 *   envelope   = E · LINK_OVERHEAD_BYTES                      (header + MAC of each data frame)
 *   acks       = (1 + E) · CONTROL_FRAME_BYTES                (one when the link comes up, then one per data frame received from j)
 *   handshake  = hello steps 1 + 3 if i < j (i dials), else step 2
 * Only deterministic traffic is counted: retransmissions, re-handshakes after a reconnect and
 * heartbeats (ping/pong) exist because of timing, so they stay in the transport's counters
 * (Prometheus, logs), never in metrics.ndjson. A cluster node's ack for a frame of a round it has
 * not yet completed is counted with that round.
 */
import { Packr } from 'msgpackr';
import { CONTROL_FRAME_BYTES, LINK_OVERHEAD_BYTES } from '../codec/frame.ts';
import { helloFrameBytes } from '../codec/hello-message.ts';

/** Cumulative bytes one node sent beside its payloads. */
export interface WireCounts {
  /** Data-frame headers and MACs. */
  readonly envelopeBytes: number;
  /** Handshake messages and acks. */
  readonly controlBytes: number;
}

/** The bytes of a directed link i → j beside the payload, by kind. */
export interface EdgeWire {
  readonly dataFrames: number;
  readonly envelopeBytes: number;
  readonly ackBytes: number;
  readonly handshakeBytes: number;
}

/**
 * What aggregateReports needs to count the protocol's bytes of every node from the exchange schedule:
 * the peers of each node (self excluded) and the exchanges per iteration (the algorithm's phases).
 */
export interface WirePlan {
  readonly others: readonly (readonly number[])[];
  /** Exchanges at round −1 (the algorithm's initPhases). */
  readonly initExchanges: number;
  /** Exchanges per iteration (the algorithm's phases). */
  readonly exchangesPerIteration: number;
}

const packr = new Packr({ useRecords: false, variableMapSize: true });
const helloCache = new Map<string, number>();

/** Hello bytes sent on i → j over one handshake (ids change the msgpack integer widths, nothing else does). */
export function handshakeBytesSent(from: number, to: number): number {
  const key = `${from}>${to}`;
  let v = helloCache.get(key);
  if (v === undefined) {
    v = from < to ? helloFrameBytes(packr, 1, from, to) + helloFrameBytes(packr, 3, from, to) : helloFrameBytes(packr, 2, from, to);
    if (helloCache.size < 100_000) helloCache.set(key, v);
  }
  return v;
}

export function edgeWire(from: number, to: number, exchanges: number): EdgeWire {
  return {
    dataFrames: exchanges,
    envelopeBytes: exchanges * LINK_OVERHEAD_BYTES,
    ackBytes: (1 + exchanges) * CONTROL_FRAME_BYTES,
    handshakeBytes: handshakeBytesSent(from, to),
  };
}

/** Node `self`'s bytes beside payloads after `exchanges` completed exchanges with `others`. */
export function nodeWire(self: number, others: readonly number[], exchanges: number): WireCounts {
  let envelopeBytes = 0;
  let controlBytes = 0;
  for (const j of others) {
    const e = edgeWire(self, j, exchanges);
    envelopeBytes += e.envelopeBytes;
    controlBytes += e.ackBytes + e.handshakeBytes;
  }
  return { envelopeBytes, controlBytes };
}

/** Exchanges every node has completed when it reports iteration `iter` (init exchanges included). */
export function exchangesAt(plan: WirePlan, iter: number): number {
  return plan.initExchanges + iter * plan.exchangesPerIteration;
}

export function wirePlanOf(
  algorithm: { readonly phases: readonly string[]; readonly initPhases?: readonly string[] },
  rows: readonly { readonly ids: ArrayLike<number> }[],
): WirePlan {
  return {
    others: rows.map((r, i) => Array.from(r.ids).filter((j) => j !== i)),
    initExchanges: algorithm.initPhases?.length ?? 0,
    exchangesPerIteration: algorithm.phases.length,
  };
}
