/**
 * Allocation-free BLAS-1 style kernels over Float64Array (stdlib-js habit): every kernel writes into
 * `out`, returns it and never allocates. `out` may alias any input (all kernels are elementwise and
 * read index j before writing index j). Lengths are taken from `out` (or the first input for
 * reductions); callers pass equal-length vectors.
 */

/** out ← x */
export function copy(x: Float64Array, out: Float64Array): Float64Array {
  out.set(x);
  return out;
}

/** out ← c (every entry) */
export function fill(c: number, out: Float64Array): Float64Array {
  out.fill(c);
  return out;
}

/** out ← a·x + y  (daxpy; out may be y) */
export function axpy(a: number, x: Float64Array, y: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = a * x[j] + y[j];
  return out;
}

/** out ← a·x + b·y */
export function axpby(a: number, x: Float64Array, b: number, y: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = a * x[j] + b * y[j];
  return out;
}

/** out ← a·x */
export function scale(a: number, x: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = a * x[j];
  return out;
}

/** out ← x + y */
export function add(x: Float64Array, y: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = x[j] + y[j];
  return out;
}

/** out ← x − y */
export function sub(x: Float64Array, y: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = x[j] - y[j];
  return out;
}

/** out ← x − a·y  (a gradient step x − η·g, rounded exactly as a hand-written `x[j] - eta * g[j]`) */
export function subScaled(x: Float64Array, a: number, y: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = x[j] - a * y[j];
  return out;
}

/** out ← x + a·(y − z)  (a consensus correction x + γ(s − x̲)) */
export function addScaledDiff(x: Float64Array, a: number, y: Float64Array, z: Float64Array, out: Float64Array): Float64Array {
  for (let j = 0; j < out.length; j++) out[j] = x[j] + a * (y[j] - z[j]);
  return out;
}

/** ⟨x, y⟩ */
export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] * y[j];
  return s;
}

/** ‖x‖² */
export function norm2sq(x: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] * x[j];
  return s;
}

/** ‖x‖ */
export function norm2(x: Float64Array): number {
  return Math.sqrt(norm2sq(x));
}

/** ‖x − y‖² */
export function dist2sq(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    const t = x[j] - y[j];
    s += t * t;
  }
  return s;
}

/** max_j |x_j − y_j| (0 for empty vectors) */
export function maxAbsDiff(x: Float64Array, y: Float64Array): number {
  let m = 0;
  for (let j = 0; j < x.length; j++) {
    const t = Math.abs(x[j] - y[j]);
    if (t > m || Number.isNaN(t)) m = t;
  }
  return m;
}

/** out ← (1/m)·Σ_i xs[i] for m = xs.length ≥ 1 (summed in index order, then scaled) */
export function mean(xs: readonly Float64Array[], out: Float64Array): Float64Array {
  out.fill(0);
  for (const x of xs) for (let j = 0; j < out.length; j++) out[j] += x[j];
  const inv = 1 / xs.length;
  for (let j = 0; j < out.length; j++) out[j] *= inv;
  return out;
}
