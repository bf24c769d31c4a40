/**
 * Wire-true accounting (DESIGN.md §4): the bytes the protocol puts on the wire beside the payloads,
 * counted from the codec's exact frame sizes so the simulator (which encodes payloads but sends no
 * frames) and a cluster give byte-identical figures. Per directed link i → j, after i and j have each
 * completed E exchanges (lockstep: every exchange sends one data frame to each peer of the row):
 *   envelope   = E · LINK_OVERHEAD_BYTES                      (header + MAC of each data frame)
 *   acks       = (1 + ⌊E / ACK_EVERY⌋) · CONTROL_FRAME_BYTES  (one when the link comes up, then one per ACK_EVERY data frames received from j)
 *   handshake  = hello steps 1 + 3 if i < j (i dials), else step 2
 * Only deterministic traffic is counted: retransmissions, re-handshakes after a reconnect and
 * heartbeats (ping/pong) exist because of timing, so they stay in the transport's counters
 * (Prometheus, logs), never in metrics.ndjson. A cluster node's ack for a frame of a round it has
 * not yet completed is counted with that round.
 *
 * Time-varying topology (topology.schedule, topologies/schedule.ts): a node links the union of its
 * neighbours over the schedule (handshake and the first ack on each such link), and in round k sends
 * a data frame only to its round-k receivers, so after E exchanges
 *   envelope(i → j) = frames(i → j) · LINK_OVERHEAD_BYTES
 *   acks(i → j)     = (1 + ⌊frames(j → i) / ACK_EVERY⌋) · CONTROL_FRAME_BYTES    (frames i received from j)
 * with frames counted from the plan's per-round receivers (`WirePlan.rounds`). For a static W every
 * frame count is E and this is the formula above.
 */
import { Packr } from 'msgpackr';
import { CONTROL_FRAME_BYTES, LINK_OVERHEAD_BYTES, acksAfter } from '../codec/frame.ts';
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
  /**
   * Time-varying topology only: rounds[r][i] = the nodes node i sends to in distinct round r of the
   * schedule (self excluded). The exchanges at round −1 use rounds[0], iteration k's use
   * rounds[k mod P] (topologies/schedule.ts roundIndex). `others` is then the union of the neighbours
   * (the links a cluster worker opens). Absent: every exchange goes to all of `others`.
   */
  readonly rounds?: readonly (readonly (readonly number[])[])[];
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
    ackBytes: acksAfter(exchanges) * CONTROL_FRAME_BYTES,
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

/**
 * The exchange plan of a run. `schedule` (a time-varying topology): per distinct round, whom each node
 * sends to, and `union[i]`, the neighbours node i links; `rows` are then ignored.
 */
export function wirePlanOf(
  algorithm: { readonly phases: readonly string[]; readonly initPhases?: readonly string[] },
  rows: readonly { readonly ids: ArrayLike<number> }[],
  schedule?: { readonly union: readonly (readonly number[])[]; readonly sends: readonly (readonly (readonly number[])[])[] },
): WirePlan {
  const base = { initExchanges: algorithm.initPhases?.length ?? 0, exchangesPerIteration: algorithm.phases.length };
  if (schedule !== undefined) return { ...base, others: schedule.union, rounds: schedule.sends };
  return { ...base, others: rows.map((r, i) => Array.from(r.ids).filter((j) => j !== i)) };
}

/** How many of the first `exchanges` exchanges use each distinct round of the plan's schedule. */
function exchangesPerRound(plan: WirePlan, exchanges: number): Float64Array {
  const P = plan.rounds!.length;
  const cnt = new Float64Array(P);
  const init = Math.min(exchanges, plan.initExchanges);
  cnt[0] += init;
  const rest = exchanges - init;
  const per = plan.exchangesPerIteration;
  if (rest <= 0 || per === 0) return cnt;
  const iters = Math.floor(rest / per);
  const rem = rest - iters * per;
  const full = Math.floor(iters / P);
  for (let r = 0; r < P; r++) cnt[r] += per * (full + (r < iters % P ? 1 : 0));
  cnt[iters % P] += rem;
  return cnt;
}

/** Data frames node `from` sent `to` over the given per-round exchange counts. */
function framesOver(plan: WirePlan, cnt: Float64Array, from: number, to: number): number {
  let f = 0;
  plan.rounds!.forEach((round, r) => {
    if (cnt[r] > 0 && round[from].includes(to)) f += cnt[r];
  });
  return f;
}

/** i → j's bytes beside the payload from data frames sent and received on the link. */
export function edgeWireFromFrames(from: number, to: number, framesSent: number, framesReceived: number): EdgeWire {
  return {
    dataFrames: framesSent,
    envelopeBytes: framesSent * LINK_OVERHEAD_BYTES,
    ackBytes: acksAfter(framesReceived) * CONTROL_FRAME_BYTES,
    handshakeBytes: handshakeBytesSent(from, to),
  };
}

/** Edge i → j after node i completed `exchanges` exchanges, by the plan (static or scheduled). */
export function plannedEdgeWire(plan: WirePlan, from: number, to: number, exchanges: number): EdgeWire {
  if (plan.rounds === undefined) return edgeWire(from, to, exchanges);
  const cnt = exchangesPerRound(plan, exchanges);
  return edgeWireFromFrames(from, to, framesOver(plan, cnt, from, to), framesOver(plan, cnt, to, from));
}

/** Node `self`'s bytes beside payloads after `exchanges` completed exchanges, by the plan. */
export function plannedNodeWire(plan: WirePlan, self: number, exchanges: number): WireCounts {
  if (plan.rounds === undefined) return nodeWire(self, plan.others[self], exchanges);
  const cnt = exchangesPerRound(plan, exchanges);
  let envelopeBytes = 0;
  let controlBytes = 0;
  for (const j of plan.others[self]) {
    const e = edgeWireFromFrames(self, j, framesOver(plan, cnt, self, j), framesOver(plan, cnt, j, self));
    envelopeBytes += e.envelopeBytes;
    controlBytes += e.ackBytes + e.handshakeBytes;
  }
  return { envelopeBytes, controlBytes };
}

/** Node `self`'s bytes beside payloads from counted frames per link (the simulator's real exchanges). */
export function nodeWireFromFrames(
  self: number,
  others: readonly number[],
  sent: (j: number) => number,
  received: (j: number) => number,
): WireCounts {
  let envelopeBytes = 0;
  let controlBytes = 0;
  for (const j of others) {
    const e = edgeWireFromFrames(self, j, sent(j), received(j));
    envelopeBytes += e.envelopeBytes;
    controlBytes += e.ackBytes + e.handshakeBytes;
  }
  return { envelopeBytes, controlBytes };
}
