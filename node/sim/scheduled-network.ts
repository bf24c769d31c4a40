/**
 * The simulator's exchange for a time-varying topology: one MemoryNetwork per distinct round of the
 * schedule (W_0 … W_{P−1}; a DirectedRoundNetwork for a directed round), and round k's exchanges go to network k mod P (round −1, an algorithm's
 * initial exchange, to network 0). So in round k a node sends to, and waits for, exactly the peers
 * of its row of W_k, as a cluster worker does (node/cluster/scheduled-communicator.ts). Bytes are the
 * sums over the networks.
 */
import type { Communicator } from '../algo/types.ts';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import type { Message } from '../compress/types.ts';
import { roundIndex, type TopologySchedule } from '../../topologies/schedule.ts';
import { MemoryNetwork } from './memory-network.ts';
import { DirectedRoundNetwork } from './directed-network.ts';

export interface ScheduledMemoryNetworkOptions {
  readonly schedule: TopologySchedule;
  readonly byteLength: (m: Message) => number;
}

export class ScheduledMemoryNetwork {
  readonly n: number;
  private readonly schedule: TopologySchedule;
  private readonly nets: readonly (MemoryNetwork | DirectedRoundNetwork)[];

  constructor(opts: ScheduledMemoryNetworkOptions) {
    this.schedule = opts.schedule;
    this.n = opts.schedule.n;
    this.nets = opts.schedule.rounds.map((r) =>
      r.sends === undefined
        ? new MemoryNetwork({ n: this.n, rows: r.rows, byteLength: opts.byteLength })
        : new DirectedRoundNetwork({ rows: r.rows, sends: r.sends, byteLength: opts.byteLength }),
    );
  }

  communicator(i: number): Communicator {
    const comms = this.nets.map((net) => net.communicator(i));
    return { exchange: (round, phase, msg) => comms[roundIndex(this.schedule, round)].exchange(round, phase, msg) };
  }

  /** Every round network's counters, under `prefix.r<index>`. */
  registerState(reg: StateRegistrar, prefix: string): void {
    for (const [r, net] of this.nets.entries()) net.registerState(reg, `${prefix}.r${r}`);
  }

  bytesSentBy(i: number): number {
    let s = 0;
    for (const net of this.nets) s += net.bytesSentBy(i);
    return s;
  }

  bytesSent(): number {
    let s = 0;
    for (const net of this.nets) s += net.bytesSent();
    return s;
  }

  /** Bytes sent from i to j over all rounds. */
  bytesSentOnEdge(i: number, j: number): number {
    let s = 0;
    for (const net of this.nets) s += net.bytesSentOnEdge(i, j);
    return s;
  }

  /** Messages (data frames) sent from i to j over all rounds. */
  messagesSentOnEdge(i: number, j: number): number {
    let s = 0;
    for (const net of this.nets) s += net.messagesSentOnEdge(i, j);
    return s;
  }

  pending(): number {
    let s = 0;
    for (const net of this.nets) s += net.pending();
    return s;
  }
}
