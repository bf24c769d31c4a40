import { describe, expect, it } from 'vitest';
import { col2im, im2col, maxPool2, maxPool2Backward } from '../../node/linalg/conv.ts';
import { Rng } from '../../node/linalg/rng.ts';

function rand(rng: Rng, len: number): Float64Array {
  const v = new Float64Array(len);
  for (let i = 0; i < len; i++) v[i] = rng.normal();
  return v;
}

describe('im2col / col2im', () => {
  it('im2col places x[c, oy+ky, ox+kx] at row (c·kh+ky)·kw+kx, column oy·Wo+ox', () => {
    const C = 2,
      H = 5,
      W = 4,
      kh = 3,
      kw = 2,
      Ho = 3,
      Wo = 3;
    const x = new Float64Array(C * H * W).map((_, i) => i + 1);
    const col = im2col(x, 0, C, H, W, kh, kw, new Float64Array(C * kh * kw * Ho * Wo), 0);
    for (let c = 0; c < C; c++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++)
          for (let oy = 0; oy < Ho; oy++)
            for (let ox = 0; ox < Wo; ox++)
              expect(col[((c * kh + ky) * kw + kx) * Ho * Wo + oy * Wo + ox]).toBe(x[(c * H + oy + ky) * W + ox + kx]);
  });

  it('is adjoint to col2im: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩, at offsets, for LeNet5 and odd shapes', () => {
    const rng = Rng.derive(3, 0, 'adjoint');
    for (const [C, H, W, kh, kw] of [
      [1, 28, 28, 5, 5],
      [6, 12, 12, 5, 5],
      [3, 7, 5, 3, 2],
      [2, 4, 4, 4, 4],
      [1, 3, 3, 1, 1],
    ]) {
      const Ho = H - kh + 1,
        Wo = W - kw + 1,
        colLen = C * kh * kw * Ho * Wo;
      const x = rand(rng, 3 + C * H * W);
      const y = rand(rng, 2 + colLen);
      const col = im2col(x, 3, C, H, W, kh, kw, new Float64Array(1 + colLen), 1);
      const back = new Float64Array(4 + C * H * W).fill(99);
      col2im(y, 2, C, H, W, kh, kw, back, 4);
      let lhs = 0,
        rhs = 0;
      for (let i = 0; i < colLen; i++) lhs += col[1 + i] * y[2 + i];
      for (let i = 0; i < C * H * W; i++) rhs += x[3 + i] * back[4 + i];
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * (1 + Math.abs(lhs)));
      expect(col[0]).toBe(0); // writes start at the offset
      for (let i = 0; i < 4; i++) expect(back[i]).toBe(99); // col2im zeroes only its own block
    }
  });
});

describe('maxPool2', () => {
  it('takes the max of each 2×2 window and records its position (first maximum on ties)', () => {
    // one channel 4×4
    const x = Float64Array.of(1, 5, 2, 2, 3, 4, 2, 2, -1, -2, 0, 7, -3, -0.5, 7, 1);
    const out = new Float64Array(4),
      idx = new Int32Array(4);
    maxPool2(x, 0, 1, 4, 4, out, 0, idx, 0);
    expect([...out]).toEqual([5, 2, -0.5, 7]);
    expect([...idx]).toEqual([1, 2, 13, 11]);
  });

  it('handles channels and offsets; the backward pass routes each gradient to its argmax only', () => {
    const rng = Rng.derive(4, 0, 'pool');
    const C = 3,
      H = 6,
      W = 4,
      outLen = C * 3 * 2;
    const x = rand(rng, 2 + C * H * W);
    const out = new Float64Array(1 + outLen),
      idx = new Int32Array(5 + outLen);
    maxPool2(x, 2, C, H, W, out, 1, idx, 5);
    for (let c = 0; c < C; c++)
      for (let oy = 0; oy < 3; oy++)
        for (let ox = 0; ox < 2; ox++) {
          const o = (c * 3 + oy) * 2 + ox;
          const win = [0, 1].flatMap((dy) => [0, 1].map((dx) => (c * H + 2 * oy + dy) * W + 2 * ox + dx));
          const best = win.reduce((bi, i) => (x[2 + i] > x[2 + bi] ? i : bi), win[0]);
          expect(out[1 + o]).toBe(x[2 + best]);
          expect(idx[5 + o]).toBe(best);
        }
    const dOut = rand(rng, outLen);
    const dx = new Float64Array(C * H * W).fill(123);
    maxPool2Backward(dOut, 0, idx, 5, outLen, dx, 0, C * H * W);
    const routed = new Map<number, number>();
    for (let o = 0; o < outLen; o++) routed.set(idx[5 + o], dOut[o]);
    for (let i = 0; i < C * H * W; i++) expect(dx[i]).toBe(routed.get(i) ?? 0);
    // and it is the true derivative: perturbing the argmax input by t moves the output by t
    const t = 1e-3,
      o = 4;
    const x2 = x.slice();
    x2[2 + idx[5 + o]] += t;
    const out2 = new Float64Array(1 + outLen);
    maxPool2(x2, 2, C, H, W, out2, 1, new Int32Array(5 + outLen), 5);
    expect(out2[1 + o] - out[1 + o]).toBeCloseTo(t, 12);
  });
});
