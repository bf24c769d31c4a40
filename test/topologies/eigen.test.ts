import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { symmetricEigenvalues } from '../../topologies/eigen.ts';
import { expectClose } from './helpers.ts';

function randomSymmetric(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  return a;
}

function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}

const trace = (a: Float64Array, n: number): number => {
  let t = 0;
  for (let i = 0; i < n; i++) t += a[i * n + i];
  return t;
};

/** Random orthogonal Q (rows) by modified Gram–Schmidt on a Gaussian matrix. */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) q[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += q[i * n + j] * q[k * n + j];
      for (let j = 0; j < n; j++) q[i * n + j] -= dot * q[k * n + j];
    }
    let nrm = 0;
    for (let j = 0; j < n; j++) nrm += q[i * n + j] ** 2;
    nrm = Math.sqrt(nrm);
    for (let j = 0; j < n; j++) q[i * n + j] /= nrm;
  }
  return q;
}

describe('symmetricEigenvalues', () => {
  it('trivial sizes: n = 0, 1, 2 (closed form)', () => {
    expect(Array.from(symmetricEigenvalues(new Float64Array(0), 0))).toEqual([]);
    expect(Array.from(symmetricEigenvalues(Float64Array.of(-3.5), 1))).toEqual([-3.5]);
    // [[a, b], [b, c]]: (a+c)/2 ± sqrt(((a−c)/2)² + b²)
    const [a, b, c] = [2, -1.5, 0.25];
    const mid = (a + c) / 2;
    const rad = Math.hypot((a - c) / 2, b);
    expectClose(symmetricEigenvalues(Float64Array.of(a, b, b, c), 2), [mid - rad, mid + rad], 1e-14);
  });

  it('diagonal matrices give their sorted diagonal exactly; the input is not modified', () => {
    const n = 6;
    const diag = [3, -1, 0, 7.5, -1, 2];
    const a = new Float64Array(n * n);
    for (const [i, v] of diag.entries()) a[i * n + i] = v;
    const copy = Float64Array.from(a);
    expect(Array.from(symmetricEigenvalues(a, n))).toEqual([...diag].sort((x, y) => x - y));
    expect(a).toEqual(copy);
    expect(Array.from(symmetricEigenvalues(new Float64Array(16), 4))).toEqual([0, 0, 0, 0]);
  });

  it('recovers a prescribed spectrum from A = Qᵀ diag(λ) Q (repeated eigenvalues included)', () => {
    const rng = Rng.fromSeed(11);
    for (const n of [3, 7, 20, 33]) {
      const lam = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1.5 : rng.normal() * 3));
      const q = randomOrthogonal(n, rng);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += q[k * n + i] * lam[k] * q[k * n + j];
          a[i * n + j] = s;
        }
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]; // exact symmetry
      expectClose(
        symmetricEigenvalues(a, n),
        [...lam].sort((x, y) => x - y),
        1e-12 * n,
      );
    }
  });

  it('random symmetric matrices: Σλᵏ = tr(Aᵏ) for k = 1, 2, 3', () => {
    const rng = Rng.fromSeed(5);
    for (const n of [2, 3, 5, 16, 50]) {
      const a = randomSymmetric(n, rng);
      const lam = symmetricEigenvalues(a, n);
      for (let i = 1; i < n; i++) expect(lam[i]).toBeGreaterThanOrEqual(lam[i - 1]);
      const a2 = matmul(a, a, n);
      const a3 = matmul(a2, a, n);
      const pow = (k: number): number => lam.reduce((s, x) => s + x ** k, 0);
      const scale = n * n;
      expect(Math.abs(pow(1) - trace(a, n))).toBeLessThan(1e-12 * scale);
      expect(Math.abs(pow(2) - trace(a2, n))).toBeLessThan(1e-11 * scale);
      expect(Math.abs(pow(3) - trace(a3, n))).toBeLessThan(1e-10 * scale * n);
    }
  });

  it('a tridiagonal Toeplitz matrix: eigenvalues a + 2b cos(kπ/(n+1))', () => {
    const n = 40;
    const [ad, b] = [1.25, -0.75];
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = ad;
      if (i + 1 < n) {
        a[i * n + i + 1] = b;
        a[(i + 1) * n + i] = b;
      }
    }
    const want = Array.from({ length: n }, (_, k) => ad + 2 * b * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((x, y) => x - y);
    expectClose(symmetricEigenvalues(a, n), want, 1e-13);
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => symmetricEigenvalues(new Float64Array(5), 2)).toThrow(RangeError);
  });
});
