/**
 * A deliberately plain LeNet5 (direct 6-deep convolution loops, one sample at a time, fresh arrays
 * per sample) sharing only the parameter layout with the fast engine. It is the yardstick in
 * bench/lenet5.bench.ts and an independent oracle in the tests; never used for training.
 */
import { LENET5_DIM, OFF } from './layout.ts';

/** images: n × 784 row-major. Returns the mean loss; grad (length 44,426) ← mean gradient. */
export function naiveLenet5LossGrad(
  x: Float64Array,
  images: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  grad: Float64Array,
): number {
  grad.fill(0);
  let loss = 0;
  for (let s = 0; s < n; s++) loss += sample(x, images, s * 784, labels[s], grad);
  for (let i = 0; i < LENET5_DIM; i++) grad[i] /= n;
  return loss / n;
}

function conv(x: Float64Array, cin: number, h: number, w: Float64Array, wOff: number, bOff: number, cout: number): Float64Array {
  const ho = h - 4;
  const out = new Float64Array(cout * ho * ho);
  for (let co = 0; co < cout; co++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < ho; ox++) {
        let t = w[bOff + co];
        for (let ci = 0; ci < cin; ci++)
          for (let ky = 0; ky < 5; ky++)
            for (let kx = 0; kx < 5; kx++) t += w[wOff + ((co * cin + ci) * 5 + ky) * 5 + kx] * x[(ci * h + oy + ky) * h + ox + kx];
        out[(co * ho + oy) * ho + ox] = t > 0 ? t : 0;
      }
  return out;
}

function convBack(
  x: Float64Array,
  cin: number,
  h: number,
  w: Float64Array,
  wOff: number,
  bOff: number,
  cout: number,
  dz: Float64Array,
  g: Float64Array,
  dx: Float64Array | null,
): void {
  const ho = h - 4;
  for (let co = 0; co < cout; co++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < ho; ox++) {
        const d = dz[(co * ho + oy) * ho + ox];
        if (d === 0) continue;
        g[bOff + co] += d;
        for (let ci = 0; ci < cin; ci++)
          for (let ky = 0; ky < 5; ky++)
            for (let kx = 0; kx < 5; kx++) {
              const wi = wOff + ((co * cin + ci) * 5 + ky) * 5 + kx;
              const xi = (ci * h + oy + ky) * h + ox + kx;
              g[wi] += d * x[xi];
              if (dx) dx[xi] += d * w[wi];
            }
      }
}

function pool(a: Float64Array, c: number, h: number): [Float64Array, Int32Array] {
  const ho = h / 2;
  const out = new Float64Array(c * ho * ho);
  const arg = new Int32Array(c * ho * ho);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < ho; y++)
      for (let x = 0; x < ho; x++) {
        let best = -Infinity,
          bi = -1;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const i = (ch * h + 2 * y + dy) * h + 2 * x + dx;
            if (a[i] > best) {
              best = a[i];
              bi = i;
            }
          }
        out[(ch * ho + y) * ho + x] = best;
        arg[(ch * ho + y) * ho + x] = bi;
      }
  return [out, arg];
}

function dense(xin: Float64Array, w: Float64Array, wOff: number, bOff: number, nout: number, relu: boolean): Float64Array {
  const nin = xin.length;
  const out = new Float64Array(nout);
  for (let o = 0; o < nout; o++) {
    let t = w[bOff + o];
    for (let i = 0; i < nin; i++) t += w[wOff + o * nin + i] * xin[i];
    out[o] = relu && t < 0 ? 0 : t;
  }
  return out;
}

function denseBack(xin: Float64Array, w: Float64Array, wOff: number, bOff: number, dout: Float64Array, g: Float64Array): Float64Array {
  const nin = xin.length;
  const dx = new Float64Array(nin);
  for (let o = 0; o < dout.length; o++) {
    const d = dout[o];
    g[bOff + o] += d;
    for (let i = 0; i < nin; i++) {
      g[wOff + o * nin + i] += d * xin[i];
      dx[i] += d * w[wOff + o * nin + i];
    }
  }
  return dx;
}

function sample(w: Float64Array, images: ArrayLike<number>, off: number, y: number, g: Float64Array): number {
  const img = new Float64Array(784);
  for (let i = 0; i < 784; i++) img[i] = images[off + i];
  const a1 = conv(img, 1, 28, w, OFF.w1, OFF.b1, 6);
  const [p1, i1] = pool(a1, 6, 24);
  const a2 = conv(p1, 6, 12, w, OFF.w2, OFF.b2, 16);
  const [p2, i2] = pool(a2, 16, 8);
  const h1 = dense(p2, w, OFF.w3, OFF.b3, 120, true);
  const h2 = dense(h1, w, OFF.w4, OFF.b4, 84, true);
  const z = dense(h2, w, OFF.w5, OFF.b5, 10, false);
  let mx = -Infinity;
  for (const v of z) mx = Math.max(mx, v);
  let se = 0;
  for (const v of z) se += Math.exp(v - mx);
  const lse = mx + Math.log(se);
  const dz = z.map((v) => Math.exp(v - lse));
  dz[y] -= 1;
  const dh2 = denseBack(h2, w, OFF.w5, OFF.b5, dz, g).map((d, i) => (h2[i] > 0 ? d : 0));
  const dh1 = denseBack(h1, w, OFF.w4, OFF.b4, dh2, g).map((d, i) => (h1[i] > 0 ? d : 0));
  const dp2 = denseBack(p2, w, OFF.w3, OFF.b3, dh1, g);
  const da2 = new Float64Array(a2.length);
  for (let i = 0; i < dp2.length; i++) if (p2[i] > 0) da2[i2[i]] += dp2[i];
  const dp1 = new Float64Array(p1.length);
  convBack(p1, 6, 12, w, OFF.w2, OFF.b2, 16, da2, g, dp1);
  const da1 = new Float64Array(a1.length);
  for (let i = 0; i < dp1.length; i++) if (p1[i] > 0) da1[i1[i]] += dp1[i];
  convBack(img, 1, 28, w, OFF.w1, OFF.b1, 6, da1, g, null);
  return lse - z[y];
}
