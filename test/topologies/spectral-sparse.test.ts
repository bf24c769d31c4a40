/**
 * The closed forms and the sparse Lanczos iteration against the dense O(n³) solver, over several
 * graph kinds, sizes (odd and even, degenerate sides) and weight rules, to 1e-9 (they agree far
 * closer; 1e-9 is the contract). Times are never asserted (docs/performance.md has them).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { GENERATORS } from '../../topologies/generators.ts';
import { lanczosExtremes } from '../../topologies/lanczos.ts';
import { buildMixing } from '../../topologies/mixing.ts';
import { buildTopology } from '../../topologies/spec.ts';
import { closedFormEigenvalues, constantWeight, type LatticeShape } from '../../topologies/spectral-closed.ts';
import { spectralInfo } from '../../topologies/spectral.ts';
import type { Mixing } from '../../topologies/types.ts';
import { expectClose, expectCode } from './helpers.ts';

const TOL = 1e-9;

function mixing(kind: keyof typeof GENERATORS, params: object, weights: string, lazy = false, seed = 7): Mixing {
  const g = GENERATORS[kind]({ nodes: 1, ...params } as never, Rng.fromSeed(seed));
  return buildMixing(g, { weights, lazy });
}

function expectSameFigures(m: Mixing, method: 'closed-form' | 'lanczos', shape?: LatticeShape): void {
  const dense = spectralInfo(m, { method: 'dense' });
  const other = spectralInfo(m, { method, shape });
  expect(other.method).toBe(method);
  expect(Math.abs(other.rho - dense.rho), `${m.graph.name} ${m.name} ρ`).toBeLessThan(TOL);
  expect(Math.abs(other.spectralGap - dense.spectralGap)).toBeLessThan(TOL);
  expect(Math.abs((other.lambda2 as number) - (dense.lambda2 as number)), `${m.graph.name} ${m.name} λ₂`).toBeLessThan(TOL);
  expect(Math.abs(other.lambdaMin - dense.lambdaMin), `${m.graph.name} ${m.name} λ_min`).toBeLessThan(TOL);
  if (method === 'closed-form') expectClose(other.eigenvalues!, dense.eigenvalues!, TOL);
  else {
    expect(other.eigenvalues).toBeNull();
    expect(other.errorBound).toBeLessThan(TOL);
  }
}

describe('closed-form spectra (W = I − wL with one constant weight w) against the dense solver', () => {
  const RULES = ['metropolis', 'max-degree', 'uniform'];

  it('ring n = 1..40 and 101, every rule, lazy and not', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 32, 40, 101]) {
      for (const w of RULES)
        for (const lazy of [false, true]) expectSameFigures(mixing('ring', { nodes: n }, w, lazy), 'closed-form', { kind: 'ring', n });
    }
  });

  it('torus with sides 1, 2, 3, 4, 5 and 7 (sides of 1 and 2 are degenerate cycles)', () => {
    for (const [rows, cols] of [
      [1, 5],
      [2, 2],
      [2, 3],
      [3, 3],
      [3, 5],
      [4, 4],
      [4, 7],
      [5, 7],
      [2, 9],
    ]) {
      for (const w of RULES) {
        expectSameFigures(mixing('torus', { nodes: rows * cols, rows, cols }, w), 'closed-form', { kind: 'torus', rows, cols });
      }
    }
  });

  it('complete, hypercube (every rule), path (metropolis, max-degree), grid and star (max-degree)', () => {
    for (const n of [2, 3, 6, 13])
      for (const w of RULES) expectSameFigures(mixing('complete', { nodes: n }, w), 'closed-form', { kind: 'complete', n });
    for (const n of [1, 2, 4, 8, 32, 64])
      for (const w of RULES) expectSameFigures(mixing('hypercube', { nodes: n }, w), 'closed-form', { kind: 'hypercube', n });
    for (const n of [2, 3, 10, 31]) {
      expectSameFigures(mixing('path', { nodes: n }, 'metropolis'), 'closed-form', { kind: 'path', n });
      expectSameFigures(mixing('path', { nodes: n }, 'max-degree', true), 'closed-form', { kind: 'path', n });
      expectSameFigures(mixing('star', { nodes: n }, 'max-degree'), 'closed-form', { kind: 'star', n });
    }
    for (const [rows, cols] of [
      [1, 4],
      [2, 3],
      [3, 5],
      [6, 6],
    ]) {
      expectSameFigures(mixing('grid', { nodes: rows * cols, rows, cols }, 'max-degree'), 'closed-form', { kind: 'grid', rows, cols });
    }
  });

  it('does not apply when the weights differ or the shape does not match the graph', () => {
    const grid = mixing('grid', { nodes: 12, rows: 3, cols: 4 }, 'metropolis');
    expect(constantWeight(grid)).toBeNull();
    expect(closedFormEigenvalues(grid, { kind: 'grid', rows: 3, cols: 4 })).toBeNull();
    // a ring handed the shape of a path with the same n: the trace check rejects it
    expect(closedFormEigenvalues(mixing('ring', { nodes: 9 }, 'metropolis'), { kind: 'path', n: 9 })).toBeNull();
    expect(closedFormEigenvalues(mixing('ring', { nodes: 9 }, 'metropolis'), { kind: 'ring', n: 8 })).toBeNull();
    // without a closed form, the default falls back to the dense solver (n ≤ 512)
    expect(spectralInfo(grid, { shape: { kind: 'grid', rows: 3, cols: 4 } }).method).toBe('dense');
    expectCode(() => spectralInfo(grid, { method: 'closed-form', shape: { kind: 'grid', rows: 3, cols: 4 } }), 'PROXMESH_ERR_TOPOLOGY');
  });

  it('buildTopology uses the closed form for lattices and the dense solver for small random graphs', () => {
    const rng = () => Rng.fromSeed(3);
    expect(buildTopology({ kind: 'ring', nodes: 12 }, rng()).spectral.method).toBe('closed-form');
    expect(buildTopology({ kind: 'torus', nodes: 12, rows: 3 }, rng()).spectral.method).toBe('closed-form');
    expect(buildTopology({ kind: 'regular', nodes: 12, degree: 3 }, rng()).spectral.method).toBe('dense');
    expect(buildTopology({ kind: 'regular', nodes: 600, degree: 4 }, rng()).spectral.method).toBe('lanczos');
  });
});

describe('Lanczos λ₂ and λ_min against the dense solver', () => {
  it('random regular, Erdős–Rényi, small-world, exponential, star, path and grid graphs, several rules', () => {
    const cases: [keyof typeof GENERATORS, object, string, boolean][] = [
      ['regular', { nodes: 200, degree: 4 }, 'metropolis', false],
      ['regular', { nodes: 302, degree: 3 }, 'uniform', false],
      ['regular', { nodes: 97, degree: 6 }, 'max-degree', true],
      ['erdos-renyi', { nodes: 120, p: 0.08 }, 'metropolis', false],
      ['erdos-renyi', { nodes: 75, p: 0.15 }, 'max-degree', false],
      ['small-world', { nodes: 90, k: 4, beta: 0.2 }, 'metropolis', false],
      ['exponential', { nodes: 100 }, 'metropolis', false],
      ['star', { nodes: 41 }, 'metropolis', false],
      ['path', { nodes: 47 }, 'metropolis', true],
      ['grid', { nodes: 99, rows: 9, cols: 11 }, 'metropolis', false],
      ['ring', { nodes: 64 }, 'metropolis', false],
      ['complete', { nodes: 9 }, 'metropolis', false],
    ];
    for (const [kind, params, w, lazy] of cases) expectSameFigures(mixing(kind, params, w, lazy), 'lanczos');
  });

  it('n = 2 (1⊥ is one-dimensional, W = J) and n = 1 (rejected)', () => {
    const k2 = mixing('ring', { nodes: 2 }, 'metropolis');
    const r = lanczosExtremes(k2);
    expect(Math.abs(r.lambda2 - r.lambdaMin)).toBeLessThan(1e-12); // 1⊥ is one-dimensional
    expect(Math.abs(r.lambdaMin - 0)).toBeLessThan(1e-12); // W = [[1/2,1/2],[1/2,1/2]] = J
    expectCode(() => lanczosExtremes(mixing('ring', { nodes: 1 }, 'metropolis')), 'PROXMESH_ERR_INTERNAL');
  });

  it('is deterministic (fixed-seed start vector): two runs give identical numbers', () => {
    const m = mixing('regular', { nodes: 300, degree: 10 }, 'metropolis');
    expect(lanczosExtremes(m)).toEqual(lanczosExtremes(m));
  });
});
