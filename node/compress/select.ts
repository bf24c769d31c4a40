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
    const x = a[lo], y = a[mid], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let lt = lo, i = lo, gt = hi;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i] = a[lt]; a[lt] = v; lt++; i++;
      } else if (v > pivot) {
        a[i] = a[gt]; a[gt] = v; gt--;
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
  // Number.POSITIVE_INFINITY, not the global `Infinity` (nor a module constant): with those, V8's
  // optimised code boxed m into a fresh heap number on every call (~2 KB of garbage per top-k call at
  // d = 124; 13 % of an n = 1024 run was garbage collection, docs/performance.md §10)
  return m === m ? m : Number.POSITIVE_INFINITY;
}

/**
 * Writes the indices off + j of the k largest |x_j| of the block x[off .. off + d) into
 * out[at .. at + k), ascending; entries equal to the k-th largest magnitude τ are taken in
 * ascending index order (ties to the lower index). `mag` and `inOrder` are scratch of length ≥ d:
 * `inOrder` keeps |x_j| in index order; `mag` is the heap (small k) or the quickselect's copy.
 */
export function selectTopk(x: Float64Array, off: number, d: number, k: number, out: Uint32Array, at: number, mag: Float64Array, inOrder: Float64Array): void {
  let tau: number;
  let greater = 0;
  if (k <= HEAP_MAX_K && 4 * k <= d) {
    // one pass fills inOrder and runs the heap; every |x_j| > τ ends in the heap (an entry leaves
    // the heap only as its minimum, which is ≤ the final minimum τ), so the count of entries above
    // τ is taken over the k heap entries instead of the d magnitudes
    tau = blockKthLargestByHeap(x, off, d, k, mag, inOrder);
    for (let j = 0; j < k; j++) if (mag[j] > tau) greater++;
  } else {
    for (let j = 0; j < d; j++) inOrder[j] = mag[j] = magnitude(x[off + j]);
    tau = kthLargest(mag, d, k);
    for (let j = 0; j < d; j++) if (inOrder[j] > tau) greater++;
  }
  let ties = k - greater;
  for (let j = 0; j < d; j++) {
    const m = inOrder[j];
    if (m > tau || (m === tau && ties-- > 0)) out[at++] = off + j;
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
