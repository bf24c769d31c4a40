/**
 * float32 twins of conv.ts's im2col and 2×2 max-pooling (same index maps and tie rule; see conv.ts).
 * They only copy and compare, so they are exact, and the WASM im2col (wasm/kernels.wat) equals this
 * one bit for bit. Separate functions rather than a generic one so V8 keeps each monomorphic (a
 * function fed both Float64Array and Float32Array gets slower element access for both).
 */

/** col[(c·kh + ky)·kw + kx, oy·Wo + ox] = x[c, oy+ky, ox+kx]; col is (C·kh·kw) × (Ho·Wo). */
export function im2colF32(
  x: Float32Array,
  xOff: number,
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  col: Float32Array,
  colOff: number,
): Float32Array {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  if (Ho <= 0 || Wo <= 0) return col;
  let r = colOff;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let oy = 0; oy < Ho; oy++) {
          const src = plane + (oy + ky) * W + kx;
          for (let ox = 0; ox < Wo; ox++) col[r + ox] = x[src + ox];
          r += Wo;
        }
      }
    }
  }
  return col;
}

/** 2×2/stride-2 max-pooling with argmax (first maximum in row-major order), as conv.ts maxPool2. */
export function maxPool2F32(
  x: Float32Array,
  xOff: number,
  C: number,
  H: number,
  W: number,
  out: Float32Array,
  outOff: number,
  argIdx: Int32Array,
  idxOff: number,
): Float32Array {
  const Ho = H >> 1;
  const Wo = W >> 1;
  let o = 0;
  for (let c = 0; c < C; c++) {
    const plane = c * H * W;
    for (let oy = 0; oy < Ho; oy++) {
      const r0 = plane + 2 * oy * W;
      const r1 = r0 + W;
      for (let ox = 0; ox < Wo; ox++, o++) {
        const p00 = r0 + 2 * ox;
        let best = p00;
        let v = x[xOff + p00];
        const v01 = x[xOff + p00 + 1];
        if (v01 > v) {
          v = v01;
          best = p00 + 1;
        }
        const p10 = r1 + 2 * ox;
        const v10 = x[xOff + p10];
        if (v10 > v) {
          v = v10;
          best = p10;
        }
        const v11 = x[xOff + p10 + 1];
        if (v11 > v) {
          v = v11;
          best = p10 + 1;
        }
        out[outOff + o] = v;
        argIdx[idxOff + o] = best;
      }
    }
  }
  return out;
}

/** maxPool2F32, then ReLU on the C·(H/2)·(W/2) pooled values (out ← out > 0 ? out : 0). */
export function maxPool2ReluF32(
  x: Float32Array,
  xOff: number,
  C: number,
  H: number,
  W: number,
  out: Float32Array,
  outOff: number,
  argIdx: Int32Array,
  idxOff: number,
): Float32Array {
  maxPool2F32(x, xOff, C, H, W, out, outOff, argIdx, idxOff);
  const end = outOff + C * (H >> 1) * (W >> 1);
  for (let i = outOff; i < end; i++) if (!(out[i] > 0)) out[i] = 0;
  return out;
}
