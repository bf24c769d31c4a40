/**
 * Seeded pseudo-random generator: xoshiro128** (Blackman & Vigna), 32-bit arithmetic only, so the
 * stream is identical on every platform and in every process. All randomness in proxmesh comes from
 * an `Rng` held in state; `Math.random` is never used in `node/` or `topologies/`.
 *
 * Streams are derived from (run seed, node id, purpose) with `Rng.derive`, so a node's minibatch
 * stream does not depend on how many numbers another component drew (simulator and cluster agree).
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  private constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9; // all-zero state is a fixed point
  }

  /** A generator from a 32-bit-safe integer seed (any finite number; it is hashed). */
  static fromSeed(seed: number): Rng {
    return Rng.derive(seed);
  }

  /**
   * A generator for one purpose: `Rng.derive(runSeed, nodeId, 'minibatch')`. Parts are hashed with
   * splitmix32 in order, so different tuples give independent-looking streams.
   */
  static derive(...parts: Array<number | string>): Rng {
    let h = 0x243f6a88;
    for (const part of parts) {
      if (typeof part === 'number') {
        if (!Number.isFinite(part)) throw new RangeError(`Rng.derive: seed part must be finite, got ${part}`);
        // Mix both 32-bit halves of integers up to 2^53 so large seeds are not truncated.
        const hi = Math.floor(part / 4294967296);
        h = splitmix32(h ^ (part >>> 0));
        h = splitmix32(h ^ (hi >>> 0));
      } else {
        for (let i = 0; i < part.length; i++) h = splitmix32(h ^ part.charCodeAt(i));
        h = splitmix32(h ^ 0x5bd1e995);
      }
    }
    const a = splitmix32(h);
    const b = splitmix32(a ^ 0x85ebca6b);
    const c = splitmix32(b ^ 0xc2b2ae35);
    const d = splitmix32(c ^ 0x27d4eb2f);
    return new Rng(a, b, c, d);
  }

  /** Restore from `state()`. */
  static fromState(state: ArrayLike<number>): Rng {
    const r = new Rng(state[0], state[1], state[2], state[3]);
    return r;
  }

  /** The 4×32-bit state (for checkpoints). The cached spare normal is discarded on restore. */
  state(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /**
   * The complete state for a checkpoint: [s0, s1, s2, s3, hasSpare (0/1), spare normal]. Unlike
   * `state()` it keeps the cached spare normal, so `restore(snapshot())` continues the exact stream.
   */
  snapshot(): Float64Array {
    return Float64Array.of(this.s0, this.s1, this.s2, this.s3, this.spareNormal === null ? 0 : 1, this.spareNormal ?? 0);
  }

  /** Overwrites this generator in place with a `snapshot()` (holders keep their reference). */
  restore(snap: ArrayLike<number>): void {
    if (snap.length !== 6) throw new RangeError(`Rng.restore: expected a 6-entry snapshot, got ${snap.length}`);
    this.s0 = snap[0] >>> 0;
    this.s1 = snap[1] >>> 0;
    this.s2 = snap[2] >>> 0;
    this.s3 = snap[3] >>> 0;
    this.spareNormal = snap[4] === 0 ? null : snap[5];
  }

  clone(): Rng {
    const r = new Rng(this.s0, this.s1, this.s2, this.s3);
    r.spareNormal = this.spareNormal;
    return r;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2,
      s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    let n2 = (s2 ^ s0) >>> 0;
    let n3 = (s3 ^ s1) >>> 0;
    const n1 = (s1 ^ n2) >>> 0;
    const n0 = (s0 ^ n3) >>> 0;
    n2 = (n2 ^ t) >>> 0;
    n3 = rotl(n3, 11);
    this.s0 = n0;
    this.s1 = n1;
    this.s2 = n2;
    this.s3 = n3;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). n must be in [1, 2^32]. */
  int(n: number): number {
    if (!(n >= 1 && n <= 4294967296) || !Number.isInteger(n)) throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    if (n === 4294967296) return this.nextU32();
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const v = this.nextU32();
      if (v < limit) return v % n;
    }
  }

  /** Bernoulli(p). */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal N(0,1) by the Marsaglia polar method (pairs cached in state). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return u * m;
      }
    }
  }

  /** Gamma(shape, 1) by Marsaglia–Tsang; used for Dirichlet draws. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`Rng.gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) {
      const u = this.next();
      // `**` is bit-identical to Math.pow in V8 (one ieee754::pow); checked on 4·10⁶ random (u, 1/shape)
      return this.gamma(shape + 1) * (u === 0 ? Number.MIN_VALUE : u) ** (1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32 finaliser: a bijective 32-bit mix. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
