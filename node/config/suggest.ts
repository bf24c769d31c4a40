/**
 * "Did you mean" for unknown keys: the allowed key nearest to a typo by edit distance
 * (optimal string alignment: insertions, deletions, substitutions and adjacent transpositions,
 * case-insensitive), among the keys allowed at that object level only.
 */

/** Optimal-string-alignment distance between a and b. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  // Three rolling rows: the transposition step looks two rows back.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = new Array<number>(n + 1);
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * The nearest allowed key, or undefined when none is close: within max(2, ⌊|key|/3⌋) edits, so a
 * short typo gets a suggestion and an unrelated word does not. Ties go to the longer common prefix
 * (typos are rarer at the start of a word: 'gama' is 2 edits from both 'name' and 'gammaX'), then to
 * the first key in schema order (the order docs/config.md lists them).
 */
export function nearestKey(key: string, allowed: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(key.length / 3));
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  let bestP = -1;
  for (const k of allowed) {
    const d = editDistance(lower, k.toLowerCase());
    const p = commonPrefix(lower, k.toLowerCase());
    if (d < bestD || (d === bestD && p > bestP)) {
      best = k;
      bestD = d;
      bestP = p;
    }
  }
  return bestD <= limit ? best : undefined;
}
