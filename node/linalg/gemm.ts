/**
 * Dense matrix product on Float64Array, BLAS dgemm semantics in the "ndarray" calling style of
 * stdlib-js (explicit offsets and leading dimensions), row-major:
 *
 *   C ← α·op(A)·op(B) + β·C,   op(A) is m×k, op(B) is k×n, C is m×n,
 *
 * with op(X) = X or Xᵀ. Element (i, j) of C lives at c[cOff + i·ldc + j]; A (untransposed) is m×k
 * at a[aOff + i·lda + p], transposed it is stored k×m at a[aOff + p·lda + i]; likewise B.
 *
 * V8 does not vectorise, so speed comes from register tiles: each kernel keeps a 4×4 (or 4×2) block
 * of C in locals and streams k, which turns one load per multiply-add into ½ (4×4) or ¾ (4×2).
 * β = 0 overwrites C without reading it (NaN in C is ignored, as in BLAS). No allocation.
 */

/** C ← α·op(A)·op(B) + β·C. Positional arguments on purpose: this is the innermost kernel. */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): Float64Array {
  if (m <= 0 || n <= 0) return c;
  if (k <= 0 || alpha === 0) {
    scaleC(m, n, beta, c, cOff, ldc);
    return c;
  }
  if (!transA && !transB) gemmNN(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  else if (transA && !transB) gemmTN(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  else if (!transA && transB) gemmNT(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  else gemmTT(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  return c;
}

function scaleC(m: number, n: number, beta: number, c: Float64Array, cOff: number, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const r = cOff + i * ldc;
    if (beta === 0) c.fill(0, r, r + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[r + j] *= beta;
  }
}

/** Store one accumulated value: c = α·s + β·c (β = 0 does not read c). */
function put(c: Float64Array, at: number, s: number, alpha: number, beta: number): void {
  c[at] = beta === 0 ? alpha * s : alpha * s + beta * c[at];
}

/**
 * C = A·B. 4×4 tiles: per p, 4 strided loads of A (column p of 4 rows) and 4 contiguous loads of B
 * (row p), 16 multiply-adds.
 */
function gemmNN(
  m: number, n: number, k: number, alpha: number,
  a: Float64Array, aOff: number, lda: number,
  b: Float64Array, bOff: number, ldb: number,
  beta: number, c: Float64Array, cOff: number, ldc: number,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < m4; i += 4) {
    const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    let j = 0;
    for (; j < n4; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, bp += ldb) {
        const b0 = b[bp], b1 = b[bp + 1], b2 = b[bp + 2], b3 = b[bp + 3];
        const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
        s00 += x0 * b0; s01 += x0 * b1; s02 += x0 * b2; s03 += x0 * b3;
        s10 += x1 * b0; s11 += x1 * b1; s12 += x1 * b2; s13 += x1 * b3;
        s20 += x2 * b0; s21 += x2 * b1; s22 += x2 * b2; s23 += x2 * b3;
        s30 += x3 * b0; s31 += x3 * b1; s32 += x3 * b2; s33 += x3 * b3;
      }
      put(c, c0 + j, s00, alpha, beta); put(c, c0 + j + 1, s01, alpha, beta); put(c, c0 + j + 2, s02, alpha, beta); put(c, c0 + j + 3, s03, alpha, beta);
      put(c, c1 + j, s10, alpha, beta); put(c, c1 + j + 1, s11, alpha, beta); put(c, c1 + j + 2, s12, alpha, beta); put(c, c1 + j + 3, s13, alpha, beta);
      put(c, c2 + j, s20, alpha, beta); put(c, c2 + j + 1, s21, alpha, beta); put(c, c2 + j + 2, s22, alpha, beta); put(c, c2 + j + 3, s23, alpha, beta);
      put(c, c3 + j, s30, alpha, beta); put(c, c3 + j + 1, s31, alpha, beta); put(c, c3 + j + 2, s32, alpha, beta); put(c, c3 + j + 3, s33, alpha, beta);
    }
    for (; j < n; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, bp += ldb) {
        const bv = b[bp];
        s0 += a[a0 + p] * bv; s1 += a[a1 + p] * bv; s2 += a[a2 + p] * bv; s3 += a[a3 + p] * bv;
      }
      put(c, c0 + j, s0, alpha, beta); put(c, c1 + j, s1, alpha, beta); put(c, c2 + j, s2, alpha, beta); put(c, c3 + j, s3, alpha, beta);
    }
  }
  if (i + 2 <= m) {
    // 2-row remainder (e.g. conv1's 6 output channels = 4 + 2): 2×4 tiles, B row loaded once for both.
    const a0 = aOff + i * lda, a1 = a0 + lda;
    const c0 = cOff + i * ldc, c1 = c0 + ldc;
    let j = 0;
    for (; j < n4; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, bp += ldb) {
        const b0 = b[bp], b1 = b[bp + 1], b2 = b[bp + 2], b3 = b[bp + 3];
        const x0 = a[a0 + p], x1 = a[a1 + p];
        s00 += x0 * b0; s01 += x0 * b1; s02 += x0 * b2; s03 += x0 * b3;
        s10 += x1 * b0; s11 += x1 * b1; s12 += x1 * b2; s13 += x1 * b3;
      }
      put(c, c0 + j, s00, alpha, beta); put(c, c0 + j + 1, s01, alpha, beta); put(c, c0 + j + 2, s02, alpha, beta); put(c, c0 + j + 3, s03, alpha, beta);
      put(c, c1 + j, s10, alpha, beta); put(c, c1 + j + 1, s11, alpha, beta); put(c, c1 + j + 2, s12, alpha, beta); put(c, c1 + j + 3, s13, alpha, beta);
    }
    for (; j < n; j++) {
      let s0 = 0, s1 = 0;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, bp += ldb) {
        const bv = b[bp];
        s0 += a[a0 + p] * bv; s1 += a[a1 + p] * bv;
      }
      put(c, c0 + j, s0, alpha, beta); put(c, c1 + j, s1, alpha, beta);
    }
    i += 2;
  }
  for (; i < m; i++) {
    const a0 = aOff + i * lda;
    const c0 = cOff + i * ldc;
    let j = 0;
    for (; j < n4; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, bp += ldb) {
        const x = a[a0 + p];
        s0 += x * b[bp]; s1 += x * b[bp + 1]; s2 += x * b[bp + 2]; s3 += x * b[bp + 3];
      }
      put(c, c0 + j, s0, alpha, beta); put(c, c0 + j + 1, s1, alpha, beta); put(c, c0 + j + 2, s2, alpha, beta); put(c, c0 + j + 3, s3, alpha, beta);
    }
    for (; j < n; j++) {
      let s = 0;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, bp += ldb) s += a[a0 + p] * b[bp];
      put(c, c0 + j, s, alpha, beta);
    }
  }
}

/**
 * C = Aᵀ·B with A stored k×m: the outer-product form, both loads contiguous (row p of A and of B).
 */
function gemmTN(
  m: number, n: number, k: number, alpha: number,
  a: Float64Array, aOff: number, lda: number,
  b: Float64Array, bOff: number, ldb: number,
  beta: number, c: Float64Array, cOff: number, ldc: number,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < m4; i += 4) {
    const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    let j = 0;
    for (; j < n4; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let ap = aOff + i;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, ap += lda, bp += ldb) {
        const b0 = b[bp], b1 = b[bp + 1], b2 = b[bp + 2], b3 = b[bp + 3];
        const x0 = a[ap], x1 = a[ap + 1], x2 = a[ap + 2], x3 = a[ap + 3];
        s00 += x0 * b0; s01 += x0 * b1; s02 += x0 * b2; s03 += x0 * b3;
        s10 += x1 * b0; s11 += x1 * b1; s12 += x1 * b2; s13 += x1 * b3;
        s20 += x2 * b0; s21 += x2 * b1; s22 += x2 * b2; s23 += x2 * b3;
        s30 += x3 * b0; s31 += x3 * b1; s32 += x3 * b2; s33 += x3 * b3;
      }
      put(c, c0 + j, s00, alpha, beta); put(c, c0 + j + 1, s01, alpha, beta); put(c, c0 + j + 2, s02, alpha, beta); put(c, c0 + j + 3, s03, alpha, beta);
      put(c, c1 + j, s10, alpha, beta); put(c, c1 + j + 1, s11, alpha, beta); put(c, c1 + j + 2, s12, alpha, beta); put(c, c1 + j + 3, s13, alpha, beta);
      put(c, c2 + j, s20, alpha, beta); put(c, c2 + j + 1, s21, alpha, beta); put(c, c2 + j + 2, s22, alpha, beta); put(c, c2 + j + 3, s23, alpha, beta);
      put(c, c3 + j, s30, alpha, beta); put(c, c3 + j + 1, s31, alpha, beta); put(c, c3 + j + 2, s32, alpha, beta); put(c, c3 + j + 3, s33, alpha, beta);
    }
    for (; j < n; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ap = aOff + i;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, ap += lda, bp += ldb) {
        const bv = b[bp];
        s0 += a[ap] * bv; s1 += a[ap + 1] * bv; s2 += a[ap + 2] * bv; s3 += a[ap + 3] * bv;
      }
      put(c, c0 + j, s0, alpha, beta); put(c, c1 + j, s1, alpha, beta); put(c, c2 + j, s2, alpha, beta); put(c, c3 + j, s3, alpha, beta);
    }
  }
  for (; i < m; i++) {
    const c0 = cOff + i * ldc;
    let j = 0;
    for (; j < n4; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ap = aOff + i;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, ap += lda, bp += ldb) {
        const x = a[ap];
        s0 += x * b[bp]; s1 += x * b[bp + 1]; s2 += x * b[bp + 2]; s3 += x * b[bp + 3];
      }
      put(c, c0 + j, s0, alpha, beta); put(c, c0 + j + 1, s1, alpha, beta); put(c, c0 + j + 2, s2, alpha, beta); put(c, c0 + j + 3, s3, alpha, beta);
    }
    for (; j < n; j++) {
      let s = 0;
      let ap = aOff + i;
      let bp = bOff + j;
      for (let p = 0; p < k; p++, ap += lda, bp += ldb) s += a[ap] * b[bp];
      put(c, c0 + j, s, alpha, beta);
    }
  }
}

/**
 * C = A·Bᵀ with B stored n×k: dot products of rows, both contiguous. 2×4 tiles (8 independent
 * accumulation chains hide the add latency; 6 loads per 8 multiply-adds).
 */
function gemmNT(
  m: number, n: number, k: number, alpha: number,
  a: Float64Array, aOff: number, lda: number,
  b: Float64Array, bOff: number, ldb: number,
  beta: number, c: Float64Array, cOff: number, ldc: number,
): void {
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < m2; i += 2) {
    const a0 = aOff + i * lda, a1 = a0 + lda;
    const c0 = cOff + i * ldc, c1 = c0 + ldc;
    let j = 0;
    for (; j < n4; j += 4) {
      const b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p], x1 = a[a1 + p];
        const y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p], y3 = b[b3 + p];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      put(c, c0 + j, s00, alpha, beta); put(c, c0 + j + 1, s01, alpha, beta); put(c, c0 + j + 2, s02, alpha, beta); put(c, c0 + j + 3, s03, alpha, beta);
      put(c, c1 + j, s10, alpha, beta); put(c, c1 + j + 1, s11, alpha, beta); put(c, c1 + j + 2, s12, alpha, beta); put(c, c1 + j + 3, s13, alpha, beta);
    }
    for (; j < n; j++) {
      const b0 = bOff + j * ldb;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < k; p++) {
        const y = b[b0 + p];
        s0 += a[a0 + p] * y; s1 += a[a1 + p] * y;
      }
      put(c, c0 + j, s0, alpha, beta); put(c, c1 + j, s1, alpha, beta);
    }
  }
  for (; i < m; i++) {
    const a0 = aOff + i * lda;
    const c0 = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      const b0 = bOff + j * ldb;
      let s0 = 0, s1 = 0;
      let p = 0;
      for (; p + 1 < k; p += 2) {
        s0 += a[a0 + p] * b[b0 + p];
        s1 += a[a0 + p + 1] * b[b0 + p + 1];
      }
      if (p < k) s0 += a[a0 + p] * b[b0 + p];
      put(c, c0 + j, s0 + s1, alpha, beta);
    }
  }
}

/** C = Aᵀ·Bᵀ: not on any hot path; plain loops. */
function gemmTT(
  m: number, n: number, k: number, alpha: number,
  a: Float64Array, aOff: number, lda: number,
  b: Float64Array, bOff: number, ldb: number,
  beta: number, c: Float64Array, cOff: number, ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOff + p * lda + i] * b[bOff + j * ldb + p];
      put(c, cOff + i * ldc + j, s, alpha, beta);
    }
  }
}
