/**
 * Deterministic generators: ring, path, star, complete, grid, torus, hypercube, exponential.
 * They take an Rng for the common `(params, rng) → Graph` signature but draw nothing from it.
 */
import type { Graph } from './types.ts';
import type { Rng } from '../node/linalg/rng.ts';
import type { TopologyParams } from './params.ts';
import { requireInt, requireNodes } from './params.ts';
import { EdgeSet } from './edge-set.ts';
import { graphFromEdges } from './graph.ts';
import { topologyError } from './errors.ts';

/** Cycle C_n: i ~ i+1 mod n. n=1: no edge; n=2: the single edge (0,1) (no multi-edge). */
export function ring(params: TopologyParams, _rng?: Rng): Graph {
  const n = requireNodes('ring', params.nodes);
  const es = new EdgeSet(n);
  cycleEdges(n, (a, b) => es.add(a, b));
  return graphFromEdges({ n, edges: es.edges(), name: `ring(n=${n})` });
}

/** Path P_n: i ~ i+1. */
export function path(params: TopologyParams, _rng?: Rng): Graph {
  const n = requireNodes('path', params.nodes);
  const es = new EdgeSet(n);
  pathEdges(n, (a, b) => es.add(a, b));
  return graphFromEdges({ n, edges: es.edges(), name: `path(n=${n})` });
}

/** Star: centre 0 joined to every other node. */
export function star(params: TopologyParams, _rng?: Rng): Graph {
  const n = requireNodes('star', params.nodes);
  const edges = new Int32Array(2 * (n - 1));
  for (let i = 1; i < n; i++) {
    edges[2 * (i - 1)] = 0;
    edges[2 * (i - 1) + 1] = i;
  }
  return graphFromEdges({ n, edges, name: `star(n=${n})` });
}

/** Complete graph K_n. */
export function complete(params: TopologyParams, _rng?: Rng): Graph {
  const n = requireNodes('complete', params.nodes);
  const edges = new Int32Array(n * (n - 1));
  let q = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      edges[q++] = i;
      edges[q++] = j;
    }
  }
  return graphFromEdges({ n, edges, name: `complete(n=${n})` });
}

/**
 * rows × cols for grid/torus with rows·cols = nodes. Both given: must multiply to nodes. One given:
 * the other is nodes / it (must divide). Neither: the most square factorisation (rows ≤ cols).
 */
export function resolveGridShape(kind: string, params: TopologyParams): { rows: number; cols: number } {
  const n = requireNodes(kind, params.nodes);
  const { rows, cols } = params;
  if (rows !== undefined) requireInt(kind, 'rows', rows, 1, n);
  if (cols !== undefined) requireInt(kind, 'cols', cols, 1, n);
  if (rows !== undefined && cols !== undefined) {
    if (rows * cols !== n) {
      throw topologyError(`topology ${kind}: rows × cols = ${rows} × ${cols} = ${rows * cols} does not equal nodes = ${n}`, {
        param: 'rows',
        rows,
        cols,
        nodes: n,
      });
    }
    return { rows, cols };
  }
  if (rows !== undefined) {
    if (n % rows !== 0)
      throw topologyError(`topology ${kind}: rows = ${rows} does not divide nodes = ${n}`, { param: 'rows', rows, nodes: n });
    return { rows, cols: n / rows };
  }
  if (cols !== undefined) {
    if (n % cols !== 0)
      throw topologyError(`topology ${kind}: cols = ${cols} does not divide nodes = ${n}`, { param: 'cols', cols, nodes: n });
    return { rows: n / cols, cols };
  }
  let r = Math.floor(Math.sqrt(n));
  while (n % r !== 0) r--;
  return { rows: r, cols: n / r };
}

/** Grid P_rows □ P_cols, node id = r·cols + c, 4-neighbour. */
export function grid(params: TopologyParams, _rng?: Rng): Graph {
  const { rows, cols } = resolveGridShape('grid', params);
  const n = rows * cols;
  const es = new EdgeSet(n);
  product(rows, cols, pathEdges, (a, b) => es.add(a, b));
  return graphFromEdges({ n, edges: es.edges(), name: `grid(${rows}x${cols})` });
}

/** Torus C_rows □ C_cols (wraparound); a side of 2 gives one edge, a side of 1 none. */
export function torus(params: TopologyParams, _rng?: Rng): Graph {
  const { rows, cols } = resolveGridShape('torus', params);
  const n = rows * cols;
  const es = new EdgeSet(n);
  product(rows, cols, cycleEdges, (a, b) => es.add(a, b));
  return graphFromEdges({ n, edges: es.edges(), name: `torus(${rows}x${cols})` });
}

/** Hypercube Q_q on n = 2^q nodes: i ~ i XOR 2^b. */
export function hypercube(params: TopologyParams, _rng?: Rng): Graph {
  const n = requireNodes('hypercube', params.nodes);
  if ((n & (n - 1)) !== 0 || n > 2 ** 30) {
    throw topologyError(`topology hypercube: nodes must be a power of 2 (1, 2, 4, 8, …), got ${n}`, { param: 'nodes', got: n });
  }
  const q = Math.log2(n);
  const edges: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < q; b++) {
      const j = i ^ (1 << b);
      if (j > i) edges.push(i, j);
    }
  }
  return graphFromEdges({ n, edges, name: `hypercube(n=${n}, q=${q})` });
}

/**
 * Static exponential graph: i ~ i ± 2^k mod n for every k with 2^k < n (undirected). Offsets that
 * coincide mod n (e.g. +n/2 ≡ −n/2) give one edge.
 */
export function exponential(params: TopologyParams, _rng?: Rng): Graph {
  const n = requireNodes('exponential', params.nodes);
  const es = new EdgeSet(n);
  for (let i = 0; i < n; i++) {
    for (let s = 1; s < n; s *= 2) {
      es.add(i, (i + s) % n);
      es.add(i, (((i - s) % n) + n) % n);
    }
  }
  return graphFromEdges({ n, edges: es.edges(), name: `exponential(n=${n})` });
}

type EdgeSink = (a: number, b: number) => void;

function pathEdges(m: number, add: EdgeSink): void {
  for (let i = 0; i + 1 < m; i++) add(i, i + 1);
}

function cycleEdges(m: number, add: EdgeSink): void {
  pathEdges(m, add);
  if (m >= 3) add(m - 1, 0);
}

/** Cartesian product of two 1-D factors: (r,c) ~ (r',c) for r~r', and (r,c) ~ (r,c') for c~c'. */
function product(rows: number, cols: number, factor: (m: number, add: EdgeSink) => void, add: EdgeSink): void {
  for (let c = 0; c < cols; c++) factor(rows, (a, b) => add(a * cols + c, b * cols + c));
  for (let r = 0; r < rows; r++) factor(cols, (a, b) => add(r * cols + a, r * cols + b));
}
