import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../node/linalg/rng.ts';
import {
  complete,
  edgeListFile,
  erdosRenyi,
  exponential,
  GENERATORS,
  grid,
  hypercube,
  parseEdgeList,
  path,
  randomRegular,
  resolveGridShape,
  ring,
  smallWorld,
  star,
  torus,
  TOPOLOGY_KINDS,
} from '../../topologies/generators.ts';
import { degrees, edgeCount, edgeList, hasEdge, isConnected, validateGraph } from '../../topologies/graph.ts';
import type { Graph } from '../../topologies/types.ts';
import { expectCode, neighbours } from './helpers.ts';

const rng = (): Rng => Rng.derive(7, -1, 'topology');
const deg = (g: Graph): number[] => Array.from(degrees(g));
const valid = (g: Graph): Graph => {
  validateGraph(g);
  return g;
};

describe('deterministic generators: exact degree sequences and edge counts', () => {
  it('ring', () => {
    for (let n = 3; n <= 9; n++) {
      const g = valid(ring({ nodes: n }));
      expect(deg(g)).toEqual(new Array(n).fill(2));
      expect(edgeCount(g)).toBe(n);
      for (let i = 0; i < n; i++) expect(neighbours(g, i)).toEqual([(i + 1) % n, (i + n - 1) % n].sort((a, b) => a - b));
    }
    expect(ring({ nodes: 5 }).name).toBe('ring(n=5)');
  });

  it('degenerate sizes: n = 1 is one isolated node; ring n = 2 is a single edge', () => {
    for (const gen of [ring, path, star, complete, hypercube, exponential]) {
      const g = valid(gen({ nodes: 1 }, rng()));
      expect(g.n).toBe(1);
      expect(edgeCount(g)).toBe(0);
    }
    const r2 = valid(ring({ nodes: 2 }));
    expect(deg(r2)).toEqual([1, 1]);
    expect(Array.from(edgeList(r2))).toEqual([0, 1]);
    expect(edgeCount(valid(exponential({ nodes: 2 })))).toBe(1);
    expect(edgeCount(valid(grid({ nodes: 1 })))).toBe(0);
    expect(edgeCount(valid(torus({ nodes: 1 })))).toBe(0);
  });

  it('path', () => {
    const g = valid(path({ nodes: 6 }));
    expect(deg(g)).toEqual([1, 2, 2, 2, 2, 1]);
    expect(edgeCount(g)).toBe(5);
    expect(deg(valid(path({ nodes: 2 })))).toEqual([1, 1]);
  });

  it('star', () => {
    const g = valid(star({ nodes: 7 }));
    expect(deg(g)).toEqual([6, 1, 1, 1, 1, 1, 1]);
    expect(edgeCount(g)).toBe(6);
    expect(neighbours(g, 0)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('complete', () => {
    for (const n of [2, 3, 8]) {
      const g = valid(complete({ nodes: n }));
      expect(deg(g)).toEqual(new Array(n).fill(n - 1));
      expect(edgeCount(g)).toBe((n * (n - 1)) / 2);
    }
  });

  it('grid r×c: degree = number of in-range 4-neighbours, |E| = r(c−1) + c(r−1)', () => {
    for (const [r, c] of [
      [3, 4],
      [2, 2],
      [1, 5],
      [4, 1],
      [5, 5],
    ]) {
      const g = valid(grid({ nodes: r * c, rows: r, cols: c }));
      const expected: number[] = [];
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) expected.push(+(i > 0) + +(i < r - 1) + +(j > 0) + +(j < c - 1));
      expect(deg(g)).toEqual(expected);
      expect(edgeCount(g)).toBe(r * (c - 1) + c * (r - 1));
      expect(g.name).toBe(`grid(${r}x${c})`);
    }
    const g = grid({ nodes: 12, rows: 3 });
    expect(neighbours(g, 5)).toEqual([1, 4, 6, 9]); // (1,1) in 3×4
  });

  it('torus r×c: 4-regular with |E| = 2rc for sides ≥ 3; a side of 2 gives one edge, a side of 1 none', () => {
    const g = valid(torus({ nodes: 12, rows: 3, cols: 4 }));
    expect(deg(g)).toEqual(new Array(12).fill(4));
    expect(edgeCount(g)).toBe(24);
    expect(neighbours(g, 0)).toEqual([1, 3, 4, 8]);
    const g23 = valid(torus({ nodes: 6, rows: 2, cols: 3 }));
    expect(deg(g23)).toEqual(new Array(6).fill(3));
    expect(edgeCount(g23)).toBe(9);
    const g15 = valid(torus({ nodes: 5, rows: 1, cols: 5 }));
    expect(Array.from(edgeList(g15))).toEqual(Array.from(edgeList(ring({ nodes: 5 }))));
    const g22 = valid(torus({ nodes: 4, rows: 2, cols: 2 }));
    expect(deg(g22)).toEqual([2, 2, 2, 2]);
  });

  it('hypercube: q-regular, |E| = nq/2, i ~ j iff they differ in one bit', () => {
    for (let q = 1; q <= 6; q++) {
      const n = 2 ** q;
      const g = valid(hypercube({ nodes: n }));
      expect(deg(g)).toEqual(new Array(n).fill(q));
      expect(edgeCount(g)).toBe((n * q) / 2);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const x = i ^ j;
          expect(hasEdge(g, i, j)).toBe(x !== 0 && (x & (x - 1)) === 0);
        }
    }
  });

  it('exponential: i ~ i ± 2^k mod n, coinciding offsets merged', () => {
    const cases: Array<[number, number]> = [
      [8, 5],
      [16, 7],
      [6, 4],
      [5, 4],
      [4, 3],
      [3, 2],
      [12, 6],
    ];
    for (const [n, d] of cases) {
      const g = valid(exponential({ nodes: n }));
      expect(deg(g)).toEqual(new Array(n).fill(d));
      expect(edgeCount(g)).toBe((n * d) / 2);
      for (let i = 0; i < n; i++) {
        const want = new Set<number>();
        for (let s = 1; s < n; s *= 2) {
          want.add((i + s) % n);
          want.add((i - s + n) % n);
        }
        want.delete(i);
        expect(neighbours(g, i)).toEqual([...want].sort((a, b) => a - b));
      }
    }
  });
});

describe('grid shape resolution', () => {
  it('derives the missing side or the most square factorisation', () => {
    expect(resolveGridShape('grid', { nodes: 12 })).toEqual({ rows: 3, cols: 4 });
    expect(resolveGridShape('grid', { nodes: 16 })).toEqual({ rows: 4, cols: 4 });
    expect(resolveGridShape('grid', { nodes: 7 })).toEqual({ rows: 1, cols: 7 });
    expect(resolveGridShape('grid', { nodes: 12, rows: 2 })).toEqual({ rows: 2, cols: 6 });
    expect(resolveGridShape('torus', { nodes: 12, cols: 2 })).toEqual({ rows: 6, cols: 2 });
    expect(resolveGridShape('grid', { nodes: 12, rows: 6, cols: 2 })).toEqual({ rows: 6, cols: 2 });
  });

  it('rejects inconsistent shapes naming the parameter', () => {
    expectCode(() => grid({ nodes: 12, rows: 3, cols: 5 }), 'PROXMESH_ERR_TOPOLOGY', /rows × cols = 3 × 5 = 15 does not equal nodes = 12/);
    expectCode(() => torus({ nodes: 12, rows: 5 }), 'PROXMESH_ERR_TOPOLOGY', /rows = 5 does not divide nodes = 12/);
    expectCode(() => grid({ nodes: 12, cols: 7 }), 'PROXMESH_ERR_TOPOLOGY', /cols = 7 does not divide/);
    expectCode(() => grid({ nodes: 12, rows: 0 }), 'PROXMESH_ERR_TOPOLOGY', /rows must be an integer/);
    expectCode(() => grid({ nodes: 12, cols: 2.5 }), 'PROXMESH_ERR_TOPOLOGY', /cols must be an integer/);
  });
});

describe('bad parameters → PROXMESH_ERR_TOPOLOGY naming the parameter', () => {
  it('n < 1 or non-integer for every kind', () => {
    for (const kind of TOPOLOGY_KINDS) {
      if (kind === 'edge-list') continue;
      const gen = GENERATORS[kind];
      const extra = { p: 0.5, degree: 2, k: 2, beta: 0.1 };
      for (const nodes of [0, -3, 2.5, Number.NaN])
        expectCode(() => gen({ nodes, ...extra }, rng()), 'PROXMESH_ERR_TOPOLOGY', /nodes must be an integer ≥ 1/);
    }
  });

  it('hypercube needs a power of 2', () => {
    for (const n of [3, 6, 12, 100]) expectCode(() => hypercube({ nodes: n }), 'PROXMESH_ERR_TOPOLOGY', /nodes must be a power of 2/);
  });

  it('erdos-renyi p missing or outside [0, 1]', () => {
    expectCode(() => erdosRenyi({ nodes: 5 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /parameter p is required/);
    for (const p of [-0.1, 1.5, Number.NaN])
      expectCode(() => erdosRenyi({ nodes: 5, p }, rng()), 'PROXMESH_ERR_TOPOLOGY', /parameter p must be a probability in \[0, 1\]/);
  });

  it('erdos-renyi that cannot be connected fails after the bounded attempts, suggesting a larger p', () => {
    expectCode(() => erdosRenyi({ nodes: 5, p: 0 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /disconnected.*increase p/);
    const e = expectCode(
      () => erdosRenyi({ nodes: 60, p: 0.01, maxAttempts: 5 }, rng()),
      'PROXMESH_ERR_TOPOLOGY',
      /disconnected in all 5 draws; increase p/,
    );
    expect(e.detail).toMatchObject({ param: 'p', attempts: 5 });
  });

  it('regular: degree missing, ≥ n, n·d odd, and never-connected degrees', () => {
    expectCode(() => randomRegular({ nodes: 6 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /parameter degree is required/);
    expectCode(() => randomRegular({ nodes: 6, degree: 6 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /degree must be an integer in \[0, 5\]/);
    expectCode(() => randomRegular({ nodes: 6, degree: -1 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /degree/);
    expectCode(() => randomRegular({ nodes: 7, degree: 3 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /7 · 3 is odd/);
    expectCode(() => randomRegular({ nodes: 6, degree: 0 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /disconnected/);
    expectCode(() => randomRegular({ nodes: 6, degree: 1 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /perfect matching/);
  });

  it('small-world: k missing, odd, out of range; beta out of [0, 1]; n < 3', () => {
    expectCode(() => smallWorld({ nodes: 10, beta: 0.1 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /parameter k is required/);
    expectCode(() => smallWorld({ nodes: 10, k: 3, beta: 0.1 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /k must be even/);
    expectCode(
      () => smallWorld({ nodes: 10, k: 10, beta: 0.1 }, rng()),
      'PROXMESH_ERR_TOPOLOGY',
      /parameter k must be an integer in \[2, 9\]/,
    );
    expectCode(() => smallWorld({ nodes: 10, k: 4 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /parameter beta is required/);
    expectCode(() => smallWorld({ nodes: 10, k: 4, beta: 2 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /parameter beta must be a probability/);
    expectCode(() => smallWorld({ nodes: 2, k: 2, beta: 0 }, rng()), 'PROXMESH_ERR_TOPOLOGY', /nodes must be ≥ 3/);
  });
});

describe('random generators', () => {
  it('erdos-renyi: p = 1 is complete; otherwise a connected simple graph, |E| = Σd/2', () => {
    const g1 = valid(erdosRenyi({ nodes: 9, p: 1 }, rng()));
    expect(deg(g1)).toEqual(new Array(9).fill(8));
    const g = valid(erdosRenyi({ nodes: 40, p: 0.2 }, rng()));
    expect(deg(g).reduce((a, b) => a + b, 0)).toBe(2 * edgeCount(g));
    // mean degree of G(40, 0.2) is 7.8 ± a few; a grossly wrong sampler falls outside
    const mean = (2 * edgeCount(g)) / 40;
    expect(mean).toBeGreaterThan(4);
    expect(mean).toBeLessThan(12);
    expect(erdosRenyi({ nodes: 1, p: 0 }, rng()).n).toBe(1);
  });

  it('regular: exactly d-regular with nd/2 edges, connected, including the complement path (2d > n−1)', () => {
    const cases: Array<[number, number]> = [
      [10, 3],
      [20, 4],
      [10, 2],
      [12, 9],
      [9, 8],
      [30, 7],
      [2, 1],
      [1, 0],
      [64, 16],
    ];
    for (const [n, d] of cases) {
      const g = valid(randomRegular({ nodes: n, degree: d }, rng()));
      expect(deg(g)).toEqual(new Array(n).fill(d));
      expect(edgeCount(g)).toBe((n * d) / 2);
    }
  });

  it('small-world: β = 0 is the ring lattice; rewiring keeps |E| = nk/2 and connectivity', () => {
    const lattice = valid(smallWorld({ nodes: 10, k: 4, beta: 0 }, rng()));
    expect(deg(lattice)).toEqual(new Array(10).fill(4));
    expect(neighbours(lattice, 0)).toEqual([1, 2, 8, 9]);
    for (const beta of [0.1, 0.5, 1]) {
      const g = valid(smallWorld({ nodes: 30, k: 4, beta }, rng()));
      expect(edgeCount(g)).toBe(60);
      expect(isConnected(g)).toBe(true);
    }
    const rewired = smallWorld({ nodes: 30, k: 4, beta: 0.5 }, rng());
    const ringLattice = smallWorld({ nodes: 30, k: 4, beta: 0 }, rng());
    expect(Array.from(edgeList(rewired))).not.toEqual(Array.from(edgeList(ringLattice)));
  });

  it('same seed → same graph; different seeds → different graphs (all three random kinds)', () => {
    const make = [
      (r: Rng) => erdosRenyi({ nodes: 30, p: 0.3 }, r),
      (r: Rng) => randomRegular({ nodes: 30, degree: 4 }, r),
      (r: Rng) => smallWorld({ nodes: 30, k: 4, beta: 0.3 }, r),
    ];
    for (const f of make) {
      const a = Array.from(edgeList(f(Rng.derive(1, -1, 'topology'))));
      const b = Array.from(edgeList(f(Rng.derive(1, -1, 'topology'))));
      const c = Array.from(edgeList(f(Rng.derive(2, -1, 'topology'))));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    }
  });
});

describe('edge-list', () => {
  it('parses "i j" lines with # comments and blank lines; n inferred or given', () => {
    const text = '# a 4-cycle\n0 1\n1 2   # trailing comment\n\n2\t3\r\n3 0\n';
    const g = valid(parseEdgeList(text));
    expect(g.n).toBe(4);
    expect(deg(g)).toEqual([2, 2, 2, 2]);
    expect(Array.from(edgeList(g))).toEqual([0, 1, 0, 3, 1, 2, 2, 3]);
    expect(parseEdgeList(text, { n: 4 }).n).toBe(4);
  });

  it('reads a file via the generator (params.file, params.nodes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-topo-'));
    const file = join(dir, 'g.txt');
    writeFileSync(file, '0 1\n1 2\n');
    const g = valid(edgeListFile({ nodes: 3, file }));
    expect(deg(g)).toEqual([1, 2, 1]);
    expect(g.name).toContain(file);
    expectCode(
      () => edgeListFile({ nodes: 3, file: join(dir, 'missing.txt') }),
      'PROXMESH_ERR_TOPOLOGY',
      /missing\.txt: cannot open \(ENOENT\)/,
    );
    expectCode(() => edgeListFile({ nodes: 3 }), 'PROXMESH_ERR_TOPOLOGY', /parameter file is required/);
  });

  it('rejects self loops, out-of-range ids, duplicates, malformed lines and disconnection, naming the line', () => {
    expectCode(() => parseEdgeList('0 1\n2 2\n1 2\n', { source: 'f.txt' }), 'PROXMESH_ERR_TOPOLOGY', /self loop at node 2 \(f\.txt:2\)/);
    expectCode(
      () => parseEdgeList('0 1\n1 5\n', { n: 4, source: 'f.txt' }),
      'PROXMESH_ERR_TOPOLOGY',
      /f\.txt:2: a node id is out of range \[0, 3\]/,
    );
    expectCode(() => parseEdgeList('0 1\n1 2\n1 0\n', { source: 'f.txt' }), 'PROXMESH_ERR_TOPOLOGY', /duplicate edge \(0, 1\)/);
    expectCode(() => parseEdgeList('0 1\n1 x\n', { source: 'f.txt' }), 'PROXMESH_ERR_TOPOLOGY', /f\.txt:2: expected "i j"/);
    expectCode(() => parseEdgeList('0 1 2\n'), 'PROXMESH_ERR_TOPOLOGY', /expected "i j"/);
    expectCode(() => parseEdgeList('0 -1\n'), 'PROXMESH_ERR_TOPOLOGY', /expected "i j"/);
    expectCode(() => parseEdgeList('0 1\n2 3\n'), 'PROXMESH_ERR_TOPOLOGY', /disconnected: node 2 unreachable from node 0/);
    expectCode(() => parseEdgeList('0 1\n', { n: 3 }), 'PROXMESH_ERR_TOPOLOGY', /disconnected: node 2 unreachable/);
    expectCode(() => parseEdgeList('# nothing\n'), 'PROXMESH_ERR_TOPOLOGY', /no edges/);
  });
});
