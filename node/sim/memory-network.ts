/**
 * In-memory exchange for the simulator: every node's `Communicator` posts its message for
 * (round, phase) to each peer of its row and resolves once every peer of its row has posted the same
 * (round, phase). Incoming messages are returned aligned with `rows[i].ids` (the self entry is the
 * node's own message), so mixing sums run in ascending id order exactly as on a cluster.
 *
 * Bytes are counted per sender and per directed edge (self excluded) with the supplied `byteLength`
 * (the codec's exact payload length in the simulator). Delivered slots are deleted, so memory stays
 * bounded by the messages in flight.
 *
 * Messages are handed over as they are, never copied: a compressor's message is immutable once
 * returned (node/compress/types.ts), and receivers only read it. Slots are keyed by a number,
 * round·P + phase index (P phase names, numbered as first seen), not by a string, because at
 * thousands of nodes the per-message bookkeeping is most of a step (docs/performance.md).
 */
import type { Message } from '../compress/types.ts';
import type { BatchExchange, Communicator } from '../algo/types.ts';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import { ProxmeshError } from '../errors.ts';
import type { MixingRow } from '../../topologies/types.ts';

export interface MemoryNetworkOptions {
  readonly n: number;
  /** rows[i]: peers of node i, ids ascending, including i when W_ii > 0. Must be symmetric. */
  readonly rows: readonly MixingRow[];
  /** Bytes one message occupies on the wire (e.g. the codec's payloadByteLength). */
  readonly byteLength: (m: Message) => number;
}

/** Phase names numbered as first seen; a round holds at most MAX_PHASES of them. */
const MAX_PHASES = 32;

interface Slot {
  readonly msgs: (Message | undefined)[];
  /** messages from non-self peers still missing */
  missing: number;
  /** set when the owner itself has posted and is waiting */
  resolve: ((msgs: readonly Message[]) => void) | null;
}

interface NodeBook {
  /** (round, phase) key = round·MAX_PHASES + phase index → slot for messages addressed to this node */
  readonly inbox: Map<number, Slot>;
  /** position of each peer id in this node's row (−1: not a peer) */
  readonly pos: Map<number, number>;
  readonly selfPos: number;
  readonly others: number;
  /** misuse detection: highest round posted so far and the phases posted in it (bit p = phase index p) */
  round: number;
  phasesInRound: number;
  bytes: number;
  messages: number;
  /** bytes sent to each row position (self entry stays 0) */
  readonly edgeBytes: Float64Array;
}

export class MemoryNetwork implements BatchExchange {
  readonly n: number;
  private readonly rows: readonly MixingRow[];
  private readonly byteLength: (m: Message) => number;
  private readonly books: NodeBook[];
  private readonly phaseIds = new Map<string, number>();

  constructor(opts: MemoryNetworkOptions) {
    const { n, rows } = opts;
    if (!Number.isInteger(n) || n < 1)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `MemoryNetwork: n must be a positive integer, got ${n}`);
    if (rows.length !== n) throw new ProxmeshError('PROXMESH_ERR_MIXING', `MemoryNetwork: ${rows.length} rows for n = ${n}`);
    this.n = n;
    this.rows = rows;
    this.byteLength = opts.byteLength;
    this.books = rows.map((row, i) => {
      if (row.ids.length !== row.weights.length) {
        throw new ProxmeshError('PROXMESH_ERR_MIXING', `row ${i}: ${row.ids.length} ids but ${row.weights.length} weights`, { node: i });
      }
      const pos = new Map<number, number>();
      for (let p = 0; p < row.ids.length; p++) {
        const j = row.ids[p];
        if (!(j >= 0 && j < n) || (p > 0 && j <= row.ids[p - 1])) {
          throw new ProxmeshError(
            'PROXMESH_ERR_MIXING',
            `row ${i}: peer ids must be ascending, distinct and in [0, ${n}), got [${Array.from(row.ids)}]`,
            { node: i },
          );
        }
        pos.set(j, p);
      }
      const selfPos = pos.get(i) ?? -1;
      return {
        inbox: new Map(),
        pos,
        selfPos,
        others: row.ids.length - (selfPos >= 0 ? 1 : 0),
        round: -Infinity,
        phasesInRound: 0,
        bytes: 0,
        messages: 0,
        edgeBytes: new Float64Array(row.ids.length),
      };
    });
    for (let i = 0; i < n; i++) {
      for (const j of rows[i].ids) {
        if (j !== i && !this.books[j].pos.has(i)) {
          throw new ProxmeshError('PROXMESH_ERR_MIXING', `peers are not symmetric: ${j} is a peer of ${i} but ${i} is not a peer of ${j}`, {
            node: i,
            peer: j,
          });
        }
      }
    }
  }

  communicator(i: number): Communicator {
    if (!Number.isInteger(i) || i < 0 || i >= this.n)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `MemoryNetwork: no node ${i} (n = ${this.n})`);
    return {
      exchange: (round, phase, msg) => {
        try {
          return this.exchange(i, round, phase, msg);
        } catch (err) {
          return Promise.reject(err);
        }
      },
    };
  }

  /** Total payload bytes sent by all nodes to their peers (self excluded). */
  bytesSent(): number {
    let s = 0;
    for (const b of this.books) s += b.bytes;
    return s;
  }

  /** Bytes sent by node i (self excluded). */
  bytesSentBy(i: number): number {
    return this.books[i].bytes;
  }

  /** Bytes sent from i to peer j (0 if j is not a peer of i). */
  bytesSentOnEdge(i: number, j: number): number {
    const p = this.books[i].pos.get(j);
    return p === undefined ? 0 : this.books[i].edgeBytes[p];
  }

  /** Messages sent by node i to peers (self excluded). */
  messagesSentBy(i: number): number {
    return this.books[i].messages;
  }

  /** Messages sent by node i to peer j: every exchange goes to all the peers of the row. */
  messagesSentOnEdge(i: number, j: number): number {
    const book = this.books[i];
    return i === j || !book.pos.has(j) ? 0 : book.messages / book.others;
  }

  /**
   * The byte and message counters (metrics rows and edges.csv read them) for checkpoints; between
   * lockstep steps nothing else is in flight (pending() = 0), and the misuse guard restarts fresh.
   */
  registerState(reg: StateRegistrar, prefix: string): void {
    this.books.forEach((b, i) => {
      reg.scalar(
        `${prefix}.${i}.bytes`,
        () => b.bytes,
        (v) => {
          b.bytes = v;
        },
      );
      reg.scalar(
        `${prefix}.${i}.messages`,
        () => b.messages,
        (v) => {
          b.messages = v;
        },
      );
      reg.vector(`${prefix}.${i}.edgeBytes`, b.edgeBytes);
    });
  }

  /** Number of (node, round, phase) slots not yet delivered; 0 between lockstep steps. */
  pending(): number {
    let s = 0;
    for (const b of this.books) s += b.inbox.size;
    return s;
  }

  /**
   * All nodes post at once (NodeAlgorithm.stepBatch): msgs[i] is node i's message for (round,
   * phase); node i then reads msgs[j] for j in its row (the block is all n nodes, so msgs itself is
   * returned). Same checks and byte counts as n calls of `exchange`, with nothing left in flight.
   */
  exchangeAll(round: number, phase: string, msgs: readonly Message[]): readonly Message[] {
    if (msgs.length !== this.n)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `exchangeAll: ${msgs.length} messages for n = ${this.n}`, { round, phase });
    const pid = this.phaseId(phase);
    const bit = 1 << pid;
    for (let i = 0; i < this.n; i++) {
      const book = this.books[i];
      if (round < book.round)
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${i} posted round ${round} after round ${book.round}`, {
          node: i,
          round,
          phase,
        });
      if (round > book.round) {
        book.round = round;
        book.phasesInRound = 0;
      }
      if ((book.phasesInRound & bit) !== 0) {
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${i} posted (round ${round}, phase "${phase}") twice`, {
          node: i,
          round,
          phase,
        });
      }
      book.phasesInRound |= bit;
      if (book.others === 0) continue;
      const size = this.byteLength(msgs[i]);
      const ids = this.rows[i].ids;
      for (let p = 0; p < ids.length; p++) {
        if (ids[p] === i) continue;
        book.edgeBytes[p] += size;
        book.bytes += size;
        book.messages += 1;
      }
    }
    return msgs;
  }

  private phaseId(phase: string): number {
    let id = this.phaseIds.get(phase);
    if (id === undefined) {
      id = this.phaseIds.size;
      if (id >= MAX_PHASES)
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `MemoryNetwork: more than ${MAX_PHASES} distinct phase names`, { phase });
      this.phaseIds.set(phase, id);
    }
    return id;
  }

  private exchange(i: number, round: number, phase: string, msg: Message): Promise<readonly Message[]> {
    const book = this.books[i];
    if (round < book.round) {
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${i} posted round ${round} after round ${book.round}`, {
        node: i,
        round,
        phase,
      });
    }
    if (round > book.round) {
      book.round = round;
      book.phasesInRound = 0;
    }
    const pid = this.phaseId(phase);
    const bit = 1 << pid;
    if ((book.phasesInRound & bit) !== 0) {
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${i} posted (round ${round}, phase "${phase}") twice`, {
        node: i,
        round,
        phase,
      });
    }
    book.phasesInRound |= bit;

    const key = round * MAX_PHASES + pid;
    const row = this.rows[i];
    const size = book.others > 0 ? this.byteLength(msg) : 0;
    for (let p = 0; p < row.ids.length; p++) {
      const j = row.ids[p];
      if (j === i) continue;
      book.edgeBytes[p] += size;
      book.bytes += size;
      book.messages += 1;
      this.deliver(j, key, i, msg);
    }
    const slot = this.slot(i, key);
    if (book.selfPos >= 0) slot.msgs[book.selfPos] = msg;
    if (slot.missing === 0) {
      book.inbox.delete(key);
      return Promise.resolve(slot.msgs as Message[]);
    }
    return new Promise((resolve) => {
      slot.resolve = resolve;
    });
  }

  private slot(j: number, key: number): Slot {
    const book = this.books[j];
    let slot = book.inbox.get(key);
    if (slot === undefined) {
      slot = { msgs: new Array<Message | undefined>(this.rows[j].ids.length), missing: book.others, resolve: null };
      book.inbox.set(key, slot);
    }
    return slot;
  }

  private deliver(j: number, key: number, from: number, msg: Message): void {
    const book = this.books[j];
    const p = book.pos.get(from)!;
    const slot = this.slot(j, key);
    slot.msgs[p] = msg;
    slot.missing -= 1;
    if (slot.missing === 0 && slot.resolve !== null) {
      book.inbox.delete(key);
      slot.resolve(slot.msgs as Message[]);
    }
  }
}
