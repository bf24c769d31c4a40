/**
 * In-memory exchange for one directed round of a schedule (e.g. the directed one-peer exponential
 * graph): node i posts its message for (round, phase) to `sends[i]` and resolves once every
 * in-neighbour of its row (rows[i].ids but itself) has posted, with the messages aligned with
 * rows[i].ids (self entry = its own message), as MemoryNetwork does for symmetric rows. Bytes are
 * counted per sender with `byteLength`, once per receiver. Messages are handed over without copies,
 * as MemoryNetwork does (a compressor's returned message is immutable, node/compress/types.ts).
 */
import type { Communicator } from '../algo/types.ts';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import type { Message } from '../compress/types.ts';
import { ProxmeshError } from '../errors.ts';
import type { MixingRow } from '../../topologies/types.ts';

export interface DirectedRoundNetworkOptions {
  readonly rows: readonly MixingRow[];
  readonly sends: readonly Int32Array[];
  readonly byteLength: (m: Message) => number;
}

interface Slot {
  readonly msgs: (Message | undefined)[];
  missing: number;
  resolve: ((msgs: readonly Message[]) => void) | null;
}

export class DirectedRoundNetwork {
  private readonly inbox: Map<string, Slot>[];
  private readonly bytes: Float64Array;
  private readonly edge: Map<string, number> = new Map();
  private readonly edgeMessages: Map<string, number> = new Map();

  constructor(private readonly opts: DirectedRoundNetworkOptions) {
    const n = opts.rows.length;
    this.inbox = Array.from({ length: n }, () => new Map());
    this.bytes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (const j of opts.sends[i]) {
        if (!(j >= 0 && j < n) || j === i || !opts.rows[j].ids.includes(i)) {
          throw new ProxmeshError('PROXMESH_ERR_MIXING', `directed round: node ${i} sends to ${j}, whose row does not mix ${i}`, {
            node: i,
            peer: j,
          });
        }
      }
    }
  }

  communicator(i: number): Communicator {
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

  bytesSentBy(i: number): number {
    return this.bytes[i];
  }

  bytesSent(): number {
    let s = 0;
    for (const b of this.bytes) s += b;
    return s;
  }

  bytesSentOnEdge(i: number, j: number): number {
    return this.edge.get(`${i},${j}`) ?? 0;
  }

  messagesSentOnEdge(i: number, j: number): number {
    return this.edgeMessages.get(`${i},${j}`) ?? 0;
  }

  /** Byte and message counters for checkpoints (the edge maps as JSON [key, value] pairs). */
  registerState(reg: StateRegistrar, prefix: string): void {
    reg.vector(`${prefix}.bytes`, this.bytes);
    const mapEntry = (name: string, map: Map<string, number>) =>
      reg.bytes(
        `${prefix}.${name}`,
        () => new TextEncoder().encode(JSON.stringify([...map])),
        (b) => {
          map.clear();
          for (const [k, v] of JSON.parse(new TextDecoder().decode(b)) as [string, number][]) map.set(k, v);
        },
      );
    mapEntry('edge', this.edge);
    mapEntry('edgeMessages', this.edgeMessages);
  }

  pending(): number {
    let s = 0;
    for (const m of this.inbox) s += m.size;
    return s;
  }

  private slot(j: number, key: string): Slot {
    let slot = this.inbox[j].get(key);
    if (slot === undefined) {
      const ids = this.opts.rows[j].ids;
      slot = { msgs: new Array<Message | undefined>(ids.length), missing: ids.length - (ids.includes(j) ? 1 : 0), resolve: null };
      this.inbox[j].set(key, slot);
    }
    return slot;
  }

  private exchange(i: number, round: number, phase: string, msg: Message): Promise<readonly Message[]> {
    const key = `${round}\u0000${phase}`;
    const targets = this.opts.sends[i];
    const size = targets.length > 0 ? this.opts.byteLength(msg) : 0;
    for (const j of targets) {
      this.bytes[i] += size;
      this.edge.set(`${i},${j}`, (this.edge.get(`${i},${j}`) ?? 0) + size);
      this.edgeMessages.set(`${i},${j}`, (this.edgeMessages.get(`${i},${j}`) ?? 0) + 1);
      const slot = this.slot(j, key);
      const p = this.opts.rows[j].ids.indexOf(i);
      if (slot.msgs[p] !== undefined)
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${i} posted (round ${round}, phase "${phase}") twice`, {
          node: i,
          round,
          phase,
        });
      slot.msgs[p] = msg; // no copy: a returned message is immutable (node/compress/types.ts)
      slot.missing -= 1;
      if (slot.missing === 0 && slot.resolve !== null) {
        this.inbox[j].delete(key);
        slot.resolve(slot.msgs as Message[]);
      }
    }
    const own = this.slot(i, key);
    const selfPos = this.opts.rows[i].ids.indexOf(i);
    if (selfPos >= 0) own.msgs[selfPos] = msg;
    if (own.missing === 0) {
      this.inbox[i].delete(key);
      return Promise.resolve(own.msgs as Message[]);
    }
    return new Promise((resolve) => {
      own.resolve = resolve;
    });
  }
}
