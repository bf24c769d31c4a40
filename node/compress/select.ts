/**
 * Selection kernel for top-k: the k-th largest of n magnitudes by quickselect with a three-way
 * partition (median-of-three pivot), O(n) expected, no allocation. Destroys the order of `a`.
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
