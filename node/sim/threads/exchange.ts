/**
 * The exchange of one thread's block in a threaded simulation (NodeAlgorithm.stepBatch's
 * BatchExchange). For exchange e (round, phase) the block's nodes:
 *   1. count their bytes exactly as MemoryNetwork.exchangeAll does (payloadByteLength per non-self
 *      peer, in the shared counters of layout.ts);
 *   2. encode the messages of boundary nodes into mailbox e mod 2 with the cluster's payload codec;
 *   3. meet every other thread at the barrier;
 *   4. decode the messages of the other blocks' nodes they read, into the id-indexed array they
 *      mix from (own nodes' messages are passed as they are).
 * decodePayload(encodePayload(m)) carries exactly m's values (the cluster's receivers rely on this,
 * and addScaledMessage reads only the carried values), so mixing a decoded message gives the same
 * bits as mixing the original: the threaded simulation equals the one-thread one and the cluster.
 */
import { decodePayload, encodePayloadInto, payloadByteLength } from '../../codec/payload.ts';
import type { BatchExchange } from '../../algo/types.ts';
import type { Message } from '../../compress/types.ts';
import { ProxmeshError } from '../../errors.ts';
import type { MixingRow } from '../../../topologies/types.ts';
import type { Barrier } from './barrier.ts';
import type { SharedLayout } from './layout.ts';

export class SharedExchange implements BatchExchange {
  private exchanges = 0;
  /** messages by node id; entries outside this block and its foreign peers stay undefined */
  private readonly all: Message[];
  /** the other blocks' nodes that this block's nodes read, ascending */
  private readonly foreign: Int32Array;

  constructor(
    private readonly shared: SharedLayout,
    private readonly lo: number,
    private readonly hi: number,
    /** rows[b]: the row of node lo + b */
    private readonly rows: readonly MixingRow[],
    private readonly barrier: Barrier,
  ) {
    this.all = new Array<Message>(shared.n);
    const need = new Set<number>();
    for (const row of rows) for (const j of row.ids) if (j < lo || j >= hi) need.add(j);
    this.foreign = Int32Array.from([...need].sort((a, b) => a - b));
  }

  exchangeAll(round: number, phase: string, msgs: readonly Message[]): readonly Message[] {
    const { lo, hi, shared, all } = this;
    if (msgs.length !== hi - lo)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `exchangeAll: ${msgs.length} messages for a block of ${hi - lo} nodes`, {
        round,
        phase,
      });
    const buf = this.exchanges++ & 1;
    const mail = shared.mail[buf],
      mailLen = shared.mailLen[buf];
    const cap = shared.slotBytes;
    for (let b = 0; b < msgs.length; b++) {
      const i = lo + b;
      const m = msgs[b];
      all[i] = m;
      const ids = this.rows[b].ids;
      const others = ids.length - (ids.includes(i) ? 1 : 0);
      if (others > 0) {
        const size = payloadByteLength(m);
        const e0 = shared.edgeOff[i];
        for (let p = 0; p < ids.length; p++) {
          if (ids[p] === i) continue;
          shared.edgeBytes[e0 + p] += size;
          shared.bytes[i] += size;
          shared.messages[i] += 1;
        }
      }
      const s = shared.slot[i];
      if (s >= 0) {
        const size = payloadByteLength(m);
        if (size > cap)
          throw new ProxmeshError(
            'PROXMESH_ERR_INTERNAL',
            `threaded sim: node ${i}'s message of ${size} bytes exceeds the ${cap}-byte mailbox slot; run with --threads 1`,
            { node: i, round, phase },
          );
        mailLen[s] = encodePayloadInto(m, mail, s * cap) - s * cap;
      }
    }
    this.barrier.arrive();
    const dim = shared.dim;
    for (const j of this.foreign) {
      const s = shared.slot[j];
      all[j] = decodePayload(mail.subarray(s * cap, s * cap + mailLen[s]), dim);
    }
    return all;
  }
}
