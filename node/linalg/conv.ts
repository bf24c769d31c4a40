/**
 * Convolution helpers for one sample in CHW layout (channels × height × width, row-major), valid
 * padding, stride 1, plus 2×2/stride-2 max-pooling. A convolution with weight W [Cout, C·kh·kw] is
 * then one GEMM:  out[Cout, Ho·Wo] = W · im2col(x),  and its input gradient is col2im(Wᵀ · dOut).
 * All kernels write into caller-provided arrays at explicit offsets and never allocate.
 */

/**
 * col[(c·kh + ky)·kw + kx, oy·Wo + ox] = x[c, oy+ky, ox+kx], with Ho = H−kh+1, Wo = W−kw+1.
 * col is (C·kh·kw) × (Ho·Wo), row-major, leading dimension Ho·Wo.
 */
export function im2col(
  x: Float64Array,
  xOff: number,
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  col: Float64Array,
  colOff: number,
): Float64Array {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
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

/**
 * The adjoint of im2col: dx[c, oy+ky, ox+kx] = Σ col[(c·kh+ky)·kw+kx, oy·Wo+ox]. Overwrites the
 * C×H×W block of dx at dxOff (zeroes it first), so ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩.
 */
export function col2im(
  col: Float64Array,
  colOff: number,
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  dx: Float64Array,
  dxOff: number,
): Float64Array {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  dx.fill(0, dxOff, dxOff + C * H * W);
  let r = colOff;
  for (let c = 0; c < C; c++) {
    const plane = dxOff + c * H * W;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let oy = 0; oy < Ho; oy++) {
          const dst = plane + (oy + ky) * W + kx;
          for (let ox = 0; ox < Wo; ox++) dx[dst + ox] += col[r + ox];
          r += Wo;
        }
      }
    }
  }
  return dx;
}

/**
 * 2×2 max-pooling, stride 2 (H, W even): out[c, y, x] = max of x[c, 2y..2y+1, 2x..2x+1]. Records
 * in argIdx the position of the maximum relative to xOff (first maximum in row-major order on
 * ties, as PyTorch's CPU kernel), for the backward pass.
 */
export function maxPool2(
  x: Float64Array,
  xOff: number,
  C: number,
  H: number,
  W: number,
  out: Float64Array,
  outOff: number,
  argIdx: Int32Array,
  idxOff: number,
): Float64Array {
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

/**
 * Backward of max-pooling: dx (length inLen at dxOff) is zeroed, then each of the outLen output
 * gradients is routed to its recorded argmax: dx[argIdx[o]] += dOut[o].
 */
export function maxPool2Backward(
  dOut: Float64Array,
  dOutOff: number,
  argIdx: Int32Array,
  idxOff: number,
  outLen: number,
  dx: Float64Array,
  dxOff: number,
  inLen: number,
): Float64Array {
  dx.fill(0, dxOff, dxOff + inLen);
  for (let o = 0; o < outLen; o++) dx[dxOff + argIdx[idxOff + o]] += dOut[dOutOff + o];
  return dx;
}
