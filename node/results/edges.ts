/**
 * edges.csv: the bytes of every directed edge i → j of a run, by kind, at the end of the run.
 *   from,to,dataFrames,payloadBytes,envelopeBytes,ackBytes,handshakeBytes,totalBytes
 * payload from the codec's exact payload lengths, the rest from wire-accounting.ts (deterministic:
 * no retransmissions or heartbeats). Rows in ascending (from, to).
 */
import type { NodeReport } from '../eval/aggregate-reports.ts';
import { edgeWire, exchangesAt, type WirePlan } from './wire-accounting.ts';

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

export const EDGE_COLUMNS = ['from', 'to', 'dataFrames', 'payloadBytes', 'envelopeBytes', 'ackBytes', 'handshakeBytes', 'totalBytes'] as const;

/** One row per directed edge of the plan; `exchanges(i)` = exchanges node i completed, `payload(i, j)` = payload bytes i sent j. */
export function edgeRows(plan: WirePlan, exchanges: (i: number) => number, payload: (i: number, j: number) => number): EdgeRow[] {
  const out: EdgeRow[] = [];
  plan.others.forEach((others, i) => {
    for (const j of [...others].sort((a, b) => a - b)) {
      const w = edgeWire(i, j, exchanges(i));
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
 */
export function edgeRowsFromReports(plan: WirePlan, reports: readonly NodeReport[]): EdgeRow[] {
  return edgeRows(plan, (i) => exchangesAt(plan, reports[i].iter), (i) => reports[i].bytesSent / plan.others[i].length);
}
