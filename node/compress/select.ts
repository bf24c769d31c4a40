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
  return m === m ? m : Infinity;
}

/**
 * Writes the indices off + j of the k largest |x_j| of the block x[off .. off + d) into
 * out[at .. at + k), ascending; entries equal to the k-th largest magnitude τ are taken in
 * ascending index order (ties to the lower index). `mag` and `inOrder` are scratch of length ≥ d:
 * `mag` is permuted by the quickselect, `inOrder` keeps |x_j| in index order.
 */
export function selectTopk(x: Float64Array, off: number, d: number, k: number, out: Uint32Array, at: number, mag: Float64Array, inOrder: Float64Array): void {
  for (let j = 0; j < d; j++) {
    const m = magnitude(x[off + j]);
    mag[j] = m;
    inOrder[j] = m;
  }
  const tau = kthLargest(mag, d, k);
  let greater = 0;
  for (let j = 0; j < d; j++) if (inOrder[j] > tau) greater++;
  let ties = k - greater;
  for (let j = 0; j < d; j++) {
    const m = inOrder[j];
    if (m > tau || (m === tau && ties-- > 0)) out[at++] = off + j;
  }
}
