/**
 * Which visual channel carries which grouping key in a study figure, so that every key that
 * separates two series is visible and named in a legend (never two series that look alike):
 * - colour: the `--group-by` key (else the first varying key: the compressor when it varies);
 * - style: the next keys, as a dash pattern on lines and a point shape, while their combinations fit
 *   STYLE_LIMIT combinations;
 * - panel: any keys left, as facets (one panel per combination).
 * A key whose value is fixed by the channels already chosen (e.g. γ zipped with the compressor) adds
 * nothing and gets no channel.
 */

/** One grouping key's value for a seed group, e.g. {key: 'compressor', value: 'topk(0.05)'}. */
export interface Part {
  readonly key: string;
  readonly value: string;
}

export interface EncodingPlan {
  readonly style: readonly string[];
  readonly panel: readonly string[];
}

/** Dash patterns for the style channel (solid first; each distinct at line widths of 1.5–2 px). */
export const DASHES: readonly (readonly number[])[] = [
  [1, 0],
  [7, 3],
  [2, 2],
  [9, 3, 2, 3],
  [1, 4],
  [14, 4],
  [5, 2, 1, 2, 1, 2],
  [3, 5],
];
/** Point shapes for the style channel, in the same order. */
export const SHAPES: readonly string[] = [
  'circle',
  'square',
  'triangle-up',
  'diamond',
  'cross',
  'triangle-down',
  'triangle-right',
  'triangle-left',
];
/** At most this many style combinations on one chart (more dash patterns stop being told apart at a glance); further keys go to panels. */
export const STYLE_LIMIT = 4;

const partValue = (parts: readonly Part[], key: string): string => parts.find((p) => p.key === key)?.value ?? '';

/** The combined value of `keys` in one row ('' for no keys). */
function combo(parts: readonly Part[], keys: readonly string[]): string {
  return keys.map((k) => partValue(parts, k)).join('\u0000');
}

/** True when `key`'s value is a function of the values of `by` over all rows. */
function determined(rows: readonly (readonly Part[])[], colors: readonly string[], by: readonly string[], key: string): boolean {
  const seen = new Map<string, string>();
  return rows.every((r, i) => {
    const k = `${colors[i]}\u0001${combo(r, by)}`;
    const v = partValue(r, key);
    const prev = seen.get(k);
    seen.set(k, v);
    return prev === undefined || prev === v;
  });
}

/**
 * Assigns the keys of `rows` (one Part list per seed group, all listing the same keys) to style and
 * panel, given each row's colour value. Keys keep their order of appearance.
 */
export function planEncodings(rows: readonly (readonly Part[])[], colors: readonly string[]): EncodingPlan {
  const keys = [...new Set(rows.flatMap((r) => r.map((p) => p.key)))];
  const style: string[] = [];
  const panel: string[] = [];
  for (const key of keys) {
    if (determined(rows, colors, [...style, ...panel], key)) continue;
    const n = new Set(rows.map((r) => combo(r, [...style, key]))).size;
    if (n <= STYLE_LIMIT) style.push(key);
    else panel.push(key);
  }
  return { style, panel };
}

/** A readable value for `keys` in one row: the bare value for one key, 'k=v, k=v' for several. */
export function labelFor(parts: readonly Part[], keys: readonly string[]): string {
  if (keys.length === 1) return partValue(parts, keys[0]);
  return keys.map((k) => `${shortKey(k)}=${partValue(parts, k)}`).join(', ');
}

/** Legend / header title for a list of keys ('algorithm.name' → 'algorithm'). */
export function titleFor(keys: readonly string[]): string {
  return keys.map(shortKey).join(', ');
}

/** 'algorithm.name' → 'algorithm', 'topology.kind' → 'topology', other paths unchanged. */
export function shortKey(key: string): string {
  return key.replace(/\.(name|kind)$/, '');
}
