/**
 * LeNet5 in float32 (precision: f32): the WASM and TypeScript kernel sets give the same bits, the f32
 * model agrees with the f64 model to f32 accuracy, gradients are f32 values, runs are repeatable, and
 * chunking does not change the mean beyond rounding.
 */
import { describe, expect, it } from 'vitest';
import { createLenet5 } from '../../node/problem/models/lenet5.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { randomImages } from './fixtures.ts';
import { codeOf } from '../support/error-code.ts';

function bitsEqual(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('LeNet5 f32', () => {
  const data = randomImages(70, 5, true);
  const idx = Int32Array.from({ length: 37 }, (_, i) => (i * 13) % 70);

  it('WASM and TypeScript kernels give identical loss, gradient and accuracy bits, across chunk sizes', () => {
    for (const maxChunk of [256, 8, 5]) {
      const wasm = createLenet5({ precision: 'f32', kernels: 'wasm', maxChunk });
      const ts = createLenet5({ precision: 'f32', kernels: 'ts', maxChunk });
      const x = wasm.initRandom(Rng.derive(1, -1, 'init'), new Float64Array(wasm.dim));
      const gw = new Float64Array(wasm.dim),
        gt = new Float64Array(wasm.dim);
      expect(wasm.lossGrad(x, data, idx, gw)).toBe(ts.lossGrad(x, data, idx, gt));
      expect(bitsEqual(gw, gt)).toBe(true);
      expect(wasm.loss(x, data, null)).toBe(ts.loss(x, data, null));
      expect(wasm.accuracy(x, data, null)).toBe(ts.accuracy(x, data, null));
    }
  });

  it('is repeatable: the same call twice gives the same bits, and an interleaved other call does not disturb it', () => {
    const m = createLenet5({ precision: 'f32' });
    const x = m.initRandom(Rng.derive(2, -1, 'init'), new Float64Array(m.dim));
    const g1 = new Float64Array(m.dim),
      g2 = new Float64Array(m.dim),
      other = new Float64Array(m.dim);
    const l1 = m.lossGrad(x, data, idx, g1);
    m.lossGrad(x, data, null, other);
    const l2 = m.lossGrad(x, data, idx, g2);
    expect(l2).toBe(l1);
    expect(bitsEqual(g1, g2)).toBe(true);
  });

  it('agrees with the f64 model to f32 accuracy; its gradient entries and initial point are f32 values', () => {
    const m32 = createLenet5({ precision: 'f32' });
    const m64 = createLenet5();
    const x = m32.initRandom(Rng.derive(3, -1, 'init'), new Float64Array(m32.dim));
    for (let i = 0; i < x.length; i++) expect(Math.fround(x[i])).toBe(x[i]);
    const g32 = new Float64Array(m32.dim),
      g64 = new Float64Array(m64.dim);
    const l32 = m32.lossGrad(x, data, idx, g32);
    const l64 = m64.lossGrad(x, data, idx, g64);
    expect(Math.abs(l32 - l64)).toBeLessThan(1e-5 * Math.abs(l64));
    let num = 0,
      den = 0,
      nonF32 = 0;
    for (let i = 0; i < g32.length; i++) {
      num += (g32[i] - g64[i]) ** 2;
      den += g64[i] ** 2;
      if (Math.fround(g32[i]) !== g32[i]) nonF32++;
    }
    expect(nonF32).toBe(0);
    expect(Math.sqrt(num / den)).toBeLessThan(1e-4); // relative ℓ2 error of the gradient
    expect(Math.sqrt(num / den)).toBeGreaterThan(0); // and it really is a different (f32) computation
    expect(m32.accuracy(x, data, null)).toBe(m64.accuracy(x, data, null));
  });

  it('rejects a bad kernels name with PROXMESH_ERR_CONFIG', () => {
    expect(codeOf(() => createLenet5({ precision: 'f32', kernels: 'gpu' as never }))).toBe('PROXMESH_ERR_CONFIG');
  });
});
