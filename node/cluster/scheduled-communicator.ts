/**
 * The Communicator of a cluster node on a time-varying topology (issue 13 item 1). The worker opens
 * links to the union of its neighbours over the schedule; in round k, exchange(k, phase, msg) sends
 * the encoded msg only to its round-k receivers (the other ids of its row of W_k, or the round's
 * `sends` for a directed W_k) and waits only for the other ids of its row, returning
 * them aligned with that row (self entry = msg). The exchange itself is the static communicator's
 * (exchangeFrames, node/transport/network-communicator.ts): one encode per exchange, payload bytes counted per peer
 * as the simulator's ScheduledMemoryNetwork counts them, so metrics.ndjson stays byte-identical.
 */
import type { Communicator } from '../algo/types.ts';
import type { Message } from '../compress/types.ts';
import { RoundInbox } from '../transport/round-inbox.ts';
import type { PeerTransport } from '../transport/types.ts';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import {
  exchangeFrames,
  feedInbox,
  registerCounters,
  type CommunicatorStats,
  type ExchangeParts,
  type ExchangeTimes,
} from '../transport/network-communicator.ts';
import type { MixingRow } from '../../topologies/types.ts';

export interface ScheduledCommunicatorOptions {
  readonly transport: PeerTransport;
  readonly self: number;
  /** This node's row of W_k for round k (k = −1: the initial exchange). */
  readonly rowAt: (round: number) => MixingRow;
  /** Whom it sends to in round k (self excluded); default: the others of rowAt(k) (symmetric W_k). */
  readonly sendsAt?: (round: number) => ArrayLike<number>;
  /** Union of the neighbours over the schedule (self excluded): frames from them are accepted. */
  readonly neighbours: readonly number[];
  readonly dim: number;
  /** Defaults to a new RoundInbox (a block's nodes share theirs with the BlockTransport). */
  readonly inbox?: RoundInbox;
  readonly signal?: AbortSignal;
}

export class ScheduledCommunicator implements Communicator {
  readonly inbox: RoundInbox;
  readonly times: ExchangeTimes = { encodeSeconds: 0, sendSeconds: 0, waitSeconds: 0 };
  private readonly unsubscribe: Array<() => void> = [];
  private readonly counters: CommunicatorStats = { payloadBytesSent: 0, payloadBytesReceived: 0, exchanges: 0 };

  private readonly parts: ExchangeParts;

  constructor(private readonly opts: ScheduledCommunicatorOptions) {
    this.inbox = opts.inbox ?? new RoundInbox();
    this.parts = {
      transport: opts.transport,
      inbox: this.inbox,
      self: opts.self,
      dim: opts.dim,
      signal: opts.signal,
      counters: this.counters,
      times: this.times,
    };
    this.unsubscribe.push(feedInbox(opts.transport, this.inbox, new Set(opts.neighbours)));
  }

  stats(): CommunicatorStats {
    return { ...this.counters };
  }

  /** The counters reports read, for cluster checkpoints. */
  registerState(reg: StateRegistrar, prefix: string): void {
    registerCounters(reg, prefix, this.counters);
  }

  exchange(round: number, phase: string, msg: Message): Promise<readonly Message[]> {
    const self = this.opts.self;
    const ids = Array.from(this.opts.rowAt(round).ids);
    const others = ids.filter((p) => p !== self);
    const targets = this.opts.sendsAt === undefined ? others : Array.from(this.opts.sendsAt(round));
    return exchangeFrames(this.parts, round, phase, msg, ids, others, targets);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
  }
}
