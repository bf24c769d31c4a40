/**
 * Storage for the arrays of outgoing messages, carved from small slabs instead of one new typed
 * array per message. A typed array over 64 bytes gets its own off-heap backing store in V8, which
 * is slow to allocate and to collect; at thousands of simulated nodes that dominated the step
 * (docs/performance.md). Every view handed out is fresh and never written again by the slab, so a
 * message stays immutable after `compress` returns (the contract in types.ts): receivers may keep
 * it as long as they like, and a slab is collected once no message views it any more.
 */
export class MessageSlab {
  private f64: Float64Array;
  private fAt = 0;
  private u32: Uint32Array;
  private uAt = 0;

  /** `capacity`: entries per slab (of each kind); one slab holds several messages. */
  constructor(private readonly capacity: number) {
    this.f64 = new Float64Array(0);
    this.u32 = new Uint32Array(0);
  }

  /** A fresh zeroed Float64Array view of length len. */
  floats(len: number): Float64Array {
    if (this.fAt + len > this.f64.length) {
      this.f64 = new Float64Array(Math.max(len, this.capacity));
      this.fAt = 0;
    }
    // the (buffer, byteOffset, length) constructor: cheaper than subarray, which looks up a species constructor
    const v = new Float64Array(this.f64.buffer, this.fAt * 8, len);
    this.fAt += len;
    return v;
  }

  /** A fresh zeroed Uint32Array view of length len. */
  uints(len: number): Uint32Array {
    if (this.uAt + len > this.u32.length) {
      this.u32 = new Uint32Array(Math.max(len, this.capacity));
      this.uAt = 0;
    }
    const v = new Uint32Array(this.u32.buffer, this.uAt * 4, len);
    this.uAt += len;
    return v;
  }
}
