/**
 * The study grid: axes (config path → values), zipped groups that vary together, and seeds, expanded
 * into cells. Order is deterministic: groups in the order their first axis appears in `axes`, seeds
 * last; the last group varies fastest. A cell's id is a readable slug of its diff plus a short hash
 * of the diff's canonical JSON, so ids depend only on the cell's values (stable across reruns and
 * across edits of other axes) and are safe as directory names.
 */
import { createHash } from 'node:crypto';
import { ProxmeshError } from '../errors.ts';

/** Paths that vary together; values[j] is the j-th tuple (one value per path). */
export interface AxisGroup {
  readonly paths: readonly string[];
  readonly values: readonly (readonly unknown[])[];
}

export interface GridCell {
  /** Position in the grid (0-based). */
  readonly index: number;
  /** `<slug>-<hash8>`; filesystem-safe. */
  readonly id: string;
  /** Config path → this cell's value, in group order. */
  readonly diff: Readonly<Record<string, unknown>>;
}

export interface GridInput {
  readonly axes: Readonly<Record<string, readonly unknown[]>>;
  readonly zip?: readonly (readonly string[])[];
  readonly seeds?: readonly number[];
}

function configError(message: string, detail: Record<string, unknown>): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_CONFIG', message, detail);
}

/** Axis groups from the study's axes / zip / seeds (errors: PROXMESH_ERR_CONFIG naming the path). */
export function axisGroups(input: GridInput): AxisGroup[] {
  const axes: Record<string, readonly unknown[]> = { ...input.axes };
  if (input.seeds !== undefined) {
    if ('seed' in axes) throw configError('study: give the seeds either as `seeds` or as the axis `seed`, not both', { path: 'seeds' });
    axes.seed = input.seeds;
  }
  const zipOf = new Map<string, number>();
  (input.zip ?? []).forEach((group, g) => {
    for (const p of group) {
      if (!(p in axes))
        throw configError(`study zip[${g}]: "${p}" is not one of the axes (${Object.keys(axes).join(', ') || 'none'})`, {
          path: `zip/${g}`,
          axis: p,
        });
      if (zipOf.has(p))
        throw configError(`study zip[${g}]: axis "${p}" is already zipped in zip[${zipOf.get(p)}]`, { path: `zip/${g}`, axis: p });
      zipOf.set(p, g);
    }
    const lengths = group.map((p) => axes[p].length);
    if (new Set(lengths).size > 1) {
      throw configError(
        `study zip[${g}]: zipped axes need equal numbers of values (${group.map((p, i) => `${p}: ${lengths[i]}`).join(', ')})`,
        { path: `zip/${g}` },
      );
    }
  });
  const groups: AxisGroup[] = [];
  const done = new Set<number>();
  for (const path of Object.keys(axes)) {
    const g = zipOf.get(path);
    if (g === undefined) {
      groups.push({ paths: [path], values: axes[path].map((v) => [v]) });
    } else if (!done.has(g)) {
      done.add(g);
      const paths = input.zip![g];
      groups.push({ paths, values: axes[paths[0]].map((_, j) => paths.map((p) => axes[p][j])) });
    }
  }
  // seeds vary fastest, whatever the key order of `axes`.
  const s = groups.findIndex((gr) => gr.paths.length === 1 && gr.paths[0] === 'seed');
  if (s >= 0 && input.seeds !== undefined) groups.push(...groups.splice(s, 1));
  return groups;
}

/** Number of cells: ∏ over groups of the number of tuples. */
export function gridSize(groups: readonly AxisGroup[]): number {
  return groups.reduce((n, g) => n * g.values.length, 1);
}

/** JSON with object keys sorted (so equal values give equal strings). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** First 8 hex digits of sha256(canonicalJson(diff)). */
export function diffHash(diff: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(diff)).digest('hex').slice(0, 8);
}

/** A value as slug text: scalars as is; objects as kind/name first, then key+value pairs joined by '-'. */
export function slugValue(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(slugValue).join('+')})`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const head = ['kind', 'name'].filter((k) => typeof o[k] === 'string').map((k) => String(o[k]));
    const rest = Object.keys(o).filter((k) => !(['kind', 'name'].includes(k) && typeof o[k] === 'string'));
    const parts = [
      ...head,
      ...rest.map((k) => (typeof o[k] === 'object' && o[k] !== null ? `${k}(${slugValue(o[k])})` : `${k}${slugValue(o[k])}`)),
    ];
    return parts.join('-');
  }
  return String(v);
}

const SLUG_MAX = 160;

/**
 * `path=value,path=value` with characters outside [A-Za-z0-9._=,+()-] replaced by '_', at most 160
 * chars. Adjacent paths with the same parent and equal values merge (zipped channels):
 * compression.x=topk,compression.y=topk → compression.x+y=topk.
 */
export function cellSlug(diff: Readonly<Record<string, unknown>>): string {
  const parts: { parent: string; leaves: string[]; value: string; canon: string }[] = [];
  for (const [p, v] of Object.entries(diff)) {
    const cut = p.lastIndexOf('.');
    const parent = cut < 0 ? '' : p.slice(0, cut + 1);
    const leaf = p.slice(cut + 1);
    const canon = canonicalJson(v);
    const prev = parts[parts.length - 1];
    if (prev !== undefined && prev.parent === parent && prev.canon === canon) prev.leaves.push(leaf);
    else parts.push({ parent, leaves: [leaf], value: slugValue(v), canon });
  }
  const raw = parts.map((q) => `${q.parent}${q.leaves.join('+')}=${q.value}`).join(',') || 'base';
  const safe = raw.replace(/[^A-Za-z0-9._=,+()-]/g, '_').replace(/_+/g, '_');
  return safe.length > SLUG_MAX ? safe.slice(0, SLUG_MAX) : safe;
}

export function cellId(diff: Readonly<Record<string, unknown>>): string {
  return `${cellSlug(diff)}-${diffHash(diff)}`;
}

/** The cross product of the groups (last group fastest), with ids; duplicate cells are an error. */
export function expandGrid(groups: readonly AxisGroup[]): GridCell[] {
  const total = gridSize(groups);
  const cells: GridCell[] = [];
  const seen = new Map<string, { index: number; canon: string }>();
  for (let index = 0; index < total; index++) {
    const diff: Record<string, unknown> = {};
    let rem = index;
    const picks: number[] = new Array(groups.length);
    for (let g = groups.length - 1; g >= 0; g--) {
      picks[g] = rem % groups[g].values.length;
      rem = Math.floor(rem / groups[g].values.length);
    }
    for (const [gi, g] of groups.entries()) for (const [pi, p] of g.paths.entries()) diff[p] = g.values[picks[gi]][pi];
    const id = cellId(diff);
    const hash = id.slice(id.length - 8);
    const canon = canonicalJson(diff);
    const prev = seen.get(hash);
    if (prev !== undefined && prev.canon === canon) {
      throw configError(`study: cells ${prev.index} and ${index} are the same (${canon}); an axis lists a value twice`, { cell: id });
    }
    if (prev !== undefined)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `study: cell id hash collision between ${prev.canon} and ${canon}`, { cell: id });
    seen.set(hash, { index, canon });
    cells.push({ index, id, diff });
  }
  return cells;
}
