/**
 * The clock fed from a complete set of node reports (what both the simulator and the cluster
 * coordinator hand aggregateReports), so simTime is computed from the same numbers in the same order
 * in both and sim ≡ cluster stays byte-identical. Between two rows the reports give each link's
 * payload bytes and data frames (edgeRowsFromReports, the edges.csv figures); the clock charges each
 * of the block's frames on link j → i the block's mean frame size
 *   w_ji = Δpayload_ji / Δframes_ji + LINK_OVERHEAD_BYTES.
 * Exact whenever a link's frames have one size over the block (dense and quantised compressors, or
 * evalEvery = 1); with variable-size frames (top-k's delta-coded indices) the mean stands in for
 * each frame, which changes T only where the critical path switches links inside a block.
 */
import { LINK_OVERHEAD_BYTES } from '../codec/frame.ts';
import type { NodeReport } from '../results/metrics-row.ts';
import { edgeRowsFromReports } from '../results/edges.ts';
import { exchangesAt, type WirePlan } from '../results/wire-accounting.ts';
import { createSimClock, type ClockNetwork, type SimClock } from './clock.ts';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';

export interface RowClock {
  /** Advances over the exchanges since the previous row and returns simTime (s) at `reports`' iteration. */
  advance(reports: readonly NodeReport[]): number;
  /** The underlying clock (tests read t_i). */
  readonly clock: SimClock;
  /**
   * Its state for checkpoints (docs/resume.md): t_i, each link's payload and frame counts at the
   * previous row and its mean frame size w_ji, and how far it has advanced.
   */
  registerState(reg: StateRegistrar, prefix: string): void;
}

export function createRowClock(plan: WirePlan, net: ClockNetwork): RowClock {
  const links = net.links;
  const n = links.length;
  const clock = createSimClock(net);
  const prevPayload = links.map((out) => new Float64Array(out.length));
  const prevFrames = links.map((out) => new Float64Array(out.length));
  const perFrame = links.map((out) => new Float64Array(out.length));
  const slotOf = links.map((out) => new Map(out.map((j, s) => [j, s])));
  // sendsIn[r][i][s]: in distinct round r of a schedule, i sends links[i][s].
  const sendsIn = plan.rounds?.map((round) => links.map((out, i) => out.map((j) => round[i].includes(j))));
  const per = plan.exchangesPerIteration;
  let done = 0;
  let doneIter = -1;

  const exchangeAt = (x: number) => {
    const init = x < plan.initExchanges;
    const rel = x - plan.initExchanges;
    const k = init ? 0 : Math.floor(rel / per);
    const r = sendsIn === undefined ? null : sendsIn[init ? 0 : k % sendsIn.length];
    return {
      compute: !init && rel % per === 0,
      sends: r === null ? () => true : (i: number, s: number) => r[i][s],
      bytes: (i: number, s: number) => perFrame[i][s],
    };
  };

  return {
    clock,
    registerState(reg, prefix) {
      reg.vector(`${prefix}.t`, clock.state());
      links.forEach((_, i) => {
        reg.vector(`${prefix}.${i}.prevPayload`, prevPayload[i]);
        reg.vector(`${prefix}.${i}.prevFrames`, prevFrames[i]);
        reg.vector(`${prefix}.${i}.perFrame`, perFrame[i]);
      });
      reg.scalar(
        `${prefix}.done`,
        () => done,
        (v) => (done = v),
      );
      reg.scalar(
        `${prefix}.doneIter`,
        () => doneIter,
        (v) => (doneIter = v),
      );
    },
    advance(reports) {
      const iter = reports[0].iter;
      const target = exchangesAt(plan, iter);
      for (const e of edgeRowsFromReports(plan, reports)) {
        const s = slotOf[e.from].get(e.to)!;
        const dFrames = e.dataFrames - prevFrames[e.from][s];
        const dPayload = e.payloadBytes - prevPayload[e.from][s];
        perFrame[e.from][s] = dFrames > 0 ? dPayload / dFrames + LINK_OVERHEAD_BYTES : 0;
        prevFrames[e.from][s] = e.dataFrames;
        prevPayload[e.from][s] = e.payloadBytes;
      }
      if (per === 0) {
        for (let k = Math.max(doneIter, 0); k < iter; k++) clock.computeOnly();
      } else {
        for (let x = done; x < target; x++) clock.exchange(exchangeAt(x));
      }
      done = target;
      doneIter = iter;
      return n === 0 ? 0 : clock.now();
    },
  };
}
