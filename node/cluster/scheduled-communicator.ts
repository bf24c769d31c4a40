/**
 * The Communicator of a cluster node on a time-varying topology (issue 13 item 1). The worker opens
 * links to the union of its neighbours over the schedule; in round k, exchange(k, phase, msg) sends
 * the encoded msg only to its round-k receivers (the other ids of its row of W_k, or the round's
 * `sends` for a directed W_k) and waits only for the other ids of its row, returning
 * them aligned with that row (self entry = msg). The exchange itself is the static communicator's
 * (exchangeFrames, node/transport/network-communicator.ts): one encode per exchange, payload bytes counted per peer
 * as the simulator's ScheduledMemoryNetwork counts them, so metrics.ndjson stays byte-identical.
 */
import type { Message } from '../compress/types.ts';
import type { RoundInbox } from '../transport/round-inbox.ts';
import type { PeerTransport } from '../transport/types.ts';
import { exchangeFrames, FrameCommunicator } from '../transport/network-communicator.ts';
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

export class ScheduledCommunicator extends FrameCommunicator {
  constructor(private readonly opts: ScheduledCommunicatorOptions) {
    super(opts, opts.neighbours);
  }

  exchange(round: number, phase: string, msg: Message): Promise<readonly Message[]> {
    const self = this.opts.self;
    const ids = Array.from(this.opts.rowAt(round).ids);
    const others = ids.filter((p) => p !== self);
    const targets = this.opts.sendsAt === undefined ? others : Array.from(this.opts.sendsAt(round));
    return exchangeFrames(this.parts, round, phase, msg, ids, others, targets);
  }
}
