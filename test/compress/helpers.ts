/** Shared helpers for the compressor tests (layouts, random vectors, exact comparisons). */
import type { LayerMap } from '../../node/linalg/layers.ts';
import type { Message } from '../../node/compress/types.ts';
import type { Rng } from '../../node/linalg/rng.ts';

/** Layers of the given sizes tiling [0, Σ sizes). */
export function layersOf(sizes: readonly number[]): LayerMap {
  let off = 0;
  return sizes.map((n, t) => {
    const l = { name: `L${t}`, offset: off, length: n, shape: [n] };
    off += n;
    return l;
  });
}

/** Layers of the given shapes (product of each shape = its length) tiling [0, Σ lengths). */
export function matrixLayers(shapes: readonly (readonly number[])[]): LayerMap {
  let off = 0;
  return shapes.map((shape, t) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const l = { name: `M${t}`, offset: off, length: n, shape: [...shape] };
    off += n;
    return l;
  });
}

export function dimOf(layers: LayerMap): number {
  return layers.reduce((s, l) => s + l.length, 0);
}

export function randomVector(rng: Rng, n: number, scale = 1): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = scale * rng.normal();
  return v;
}

export function sumSq(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

export function distSq(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/** First index where a and b differ bitwise (Object.is), or -1. */
export function firstBitDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** A plain deep copy of a message (typed arrays → arrays) for equality checks. */
export function snapshot(m: Message): unknown {
  const v = m.values;
  return {
    dim: m.dim,
    indices: m.indices === null ? null : Array.from(m.indices),
    values:
      v.kind === 'float'
        ? { kind: v.kind, precision: v.precision, data: Array.from(v.data) }
        : v.kind === 'levels'
          ? {
              kind: v.kind,
              s: v.s,
              scalePrecision: v.scalePrecision,
              blockStarts: Array.from(v.blockStarts),
              scales: Array.from(v.scales),
              levels: Array.from(v.levels),
            }
          : v.kind === 'pow2'
            ? { kind: v.kind, emin: v.emin, codes: Array.from(v.codes) }
            : { kind: v.kind, precision: v.precision, segments: Array.from(v.segments), data: Array.from(v.data) },
  };
}
