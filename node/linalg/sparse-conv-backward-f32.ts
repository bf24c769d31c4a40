/**
 * float32 reference of the pooling-sparse conv backward (node/problem/models/lenet5/
 * sparse-conv-backward.ts has the maths and the f64 version). Same loops and order; every multiply and add is rounded to f32 (Math.fround, or a
 * store into the Float32Array), which is exactly what `conv_pool_bwd5` in linalg/wasm/kernels.wat
 * computes, so the TypeScript and WASM kernels agree bit for bit. Kernel side 5 only.
 * With `gate` (and dIn), dIn is then zeroed where gate ≤ 0 (the ReLU derivative of the layer below,
 * from its post-ReLU activation; NaN counts as ≤ 0).
 */
const fr = Math.fround;
const KS = 5;

export function sparseConvPoolBackwardF32(
  dPool: Float32Array,
  dOff: number,
  argIdx: Int32Array,
  idxOff: number,
  cout: number,
  pooledPerChannel: number,
  input: Float32Array,
  inOff: number,
  cin: number,
  hin: number,
  x: Float32Array,
  wOff: number,
  bOff: number,
  g: Float32Array,
  dIn: Float32Array | null,
  dInOff: number,
  gate: Float32Array | null,
  gateOff: number,
): void {
  const ho = hin - KS + 1;
  const plane = ho * ho;
  const inPlane = hin * hin;
  const kk = KS * KS;
  if (dIn !== null) dIn.fill(0, dInOff, dInOff + cin * inPlane);
  for (let co = 0; co < cout; co++) {
    let db = 0;
    const wCo = wOff + co * cin * kk;
    for (let o = 0; o < pooledPerChannel; o++) {
      const at = co * pooledPerChannel + o;
      const d = dPool[dOff + at];
      if (d === 0) continue;
      db = fr(db + d);
      const local = argIdx[idxOff + at] - co * plane;
      const oy = (local / ho) | 0;
      const ox = local - oy * ho;
      for (let ci = 0; ci < cin; ci++) {
        const w0 = wCo + ci * kk;
        const i0 = inOff + ci * inPlane + oy * hin + ox;
        for (let ky = 0; ky < KS; ky++) {
          const w = w0 + ky * KS;
          const i = i0 + ky * hin;
          // g[·] + fr(d·in) is formed in f64 and rounded once by the Float32Array store: = fl32(g + fl32(d·in)).
          g[w] += fr(d * input[i]);
          g[w + 1] += fr(d * input[i + 1]);
          g[w + 2] += fr(d * input[i + 2]);
          g[w + 3] += fr(d * input[i + 3]);
          g[w + 4] += fr(d * input[i + 4]);
        }
      }
      if (dIn !== null) {
        for (let ci = 0; ci < cin; ci++) {
          const w0 = wCo + ci * kk;
          const i0 = dInOff + ci * inPlane + oy * hin + ox;
          for (let ky = 0; ky < KS; ky++) {
            const w = w0 + ky * KS;
            const i = i0 + ky * hin;
            dIn[i] += fr(d * x[w]);
            dIn[i + 1] += fr(d * x[w + 1]);
            dIn[i + 2] += fr(d * x[w + 2]);
            dIn[i + 3] += fr(d * x[w + 3]);
            dIn[i + 4] += fr(d * x[w + 4]);
          }
        }
      }
    }
    g[bOff + co] += db;
  }
  if (dIn !== null && gate !== null) {
    const len = cin * inPlane;
    for (let i = 0; i < len; i++) if (!(gate[gateOff + i] > 0)) dIn[dInOff + i] = 0;
  }
}
