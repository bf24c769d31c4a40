/**
 * float32 GEMM, the pure-TypeScript REFERENCE for the WebAssembly SIMD kernel (wasm/kernels.wat).
 * Same calling convention as gemm.ts (row-major, BLAS semantics, explicit offsets and leading
 * dimensions, in elements):  C ← α·op(A)·op(B) + β·C.
 *
 * IEEE single-precision semantics are emulated exactly with Math.fround: every element of C is
 * accumulated from 0 in ascending p with one rounding per multiply and per add,
 *   s ← fl32(s + fl32(a·b)),   c ← fl32(fl32(α·s) + fl32(β·c))   (β = 0: c ← fl32(α·s), c not read),
 * (a product of two f32 is exact in f64 and a sum of two f32 rounded to f64 then to f32 is correctly
 * rounded, so fround gives the f32 result). The WASM kernel performs the same operations in the same
 * order per element (it vectorises over j, never over p, and never fuses a multiply-add), so the two
 * agree bit for bit; test/lenet5/f32-kernels.test.ts checks that.
 *
 * Aliasing: A and B may be the same array (both are only read); C must not overlap A or B.
 * No allocation.
 */
const fr = Math.fround;

/** C ← α·op(A)·op(B) + β·C on Float32Array. Positional arguments: this is an inner kernel. */
export function sgemmRef(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
): Float32Array {
  if (m <= 0 || n <= 0) return c;
  const al = fr(alpha),
    be = fr(beta);
  if (k <= 0 || al === 0) {
    scaleC32(m, n, be, c, cOff, ldc);
    return c;
  }
  // Element strides of op(A)(i, p) and op(B)(p, j).
  const ai = transA ? 1 : lda,
    ap = transA ? lda : 1;
  const bp = transB ? 1 : ldb,
    bj = transB ? ldb : 1;
  for (let i = 0; i < m; i++) {
    const aRow = aOff + i * ai;
    const cRow = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      let s = 0;
      let pa = aRow,
        pb = bOff + j * bj;
      for (let p = 0; p < k; p++, pa += ap, pb += bp) s = fr(s + fr(a[pa] * b[pb]));
      const at = cRow + j;
      c[at] = be === 0 ? fr(al * s) : fr(fr(al * s) + fr(be * c[at]));
    }
  }
  return c;
}

/** C ← β·C (β = 0 writes zeros without reading C, as BLAS). */
export function scaleC32(m: number, n: number, beta: number, c: Float32Array, cOff: number, ldc: number): void {
  const be = fr(beta);
  for (let i = 0; i < m; i++) {
    const r = cOff + i * ldc;
    if (be === 0) c.fill(0, r, r + n);
    else if (be !== 1) for (let j = 0; j < n; j++) c[r + j] = fr(be * c[r + j]);
  }
}
