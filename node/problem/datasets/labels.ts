/**
 * Encoding raw label values (floats as read from the file) into class ids 0..C−1, once over train and
 * test together so both use the same map.
 * - Binary files (≤ 2 distinct values, all in {−1, 0, +1}): class 0 = negative (−1 or 0), 1 = positive.
 * - Otherwise: the distinct values in ascending order map to 0, 1, …, C−1.
 */
export interface EncodedLabels {
  readonly labels: Int32Array[];
  readonly nClasses: number;
  /** classValues[c] = the raw label value of class c. */
  readonly classValues: number[];
}

export function encodeLabels(raws: readonly Float64Array[]): EncodedLabels {
  const distinct = new Set<number>();
  for (const r of raws) for (let i = 0; i < r.length; i++) distinct.add(r[i] === 0 ? 0 : r[i]); // −0 → 0
  const sorted = [...distinct].sort((a, b) => a - b);
  const binary = sorted.length <= 2 && sorted.every((v) => v === -1 || v === 0 || v === 1);
  if (binary) {
    const neg = sorted.includes(-1) ? -1 : 0;
    const labels = raws.map((r) => {
      const out = new Int32Array(r.length);
      for (let i = 0; i < r.length; i++) out[i] = r[i] > 0 ? 1 : 0;
      return out;
    });
    return { labels, nClasses: 2, classValues: [neg, 1] };
  }
  const map = new Map<number, number>();
  for (const [c, v] of sorted.entries()) map.set(v, c);
  const labels = raws.map((r) => {
    const out = new Int32Array(r.length);
    for (let i = 0; i < r.length; i++) out[i] = map.get(r[i] === 0 ? 0 : r[i])!;
    return out;
  });
  return { labels, nClasses: sorted.length, classValues: sorted };
}
