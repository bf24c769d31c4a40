/**
 * The simulated clock (docs/clock.md): a max-plus recurrence over the run's exchanges. Symbols, all
 * times in seconds:
 *   t_i        the time node i finished its latest exchange (t_i = 0 at the start of iteration 0)
 *   c_i        node i's compute time per iteration (compute.ts), charged before an iteration's first exchange
 *   ℓ_ji, B_ji the latency (s) and bandwidth (bit/s) of link j → i (links.ts)
 *   w_ji       the wire bytes of the frame j sends i in this exchange (payload + LINK_OVERHEAD_BYTES)
 * One exchange e:
 *   r_i = t_i + [e is the iteration's first exchange] · c_i                 (i's frames leave at r_i)
 *   t_i ← max( r_i, max_{j : j sends i in e} ( r_j + ℓ_ji + 8 · w_ji / B_ji ) )
 * i.e. a node's exchange ends when its slowest in-edge's frame has arrived; no global barrier, as in
 * the cluster, where a node waits only for its round's in-neighbours. The clock reads
 * T = max_i t_i, the time the last node finished. Links are independent (per-link bandwidth: a node's
 * out-edges do not share a capacity); acks, handshakes and TCP/IP headers are not charged.
 */
import type { LinkTable } from './link-table.ts';

export interface ClockNetwork {
  /** links[i] = the nodes i can send to (the run's union of neighbours, self excluded). */
  readonly links: readonly (readonly number[])[];
  readonly table: LinkTable;
  /** c_i, seconds per iteration. */
  readonly compute: Float64Array;
}

/** One exchange: who sends whom and how many wire bytes each frame has. */
export interface ClockExchange {
  /** Charge c_i before this exchange (the iteration's first). */
  readonly compute: boolean;
  /** sends(i, s): true if i sends links[i][s] a frame in this exchange. */
  readonly sends: (i: number, s: number) => boolean;
  /** bytes(i, s): wire bytes of the frame i → links[i][s]. */
  readonly bytes: (i: number, s: number) => number;
}

export interface SimClock {
  /** Advances every node over one exchange. */
  exchange(e: ClockExchange): void;
  /** Charges compute only (an iteration without exchanges). */
  computeOnly(): void;
  /** T = max_i t_i, seconds. */
  now(): number;
  /** t_i of every node (copy). */
  times(): Float64Array;
  /** t_i itself, live (checkpoints capture and restore it in place). */
  state(): Float64Array;
}

export function createSimClock(net: ClockNetwork): SimClock {
  const n = net.links.length;
  const t = new Float64Array(n);
  const ready = new Float64Array(n);
  return {
    exchange(e) {
      for (let i = 0; i < n; i++) ready[i] = t[i] + (e.compute ? net.compute[i] : 0);
      t.set(ready);
      // Visit senders in order j = 0..n−1 and their links in slot order: a fixed order of max()es
      // (max is exact, so the order only matters for readability, not for the bits).
      for (let j = 0; j < n; j++) {
        const out = net.links[j];
        for (let s = 0; s < out.length; s++) {
          if (!e.sends(j, s)) continue;
          const i = out[s];
          const arrive = ready[j] + net.table.latency[j][s] + (8 * e.bytes(j, s)) / net.table.bandwidth[j][s];
          if (arrive > t[i]) t[i] = arrive;
        }
      }
    },
    computeOnly() {
      for (let i = 0; i < n; i++) t[i] += net.compute[i];
    },
    now() {
      let m = 0;
      for (let i = 0; i < n; i++) if (t[i] > m) m = t[i];
      return m;
    },
    times: () => t.slice(),
    state: () => t,
  };
}
