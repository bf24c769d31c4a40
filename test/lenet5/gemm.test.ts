import { describe, expect, it } from 'vitest';
import { gemm } from '../../node/linalg/gemm.ts';
import { Rng } from '../../node/linalg/rng.ts';

/** C ← α·op(A)·op(B) + β·C by the definition, for comparison. */
function naive(
  tA: boolean,
  tB: boolean,
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
): void {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        const bv = tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        s += av * bv;
      }
      const at = cOff + i * ldc + j;
      c[at] = beta === 0 ? alpha * s : alpha * s + beta * c[at];
    }
}

function rand(rng: Rng, len: number): Float64Array {
  const v = new Float64Array(len);
  for (let i = 0; i < len; i++) v[i] = rng.normal();
  return v;
}

const SIZES = [0, 1, 3, 17, 65];

describe('gemm', () => {
  for (const [tA, tB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`matches the triple loop for op(A)=${tA ? 'Aᵀ' : 'A'}, op(B)=${tB ? 'Bᵀ' : 'B'} over sizes ${SIZES.join(',')} with offsets and padded leading dims`, () => {
      const rng = Rng.derive(1, 0, `gemm-${tA}-${tB}`);
      for (const m of SIZES)
        for (const n of SIZES)
          for (const k of SIZES) {
            if (m === 65 && n === 65 && k === 65 && (tA || tB)) continue; // one 65³ case (NN) is enough per file runtime
            const [ar, ac] = tA ? [k, m] : [m, k];
            const [br, bc] = tB ? [n, k] : [k, n];
            const lda = ac + 2,
              ldb = bc + 1,
              ldc = n + 3;
            const aOff = 5,
              bOff = 2,
              cOff = 7;
            const a = rand(rng, aOff + ar * lda + 1);
            const b = rand(rng, bOff + br * ldb + 1);
            const c0 = rand(rng, cOff + m * ldc + 4);
            const alpha = 0.75,
              beta = (m + n + k) % 2 === 0 ? 1 : -0.5;
            const want = c0.slice();
            naive(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, want, cOff, ldc);
            const got = c0.slice();
            const ret = gemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc);
            expect(ret).toBe(got);
            // Same products, different summation order (tiles): agreement to a few ulps of Σ|terms|.
            let worst = 0;
            for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / ((1 + k) * (1 + Math.abs(want[i]))));
            expect(worst, `m=${m} n=${n} k=${k}`).toBeLessThanOrEqual(1e-13);
            // Padding between rows and around the block is untouched (bitwise).
            let touched = 0;
            for (let i = 0; i < cOff; i++) if (!Object.is(got[i], c0[i])) touched++;
            for (let i = 0; i < m; i++)
              for (let j = n; j < ldc && cOff + i * ldc + j < got.length; j++)
                if (!Object.is(got[cOff + i * ldc + j], c0[cOff + i * ldc + j])) touched++;
            expect(touched).toBe(0);
          }
    });
  }

  it('β = 0 overwrites C without reading it (NaN in C does not leak), as in BLAS', () => {
    const rng = Rng.derive(2, 0, 'gemm-beta0');
    const a = rand(rng, 5 * 6),
      b = rand(rng, 6 * 7);
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const c = new Float64Array(5 * 7).fill(NaN);
      gemm(tA, tB, 5, 7, 6, 1, a, 0, tA ? 5 : 6, b, 0, tB ? 6 : 7, 0, c, 0, 7);
      for (const v of c) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('k = 0 gives C ← β·C and α = 0 never reads A or B', () => {
    const c = Float64Array.of(1, 2, 3, 4);
    gemm(false, false, 2, 2, 0, 1, new Float64Array(0), 0, 0, new Float64Array(0), 0, 2, 3, c, 0, 2);
    expect([...c]).toEqual([3, 6, 9, 12]);
    gemm(false, false, 2, 2, 5, 0, new Float64Array(0), 0, 5, new Float64Array(0), 0, 2, 0, c, 0, 2);
    expect([...c]).toEqual([0, 0, 0, 0]);
  });

  it('computes an exact small product', () => {
    // [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]
    const c = new Float64Array(4);
    gemm(false, false, 2, 2, 2, 1, Float64Array.of(1, 2, 3, 4), 0, 2, Float64Array.of(5, 6, 7, 8), 0, 2, 0, c, 0, 2);
    expect([...c]).toEqual([19, 22, 43, 50]);
    // Aᵀ·B with A = [1 2; 3 4]: [1 3; 2 4]·[5 6; 7 8] = [26 30; 38 44]
    gemm(true, false, 2, 2, 2, 1, Float64Array.of(1, 2, 3, 4), 0, 2, Float64Array.of(5, 6, 7, 8), 0, 2, 0, c, 0, 2);
    expect([...c]).toEqual([26, 30, 38, 44]);
  });
});
