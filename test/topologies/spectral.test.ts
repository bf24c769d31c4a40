import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { GENERATORS } from '../../topologies/generators.ts';
import { lazyMixing, maxDegreeMixing, metropolisMixing, uniformMixing } from '../../topologies/mixing.ts';
import { spectralInfo } from '../../topologies/spectral.ts';
import type { Graph, Mixing } from '../../topologies/types.ts';
import { expectClose, sortedDesc } from './helpers.ts';

const r0 = Rng.fromSeed(0);
const gen = (kind: keyof typeof GENERATORS, params: object): Graph => GENERATORS[kind]({ nodes: 1, ...params }, r0);

/** ρ from a full eigenvalue list of W: max |λ| over all but one copy of the eigenvalue 1. */
function rhoFromSpectrum(lam: number[]): number {
  const s = sortedDesc(lam);
  return Math.max(0, ...s.slice(1).map(Math.abs));
}

describe('spectralInfo against closed forms', () => {
  it('paper ring: n = 5, W_ij = 1/3 → ρ = (1 + 2cos(2π/5))/3 = 0.5393…', () => {
    const info = spectralInfo(uniformMixing(gen('ring', { nodes: 5 })));
    const want = (1 + 2 * Math.cos((2 * Math.PI) / 5)) / 3;
    expect(Math.abs(info.rho - want)).toBeLessThan(1e-14);
    expect(info.rho.toFixed(4)).toBe('0.5393');
    expect(Math.abs(info.spectralGap - (1 - want))).toBeLessThan(1e-14);
  });

  it('ring n = 2..12 with uniform weights: eigenvalues (1 + 2cos(2πk/n))/3 (n ≥ 3)', () => {
    for (let n = 3; n <= 12; n++) {
      const lam = Array.from({ length: n }, (_, k) => (1 + 2 * Math.cos((2 * Math.PI * k) / n)) / 3);
      const info = spectralInfo(uniformMixing(gen('ring', { nodes: n })));
      expectClose(info.eigenvalues!, sortedDesc(lam), 1e-13);
      expect(Math.abs(info.rho - rhoFromSpectrum(lam))).toBeLessThan(1e-13);
      expect(info.lambda2).toBeCloseTo(sortedDesc(lam)[1], 13);
    }
    expect(spectralInfo(uniformMixing(gen('ring', { nodes: 4 }))).rho).toBeCloseTo(1 / 3, 14);
    // n = 2: one edge, W = J
    expect(spectralInfo(uniformMixing(gen('ring', { nodes: 2 }))).rho).toBeLessThan(1e-15);
  });

  it('complete graph: W = J under uniform, max-degree and metropolis → ρ = 0, eigenvalues {1, 0, …}', () => {
    for (const n of [2, 3, 6, 10]) {
      const g = gen('complete', { nodes: n });
      for (const m of [uniformMixing(g), maxDegreeMixing(g), metropolisMixing(g)]) {
        const info = spectralInfo(m);
        expect(info.rho).toBeLessThan(1e-14);
        expect(info.spectralGap).toBeGreaterThan(1 - 1e-14);
        expectClose(info.eigenvalues!, [1, ...new Array(n - 1).fill(0)], 1e-14);
      }
    }
  });

  it('hypercube Q_q, uniform 1/(q+1): eigenvalues (1+q−2j)/(q+1) with multiplicity C(q, j); ρ = (q−1)/(q+1)', () => {
    for (let q = 1; q <= 6; q++) {
      const lam: number[] = [];
      let binom = 1;
      for (let j = 0; j <= q; j++) {
        for (let c = 0; c < binom; c++) lam.push((1 + q - 2 * j) / (q + 1));
        binom = (binom * (q - j)) / (j + 1);
      }
      const info = spectralInfo(uniformMixing(gen('hypercube', { nodes: 2 ** q })));
      expectClose(info.eigenvalues!, sortedDesc(lam), 1e-13);
      // j = 1 gives (q−1)/(q+1), j = q gives −(q−1)/(q+1): equal moduli, the largest among j ≥ 1
      expect(Math.abs(info.rho - (q - 1) / (q + 1))).toBeLessThan(1e-13);
    }
  });

  it('star(n), metropolis: W = I − L/n, eigenvalues 1, (1 − 1/n)×(n−2), 0 → ρ = 1 − 1/n', () => {
    for (const n of [3, 5, 9]) {
      const info = spectralInfo(metropolisMixing(gen('star', { nodes: n })));
      expectClose(info.eigenvalues!, [1, ...new Array(n - 2).fill(1 - 1 / n), 0], 1e-13);
      expect(info.rho).toBeCloseTo(1 - 1 / n, 13);
      expect(info.lambdaMin).toBeCloseTo(0, 13);
    }
  });

  it('path(n), metropolis: W = I − L/3, eigenvalues 1 − (2 − 2cos(πk/n))/3', () => {
    const n = 9;
    const lam = Array.from({ length: n }, (_, k) => 1 - (2 - 2 * Math.cos((Math.PI * k) / n)) / 3);
    const info = spectralInfo(metropolisMixing(gen('path', { nodes: n })));
    expectClose(info.eigenvalues!, sortedDesc(lam), 1e-13);
    expect(info.rho).toBeCloseTo((1 + 2 * Math.cos(Math.PI / n)) / 3, 13);
  });

  it('grid and torus, max-degree: W = I − L/(1+d_max) with L the Cartesian-product Laplacian', () => {
    const pathMu = (m: number): number[] => Array.from({ length: m }, (_, a) => 2 - 2 * Math.cos((Math.PI * a) / m));
    const cycMu = (m: number): number[] => Array.from({ length: m }, (_, a) => 2 - 2 * Math.cos((2 * Math.PI * a) / m));
    const check = (g: Graph, mr: number[], mc: number[], dmax: number): void => {
      const lam: number[] = [];
      for (const x of mr) for (const y of mc) lam.push(1 - (x + y) / (1 + dmax));
      const info = spectralInfo(maxDegreeMixing(g));
      expectClose(info.eigenvalues!, sortedDesc(lam), 1e-13);
      expect(Math.abs(info.rho - rhoFromSpectrum(lam))).toBeLessThan(1e-13);
    };
    check(gen('grid', { nodes: 12, rows: 3, cols: 4 }), pathMu(3), pathMu(4), 4);
    check(gen('torus', { nodes: 20, rows: 4, cols: 5 }), cycMu(4), cycMu(5), 4);
    check(gen('grid', { nodes: 5, rows: 1, cols: 5 }), pathMu(1), pathMu(5), 2);
  });

  it('lazy halves 1 − λ: eig((I+W)/2) = (1 + eig(W))/2', () => {
    const g = gen('small-world', { nodes: 14, k: 4, beta: 0.4 });
    for (const m of [metropolisMixing(g), maxDegreeMixing(g)]) {
      const a = spectralInfo(m);
      const b = spectralInfo(lazyMixing(m));
      expectClose(
        Array.from(b.eigenvalues!, (x) => 1 - x),
        Array.from(a.eigenvalues!, (x) => (1 - x) / 2),
        1e-13,
      );
      expect(b.lambdaMin).toBeGreaterThanOrEqual(0);
      expect(Math.abs(b.rho - (1 + (a.lambda2 as number)) / 2)).toBeLessThan(1e-13);
    }
  });

  it('n = 1: eigenvalues [1], ρ = 0, gap 1, no λ₂', () => {
    const info = spectralInfo(metropolisMixing(gen('ring', { nodes: 1 })));
    expect(Array.from(info.eigenvalues!)).toEqual([1]);
    expect(info.rho).toBe(0);
    expect(info.spectralGap).toBe(1);
    expect(info.lambda2).toBeNull();
  });

  it('ρ of W − J catches a disconnected-looking W: ρ = 1 when W has a second eigenvalue 1 or −1', () => {
    // W = [[0,1],[1,0]] on K2 (bipartite, zero diagonal): eigenvalues 1, −1 → ρ = 1
    const g = gen('ring', { nodes: 2 });
    const m: Mixing = { graph: g, selfWeight: Float64Array.of(0, 0), weights: Float64Array.of(1, 1), name: 'swap' };
    const info = spectralInfo(m);
    expect(info.rho).toBeCloseTo(1, 14);
    expectClose(info.eigenvalues!, [1, -1], 1e-14);
  });

  // n = 512 keeps the file fast on a shared 2-core machine (n = 1024 takes ~1 s alone, 8× this).
  it('scales: ring n = 512 with uniform weights matches (1 + 2cos(2π/n))/3', () => {
    const n = 512;
    const info = spectralInfo(uniformMixing(gen('ring', { nodes: n })));
    expect(Math.abs(info.rho - (1 + 2 * Math.cos((2 * Math.PI) / n)) / 3)).toBeLessThan(1e-12);
    expect(info.eigenvalues!.length).toBe(n);
    expect(info.eigenvalues![0]).toBe(1);
  });
});

describe('spectralInfo invariants on random connected graphs', () => {
  it('ρ < 1, λ₁ = 1, all λ ∈ [−1, 1], Σλ = tr(W), Σλ² = ‖W‖_F²', () => {
    for (let seed = 0; seed < 15; seed++) {
      const rng = Rng.derive(seed, -1, 'topology');
      const n = 2 + rng.int(29);
      const g = GENERATORS['erdos-renyi']({ nodes: n, p: 0.5 }, rng);
      for (const m of [metropolisMixing(g), maxDegreeMixing(g)]) {
        const info = spectralInfo(m);
        expect(info.rho).toBeLessThan(1);
        expect(info.eigenvalues![0]).toBe(1);
        expect(info.eigenvalues![1]).toBeLessThan(1 - 1e-9); // connected: 1 is simple
        for (const x of info.eigenvalues!) expect(Math.abs(x)).toBeLessThanOrEqual(1 + 1e-12);
        let tr = 0;
        let fro = 0;
        for (let i = 0; i < n; i++) {
          tr += m.selfWeight[i];
          fro += m.selfWeight[i] ** 2;
        }
        for (const w of m.weights) fro += w * w;
        expect(Math.abs(info.eigenvalues!.reduce((s, x) => s + x, 0) - tr)).toBeLessThan(1e-12 * n);
        expect(Math.abs(info.eigenvalues!.reduce((s, x) => s + x * x, 0) - fro)).toBeLessThan(1e-12 * n);
      }
    }
  });
});
