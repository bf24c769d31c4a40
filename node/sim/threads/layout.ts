/**
 * The memory a threaded simulation shares (SharedArrayBuffers, made by the main thread and handed to
 * every worker thread), and the block split. Nodes are split into T contiguous id blocks; thread t
 * owns nodes [bounds[t], bounds[t+1]) with all their state (vectors, Rng, compressors, sampler), so
 * the only shared data is:
 *   - ctl: the barrier (barrier.ts);
 *   - lossSum[i]: Σ of node i's minibatch losses since the previous evaluation point, summed by its
 *     owner in iteration order (the sum run-sim.ts's rows report);
 *   - models[i·d …]: x_i, copied in by its owner at every evaluation point;
 *   - bytes[i], messages[i], edgeBytes[edgeOff[i] + p]: node i's payload bytes and message counts
 *     (self excluded), live; snapBytes/snapMessages: their copies taken at each evaluation point;
 *   - mailboxes: for each exchange e, buffer e mod 2 holds the encoded message (the cluster's payload
 *     codec) of every *boundary* node, a node with a peer in another block; slot[i] is its slot.
 *     Two buffers suffice: buffer e mod 2 is rewritten at exchange e + 2, which no thread starts
 *     before every thread has passed the barrier of exchange e + 1, i.e. finished reading exchange e.
 */
import { payloadByteLength } from '../../codec/payload.ts';
import type { MixingRow } from '../../../topologies/types.ts';
import { CTL_LENGTH } from './barrier.ts';

export interface SharedLayout {
  readonly n: number;
  readonly dim: number;
  readonly threads: number;
  /** bounds[t] = first node of thread t; bounds[T] = n */
  readonly bounds: Int32Array;
  /** bytes per mailbox slot */
  readonly slotBytes: number;
  readonly ctl: Int32Array;
  readonly lossSum: Float64Array;
  readonly models: Float64Array;
  readonly bytes: Float64Array;
  readonly messages: Float64Array;
  readonly snapBytes: Float64Array;
  readonly snapMessages: Float64Array;
  readonly edgeOff: Int32Array;
  readonly edgeBytes: Float64Array;
  /** mailbox slot of node i, −1 when no other block reads its messages */
  readonly slot: Int32Array;
  readonly mail: readonly [Uint8Array, Uint8Array];
  readonly mailLen: readonly [Int32Array, Int32Array];
}

/** bounds[t] = ⌊t·n/T⌋: T contiguous blocks whose sizes differ by at most one. */
export function blockBounds(n: number, threads: number): Int32Array {
  const b = new Int32Array(threads + 1);
  for (let t = 0; t <= threads; t++) b[t] = Math.floor((t * n) / threads);
  return b;
}

function sharedF64(len: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * Math.max(1, len)));
}
function sharedI32(len: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * Math.max(1, len)));
}

/**
 * Room for one message: twice a dense float64 message of dim d (compressed messages are smaller;
 * exchange.ts refuses a larger one with an internal error naming the size).
 */
export function slotBytesFor(dim: number): number {
  return 2 * payloadByteLength({ dim, indices: null, values: { kind: 'float', precision: 'f64', data: new Float64Array(dim) } }) + 64;
}

/** Allocates the shared memory of a run with these rows (main thread). */
export function createSharedLayout(rows: readonly MixingRow[], dim: number, threads: number): SharedLayout {
  const n = rows.length;
  const bounds = blockBounds(n, threads);
  const blockOf = new Int32Array(n);
  for (let t = 0; t < threads; t++) blockOf.fill(t, bounds[t], bounds[t + 1]);
  const edgeOff = sharedI32(n + 1);
  const slot = sharedI32(n);
  let slots = 0;
  for (let i = 0; i < n; i++) {
    const ids = rows[i].ids;
    edgeOff[i + 1] = edgeOff[i] + ids.length;
    let boundary = false;
    for (let p = 0; p < ids.length; p++) if (blockOf[ids[p]] !== blockOf[i]) boundary = true;
    slot[i] = boundary ? slots++ : -1;
  }
  const slotBytes = slotBytesFor(dim);
  const mailbox = () => new Uint8Array(new SharedArrayBuffer(Math.max(1, slots * slotBytes)));
  return {
    n,
    dim,
    threads,
    bounds,
    slotBytes,
    ctl: sharedI32(CTL_LENGTH),
    lossSum: sharedF64(n),
    models: sharedF64(n * dim),
    bytes: sharedF64(n),
    messages: sharedF64(n),
    snapBytes: sharedF64(n),
    snapMessages: sharedF64(n),
    edgeOff,
    edgeBytes: sharedF64(edgeOff[n]),
    slot,
    mail: [mailbox(), mailbox()],
    mailLen: [sharedI32(slots), sharedI32(slots)],
  };
}
