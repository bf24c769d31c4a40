/**
 * edges.csv: the bytes of every directed edge i → j of a run, by kind, at the end of the run.
 *   from,to,dataFrames,payloadBytes,envelopeBytes,ackBytes,handshakeBytes,totalBytes
 * payload from the codec's exact payload lengths, the rest from wire-accounting.ts (deterministic:
 * no retransmissions or heartbeats). Rows in ascending (from, to).
 */
import type { NodeReport } from './metrics-row.ts';
import { exchangesAt, plannedEdgeWire, type EdgeWire, type WirePlan } from './wire-accounting.ts';

export interface EdgeRow {
  readonly from: number;
  readonly to: number;
  readonly dataFrames: number;
  readonly payloadBytes: number;
  readonly envelopeBytes: number;
  readonly ackBytes: number;
  readonly handshakeBytes: number;
  readonly totalBytes: number;
}

export const EDGE_COLUMNS = [
  'from',
  'to',
  'dataFrames',
  'payloadBytes',
  'envelopeBytes',
  'ackBytes',
  'handshakeBytes',
  'totalBytes',
] as const;

/**
 * One row per directed edge of the plan; `exchanges(i)` = exchanges node i completed, `payload(i, j)`
 * = payload bytes i sent j; `wire(i, j)`, if given, the edge's counted frames (else the plan's).
 */
export function edgeRows(
  plan: WirePlan,
  exchanges: (i: number) => number,
  payload: (i: number, j: number) => number,
  wire?: (i: number, j: number) => EdgeWire,
): EdgeRow[] {
  const out: EdgeRow[] = [];
  plan.others.forEach((others, i) => {
    for (const j of [...others].sort((a, b) => a - b)) {
      const w = wire !== undefined ? wire(i, j) : plannedEdgeWire(plan, i, j, exchanges(i));
      const payloadBytes = payload(i, j);
      out.push({ from: i, to: j, ...w, payloadBytes, totalBytes: payloadBytes + w.envelopeBytes + w.ackBytes + w.handshakeBytes });
    }
  });
  return out;
}

export function edgesCsv(rows: readonly EdgeRow[]): string {
  return `${EDGE_COLUMNS.join(',')}\n${rows.map((r) => `${EDGE_COLUMNS.map((c) => r[c]).join(',')}\n`).join('')}`;
}

/**
 * edges.csv from one complete set of node reports (what the coordinator has): a node sends the same
 * payload to every peer of its row in each exchange, so edge i → j carried bytesSent_i / |peers_i|.
 * On a time-varying topology a node sends to a subset per round; the algorithms that support one send
 * uncompressed messages of one size (node/algo/round-row.ts), so edge i → j carried
 * bytesSent_i · frames(i → j) / Σ_l frames(i → l), exactly (integers well below 2⁵³).
 */
export function edgeRowsFromReports(plan: WirePlan, reports: readonly NodeReport[]): EdgeRow[] {
  const exchanges = (i: number) => exchangesAt(plan, reports[i].iter);
  if (plan.rounds === undefined) return edgeRows(plan, exchanges, (i) => reports[i].bytesSent / plan.others[i].length);
  const framesOf = (i: number, j: number) => plannedEdgeWire(plan, i, j, exchanges(i)).dataFrames;
  return edgeRows(plan, exchanges, (i, j) => {
    let total = 0;
    for (const l of plan.others[i]) total += framesOf(i, l);
    return total === 0 ? 0 : (reports[i].bytesSent * framesOf(i, j)) / total;
  });
}
