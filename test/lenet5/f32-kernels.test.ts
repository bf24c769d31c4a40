/**
 * The WebAssembly SIMD float32 kernels against the TypeScript reference (node/linalg/gemm-f32.ts and
 * friends). Both round every multiply and add to f32 and sum each output element in ascending p, so
 * the expected relation is EXACT equality of the bits, over every transpose combination, sizes that
 * hit each remainder of the tiles (rows: 4 and 1; columns: 8, 4 and 1), offsets, padded leading
 * dimensions, α/β special cases, zero sizes, A = B aliasing and the panelled transposed-B path.
 */
import { describe, expect, it } from 'vitest';
import { gemm } from '../../node/linalg/gemm.ts';
import { sgemmRef } from '../../node/linalg/gemm-f32.ts';
import { createTsF32Kernels, type F32Kernels } from '../../node/linalg/f32-kernels.ts';
import { createWasmF32Kernels, PACK_FLOATS, wasmSimdAvailable } from '../../node/linalg/wasm/f32-wasm.ts';
import { maxPool2F32 } from '../../node/linalg/conv-f32.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { codeOf } from '../support/error-code.ts';

function fill(rng: Rng, v: Float32Array, zeroFrac = 0): Float32Array {
  for (let i = 0; i < v.length; i++) v[i] = rng.next() < zeroFrac ? 0 : rng.normal();
  return v;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17];

describe('wasm f32 kernels', () => {
  it('this runtime runs WebAssembly SIMD (the f32 models use it)', () => {
    expect(wasmSimdAvailable()).toBe(true);
  });

  it('sgemm: WASM = TypeScript reference bit for bit, all transposes, every tile remainder, offsets, α/β', () => {
    const rng = Rng.derive(11, 0, 'sgemm');
    const wasm = createWasmF32Kernels({ bytes: 4 << 20 });
    const ts = createTsF32Kernels();
    const aW = wasm.f32(600),
      bW = wasm.f32(600),
      cW = wasm.f32(600);
    let cases = 0;
    for (const [alpha, beta] of [
      [1, 0],
      [1, 1],
      [0.5, -1.25],
      [0, 2],
      [-3, 0],
    ] as const) {
      for (const tA of [false, true])
        for (const tB of [false, true]) {
          for (const m of SIZES)
            for (const n of SIZES)
              for (const k of [0, 1, 3, 8, 25]) {
                if ((m + n + k) % 3 !== cases % 3 && m > 2 && n > 2) continue; // thin the grid, keep every remainder
                const aOff = 3,
                  bOff = 1,
                  cOff = 2;
                const lda = (tA ? m : k) + 2,
                  ldb = (tB ? k : n) + 1,
                  ldc = n + 3;
                fill(rng, aW);
                fill(rng, bW, 0.1);
                fill(rng, cW);
                const a = aW.slice(),
                  b = bW.slice(),
                  c = cW.slice();
                sgemmRef(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                wasm.sgemm(tA, tB, m, n, k, alpha, aW, aOff, lda, bW, bOff, ldb, beta, cW, cOff, ldc);
                if (!sameBits(c, cW)) throw new Error(`mismatch tA=${tA} tB=${tB} m=${m} n=${n} k=${k} α=${alpha} β=${beta}`);
                cases++;
              }
        }
    }
    expect(cases).toBeGreaterThan(1000);
    expect(ts.name).toBe('ts');
  });

  it('sgemm reference is a GEMM: within f32 rounding of the f64 product (|err| ≤ 2k·2⁻²⁴·Σ|a||b|)', () => {
    const rng = Rng.derive(11, 1, 'sgemm-f64');
    for (const [tA, tB, m, n, k] of [
      [false, false, 6, 576, 25],
      [false, true, 9, 13, 256],
      [true, false, 10, 84, 64],
      [true, true, 5, 7, 11],
    ] as const) {
      const a = fill(rng, new Float32Array(m * k)),
        b = fill(rng, new Float32Array(k * n));
      const c = sgemmRef(tA, tB, m, n, k, 1, a, 0, tA ? m : k, b, 0, tB ? k : n, 0, new Float32Array(m * n), 0, n);
      const c64 = gemm(
        tA,
        tB,
        m,
        n,
        k,
        1,
        Float64Array.from(a),
        0,
        tA ? m : k,
        Float64Array.from(b),
        0,
        tB ? k : n,
        0,
        new Float64Array(m * n),
        0,
        n,
      );
      const abs = gemm(
        tA,
        tB,
        m,
        n,
        k,
        1,
        Float64Array.from(a, Math.abs),
        0,
        tA ? m : k,
        Float64Array.from(b, Math.abs),
        0,
        tB ? k : n,
        0,
        new Float64Array(m * n),
        0,
        n,
      );
      for (let i = 0; i < m * n; i++) expect(Math.abs(c[i] - c64[i])).toBeLessThanOrEqual(2 * k * 2 ** -24 * abs[i] + 1e-30);
    }
  });

  it('sgemm: β = 0 ignores NaN in C; k = 0 and α = 0 scale C by β; cells outside C are untouched', () => {
    const wasm = createWasmF32Kernels({ bytes: 1 << 16 });
    const a = wasm.f32(64).fill(1),
      b = wasm.f32(64).fill(2),
      c = wasm.f32(64).fill(NaN);
    wasm.sgemm(false, false, 3, 5, 4, 1, a, 0, 4, b, 0, 5, 0, c, 1, 6);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 6; j++) {
        const v = c[1 + i * 6 + j];
        if (j < 5) expect(v).toBe(8);
        else expect(Number.isNaN(v)).toBe(true); // padding column of ldc
      }
    expect(Number.isNaN(c[0])).toBe(true);
    c.fill(3);
    wasm.sgemm(false, false, 2, 2, 0, 1, a, 0, 1, b, 0, 2, 0.5, c, 0, 2);
    expect(Array.from(c.subarray(0, 5))).toEqual([1.5, 1.5, 1.5, 1.5, 3]);
    wasm.sgemm(false, false, 2, 2, 4, 0, a, 0, 4, b, 0, 2, 0, c, 0, 2);
    expect(Array.from(c.subarray(0, 5))).toEqual([0, 0, 0, 0, 3]);
  });

  it('sgemm: A and B may be the same view (read-only aliasing) and give the same bits as separate copies', () => {
    const rng = Rng.derive(11, 2, 'alias');
    const wasm = createWasmF32Kernels({ bytes: 1 << 20 });
    const n = 13,
      k = 9;
    const x = fill(rng, wasm.f32(n * k));
    const c1 = wasm.f32(n * n),
      c2 = new Float32Array(n * n);
    wasm.sgemm(false, true, n, n, k, 1, x, 0, k, x, 0, k, 0, c1, 0, n); // X·Xᵀ
    sgemmRef(false, true, n, n, k, 1, x.slice(), 0, k, x.slice(), 0, k, 0, c2, 0, n);
    expect(sameBits(c1, c2)).toBe(true);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(c1[i * n + j]).toBe(c1[j * n + i]); // symmetric: same order per element
  });

  it('sgemm: a transposed B larger than the pack block runs in column panels with unchanged bits', () => {
    const rng = Rng.derive(11, 3, 'panels');
    const k = Math.floor(PACK_FLOATS / 6) + 5; // fewer than 8 columns fit: panels of ≤ 5 columns
    const m = 3,
      n = 13;
    const wasm = createWasmF32Kernels({ bytes: 4 * (m * k + n * k + m * n) + 256 });
    const a = fill(rng, wasm.f32(m * k)),
      b = fill(rng, wasm.f32(n * k)),
      c = wasm.f32(m * n);
    const ref = sgemmRef(false, true, m, n, k, 1, a.slice(), 0, k, b.slice(), 0, k, 0, new Float32Array(m * n), 0, n);
    wasm.sgemm(false, true, m, n, k, 1, a, 0, k, b, 0, k, 0, c, 0, n);
    expect(sameBits(c, ref)).toBe(true);
  });

  it('im2col: WASM = reference (copies) for LeNet5 and odd shapes, at offsets', () => {
    const rng = Rng.derive(11, 4, 'im2col');
    const wasm = createWasmF32Kernels({ bytes: 1 << 20 });
    const ts = createTsF32Kernels();
    for (const [C, H, W, kh, kw] of [
      [1, 28, 28, 5, 5],
      [6, 12, 12, 5, 5],
      [3, 7, 5, 3, 2],
      [2, 9, 11, 2, 6],
      [1, 3, 3, 1, 1],
      [2, 3, 3, 4, 4],
    ]) {
      const Ho = Math.max(0, H - kh + 1),
        Wo = Math.max(0, W - kw + 1);
      const x = fill(rng, wasm.f32(1 + C * H * W));
      const colW = wasm.f32(2 + C * kh * kw * Ho * Wo + 1).fill(7);
      const colT = colW.slice();
      wasm.im2col(x, 1, C, H, W, kh, kw, colW, 2);
      ts.im2col(x.slice(), 1, C, H, W, kh, kw, colT, 2);
      expect(sameBits(colW, colT)).toBe(true);
      expect(colW[colW.length - 1]).toBe(7);
    }
  });

  it('max-pool + ReLU: WASM = reference, including ties, negatives, −0 and NaN, odd sizes, at offsets', () => {
    const rng = Rng.derive(11, 6, 'pool');
    const wasm = createWasmF32Kernels({ bytes: 1 << 20 });
    const ts = createTsF32Kernels();
    for (const [C, H, W] of [
      [6, 24, 24],
      [16, 8, 8],
      [3, 5, 7],
      [2, 6, 13],
      [1, 4, 19],
      [1, 2, 2],
      [2, 1, 4],
    ]) {
      // vector (4 outputs) and scalar remainders
      const x = wasm.f32(2 + C * H * W);
      for (let i = 0; i < x.length; i++) {
        const u = rng.next();
        x[i] = u < 0.2 ? 1 : u < 0.25 ? -0 : u < 0.27 ? NaN : rng.normal(); // ties of 1, signed zeros, NaN
      }
      const outLen = C * (H >> 1) * (W >> 1);
      const oW = wasm.f32(1 + outLen),
        aW = wasm.i32(1 + outLen);
      const oT = new Float32Array(1 + outLen),
        aT = new Int32Array(1 + outLen);
      wasm.maxPool2Relu(x, 2, C, H, W, oW, 1, aW, 1);
      ts.maxPool2Relu(x.slice(), 2, C, H, W, oT, 1, aT, 1);
      expect(sameBits(oW, oT)).toBe(true);
      expect(Array.from(aW)).toEqual(Array.from(aT));
      for (let i = 1; i <= outLen; i++) expect(oW[i] >= 0).toBe(true);
    }
  });

  it('conv-pool backward (5×5): WASM = reference for both LeNet5 stages and an odd shape; without, with, and with a gated input gradient', () => {
    const rng = Rng.derive(11, 5, 'convpool');
    const wasm = createWasmF32Kernels({ bytes: 1 << 20 });
    const ts = createTsF32Kernels();
    for (const [cin, hin, cout] of [
      [1, 28, 6],
      [6, 12, 16],
      [2, 9, 3],
    ]) {
      const ho = hin - 4,
        ph = ho >> 1,
        ppc = ph * ph;
      const input = fill(rng, wasm.f32(cin * hin * hin));
      const params = fill(rng, wasm.f32(cout * cin * 25 + cout + 3));
      const z = fill(rng, wasm.f32(cout * ho * ho));
      const pooled = wasm.f32(cout * ppc),
        arg = wasm.i32(cout * ppc);
      maxPool2F32(z, 0, cout, ho, ho, pooled, 0, arg, 0);
      const dPool = fill(rng, wasm.f32(cout * ppc), 0.4);
      const gate = fill(rng, wasm.f32(cin * hin * hin), 0.3); // zeros, negatives and positives
      gate[1] = NaN; // counts as ≤ 0
      for (const mode of ['no input gradient', 'input gradient', 'gated input gradient'] as const) {
        const withInput = mode !== 'no input gradient';
        const gated = mode === 'gated input gradient';
        const gW = fill(rng, wasm.f32(params.length)),
          gT = gW.slice();
        const dInW = withInput ? wasm.f32(cin * hin * hin).fill(5) : null;
        const dInT = withInput ? new Float32Array(cin * hin * hin) : null;
        wasm.convPoolBackward5(
          dPool,
          0,
          arg,
          0,
          cout,
          ppc,
          input,
          0,
          cin,
          hin,
          params,
          0,
          cout * cin * 25,
          gW,
          dInW,
          0,
          gated ? gate : null,
          0,
        );
        ts.convPoolBackward5(
          dPool.slice(),
          0,
          arg.slice(),
          0,
          cout,
          ppc,
          input.slice(),
          0,
          cin,
          hin,
          params.slice(),
          0,
          cout * cin * 25,
          gT,
          dInT,
          0,
          gated ? gate.slice() : null,
          0,
        );
        expect(sameBits(gW, gT)).toBe(true);
        if (gated && dInW) {
          let kept = 0;
          for (let i = 0; i < dInW.length; i++)
            if (gate[i] > 0) kept++;
            else expect(Object.is(dInW[i], 0)).toBe(true);
          expect(kept).toBeGreaterThan(0);
        }
        if (dInW && dInT) expect(sameBits(dInW, dInT)).toBe(true);
      }
    }
  });

  it('rejects arrays outside its memory and allocations past its size with PROXMESH_ERR_INTERNAL', () => {
    const wasm: F32Kernels = createWasmF32Kernels({ bytes: 1024 });
    const a = wasm.f32(4);
    expect(codeOf(() => wasm.sgemm(false, false, 1, 1, 1, 1, new Float32Array(4), 0, 1, a, 0, 1, 0, a, 1, 1))).toBe(
      'PROXMESH_ERR_INTERNAL',
    );
    expect(codeOf(() => wasm.f32(1 << 20))).toBe('PROXMESH_ERR_INTERNAL');
  });
});
