/**
 * Selection kernels for top-k: the k-th largest of n magnitudes by quickselect with a three-way
 * partition (median-of-three pivot), O(n) expected, no allocation; and the whole top-k index
 * selection of one block. They are module-level functions on purpose: V8 keeps type feedback and
 * optimised code per closure instance, so a loop inside a closure made per compressor (one per
 * simulated node and channel) would be compiled thousands of times and mostly run unoptimised.
 */

/** k-th largest (1 ≤ k ≤ n) of a[0..n). */
export function kthLargest(a: Float64Array, n: number, k: number): number {
  const r = n - k; // ascending rank
  let lo = 0;
  let hi = n - 1;
  for (;;) {
    if (lo >= hi) return a[lo];
    const mid = lo + ((hi - lo) >> 1);
    const x = a[lo],
      y = a[mid],
      z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let lt = lo,
      i = lo,
      gt = hi;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i] = a[lt];
        a[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt] = v;
        gt--;
      } else i++;
    }
    if (r < lt) hi = lt - 1;
    else if (r > gt) lo = gt + 1;
    else return pivot;
  }
}

/** |v| with NaN mapped to +∞, so NaNs are always selected (and propagate) instead of breaking the order. */
export function magnitude(v: number): number {
  const m = Math.abs(v);
  // Number.POSITIVE_INFINITY, not the global `Infinity`: with that, V8's optimised code boxed m into
  // a fresh heap number on every call (~2 KB of garbage per top-k call at d = 124; 13 % of an
  // n = 1024 run was garbage collection, docs/performance.md §11) and each read was a global lookup
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m;
}

/**
 * Writes the indices off + j of the k largest |x_j| of the block x[off .. off + d) into
 * out[at .. at + k), ascending; entries equal to the k-th largest magnitude τ are taken in
 * ascending index order (ties to the lower index). `mag` and `inOrder` are scratch of length ≥ d:
 * `inOrder` keeps |x_j| in index order; `mag` is the heap (small k) or the quickselect's copy.
 */
export function selectTopk(
  x: Float64Array,
  off: number,
  d: number,
  k: number,
  out: Uint32Array,
  at: number,
  mag: Float64Array,
  inOrder: Float64Array,
): void {
  let tau: number;
  let greater = 0;
  if (k <= HEAP_MAX_K && 4 * k <= d) {
    // one pass fills inOrder and runs the heap; every |x_j| > τ ends in the heap (an entry leaves
    // the heap only as its minimum, which is ≤ the final minimum τ), so the count of entries above
    // τ is taken over the k heap entries instead of the d magnitudes
    tau = blockKthLargestByHeap(x, off, d, k, mag, inOrder);
    for (let j = 0; j < k; j++) if (mag[j] > tau) greater++;
  } else if (d >= RADIX_MIN_N) {
    tau = blockKthLargestByRadix(x, off, d, k, inOrder);
    greater = radixGreater;
  } else {
    for (let j = 0; j < d; j++) inOrder[j] = mag[j] = magnitude(x[off + j]);
    tau = kthLargest(mag, d, k);
    for (let j = 0; j < d; j++) if (inOrder[j] > tau) greater++;
  }
  // Branch-free pass: at large d about a third of the entries are kept in no predictable pattern,
  // so a taken/not-taken branch per entry mispredicts often. out[at] is written for every j and
  // kept only when `at` advances; the loop stops once k indices are out, so no write lands past
  // out[at0 + k − 1].
  let ties = k - greater;
  const end = at + k;
  for (let j = 0; j < d && at < end; j++) {
    const m = inOrder[j];
    const tie = +(m === tau) & +(ties > 0);
    ties -= tie;
    out[at] = off + j;
    at += +(m > tau) | tie;
  }
}

/**
 * kthLargestByHeap over the magnitudes of x[off .. off + d), writing them to inOrder[0 .. d) on
 * the way (one pass instead of two; the same comparisons on the same values, so the same τ).
 */
function blockKthLargestByHeap(x: Float64Array, off: number, d: number, k: number, heap: Float64Array, inOrder: Float64Array): number {
  for (let j = 0; j < k; j++) inOrder[j] = heap[j] = magnitude(x[off + j]);
  for (let j = (k >> 1) - 1; j >= 0; j--) siftDown(heap, k, j);
  for (let j = k; j < d; j++) {
    const m = magnitude(x[off + j]);
    inOrder[j] = m;
    if (m > heap[0]) {
      heap[0] = m;
      siftDown(heap, k, 0);
    }
  }
  return heap[0];
}

/** Up to this k (and k ≤ d/4) the heap beats the quickselect: about d comparisons plus a few sifts. */
const HEAP_MAX_K = 32;

/**
 * k-th largest (1 ≤ k ≤ n) of a[0..n) with a min-heap of the k largest so far in heap[0..k):
 * each later a_j only costs a comparison with the heap's minimum unless it enters. Duplicates count
 * with their multiplicity, as in kthLargest. `a` is not modified.
 */
export function kthLargestByHeap(a: Float64Array, n: number, k: number, heap: Float64Array): number {
  for (let j = 0; j < k; j++) heap[j] = a[j];
  for (let j = (k >> 1) - 1; j >= 0; j--) siftDown(heap, k, j);
  for (let j = k; j < n; j++) {
    if (a[j] > heap[0]) {
      heap[0] = a[j];
      siftDown(heap, k, 0);
    }
  }
  return heap[0];
}

function siftDown(h: Float64Array, k: number, i: number): void {
  const v = h[i];
  for (;;) {
    let c = 2 * i + 1;
    if (c >= k) break;
    if (c + 1 < k && h[c + 1] < h[c]) c++;
    if (h[c] >= v) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = v;
}

/*
 * Radix select: the k-th largest of n non-negative doubles (magnitudes: +0 … +∞, no NaN, no −0
 * sign bit) by one radix pass over the top 16 bits of each value, then the quickselect on the one bucket that holds
 * the k-th largest. For x ≥ 0, IEEE-754 bit patterns order like the values, so bucket
 * b(x) = hi32(x) >>> 16 (11 exponent bits and 4 mantissa bits: 1/16 of a binade) is monotone in x.
 *
 * Why: the quickselect alone costs about 35–50 ns per element at d = 48,000 (branchy three-way
 * partitions, several passes); LeNet5's per-layer top-30 % spends a quarter of a reproduction run
 * there. The counting pass is branch-free, and the bucket left for the quickselect holds a few
 * percent of the block. The value returned is the exact k-th largest, so every caller's selection
 * is bit-identical to the quickselect's (the k-th largest is one value, whatever finds it).
 */

/** From this n on the radix select wins (measured at d = 600: about 1.5× the quickselect's speed). */
export const RADIX_MIN_N = 512;

const BUCKET_SHIFT = 16;
const BUCKETS = 1 << 16;
/** Index of the high 32-bit word of a double in a Uint32Array view (1 on little-endian hosts). */
const HI = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0;

const hist = new Int32Array(BUCKETS);
let bucketOf = new Uint16Array(0);
let candidates = new Float64Array(0);

/** k-th largest (1 ≤ k ≤ n) of a[0..n), a[i] ≥ 0 (+∞ allowed). `a` is not modified. */
export function kthLargestRadix(a: Float64Array, n: number, k: number): number {
  reserveRadix(n);
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  let lo = BUCKETS,
    hi = 0;
  for (let i = 0; i < n; i++) {
    const b = words[2 * i + HI] >>> BUCKET_SHIFT;
    bucketOf[i] = b;
    hist[b]++;
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  return kthInBucket(a, n, k, lo, hi);
}

/** Count of values above the last τ of blockKthLargestByRadix (a second result, without allocating). */
let radixGreater = 0;

/**
 * kthLargestRadix over the magnitudes of x[off .. off + d), written to inOrder[0 .. d), setting
 * radixGreater to the count of magnitudes > τ: those in buckets above τ's plus those above τ in
 * its bucket, so the count needs no further pass over the block.
 */
function blockKthLargestByRadix(x: Float64Array, off: number, d: number, k: number, inOrder: Float64Array): number {
  // two loops, not one: reading a double's high word through the Uint32Array view right after
  // writing the double made the fused loop about twice as slow as the two passes together
  for (let j = 0; j < d; j++) inOrder[j] = magnitude(x[off + j]);
  const tau = kthLargestRadix(inOrder, d, k);
  let inBucketAbove = 0;
  // the quickselect reordered the bucket's values, but a count does not care about order
  for (let i = 0; i < candidateCount; i++) inBucketAbove += +(candidates[i] > tau);
  radixGreater = bucketAbove + inBucketAbove;
  return tau;
}

function reserveRadix(n: number): void {
  if (bucketOf.length < n) {
    bucketOf = new Uint16Array(n);
    candidates = new Float64Array(n);
  }
}

let bucketAbove = 0;
let candidateCount = 0;

/**
 * With hist and bucketOf filled for a[0..n) (bucket range lo..hi): finds the bucket holding the
 * k-th largest, runs the quickselect on its values, and zeroes the histogram's touched range.
 */
function kthInBucket(a: Float64Array, n: number, k: number, lo: number, hi: number): number {
  // walk down from the largest bucket until k values lie in it or above
  let above = 0,
    target = hi;
  while (above + hist[target] < k) above += hist[target--];
  let c = 0;
  for (let i = 0; i < n; i++) {
    // branch-free gather: always write, advance only for the target bucket
    candidates[c] = a[i];
    c += +(bucketOf[i] === target);
  }
  hist.fill(0, lo, hi + 1);
  bucketAbove = above;
  candidateCount = c;
  return kthLargest(candidates, c, k - above);
}
