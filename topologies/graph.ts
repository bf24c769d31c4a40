/**
 * Building and validating simple undirected graphs in symmetric CSR form (topologies/types.ts).
 * Nothing here repairs a bad input: self loops, duplicate edges, out-of-range ids, asymmetry and
 * disconnection all throw PROXMESH_ERR_TOPOLOGY naming the offending node(s).
 */
import type { Graph } from './types.ts';
import { topologyError } from './errors.ts';

export interface GraphFromEdgesOptions {
  /** Number of nodes n ≥ 1; ids are 0..n-1. */
  readonly n: number;
  /** Undirected edges as a flat list [i0, j0, i1, j1, …]; each edge listed once, in either direction. */
  readonly edges: ArrayLike<number>;
  /** Human-readable name, e.g. "ring(n=8)". */
  readonly name: string;
  /** Appended to the "disconnected" error, e.g. "increase p or use another kind". */
  readonly connectivityHint?: string;
  /** Where edge e came from (e.g. a file line), for error messages. */
  readonly edgeOrigin?: (e: number) => string;
  /** Default true. Random generators pass false, test `isConnected` and resample. */
  readonly requireConnected?: boolean;
}

/**
 * Builds the CSR graph from an undirected edge list. Throws on ids out of range, self loops,
 * duplicate edges and disconnection (BFS from node 0).
 */
export function graphFromEdges(opts: GraphFromEdgesOptions): Graph {
  const { n, edges, name } = opts;
  if (!Number.isInteger(n) || n < 1) {
    throw topologyError(`graph ${name}: node count n must be an integer ≥ 1, got ${n}`, { n });
  }
  if (edges.length % 2 !== 0) {
    throw topologyError(`graph ${name}: edge list has odd length ${edges.length} (expected pairs i, j)`);
  }
  const m = edges.length / 2;
  const where = (e: number): string => (opts.edgeOrigin ? ` (${opts.edgeOrigin(e)})` : '');
  const deg = new Int32Array(n);
  for (let e = 0; e < m; e++) {
    const i = edges[2 * e];
    const j = edges[2 * e + 1];
    for (const v of [i, j]) {
      if (!Number.isInteger(v) || v < 0 || v >= n) {
        throw topologyError(`graph ${name}: edge (${i}, ${j})${where(e)} has node id ${v} out of range [0, ${n - 1}]`, { i, j, n });
      }
    }
    if (i === j)
      throw topologyError(`graph ${name}: self loop at node ${i}${where(e)}; graphs must be simple (W_ii comes from the mixing rule)`, {
        i,
      });
    deg[i]++;
    deg[j]++;
  }
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i] + deg[i];
  const indices = new Int32Array(indptr[n]);
  const fill = indptr.slice(0, n);
  for (let e = 0; e < m; e++) {
    const i = edges[2 * e];
    const j = edges[2 * e + 1];
    indices[fill[i]++] = j;
    indices[fill[j]++] = i;
  }
  for (let i = 0; i < n; i++) {
    const row = indices.subarray(indptr[i], indptr[i + 1]);
    row.sort();
    for (let p = 1; p < row.length; p++) {
      if (row[p] === row[p - 1]) {
        throw topologyError(
          `graph ${name}: duplicate edge (${Math.min(i, row[p])}, ${Math.max(i, row[p])}); each undirected edge must be listed once`,
          { i, j: row[p] },
        );
      }
    }
  }
  const g: Graph = { n, indptr, indices, name };
  if (opts.requireConnected !== false) assertConnected(g, opts.connectivityHint);
  return g;
}

/**
 * Checks a Graph built elsewhere: CSR shape, ids in range, rows strictly ascending (no multi-edges),
 * no self loops, symmetric (j ∈ N(i) ⇔ i ∈ N(j)) and connected.
 */
export function validateGraph(g: Graph, connectivityHint?: string): void {
  const { n, indptr, indices, name } = g;
  if (!Number.isInteger(n) || n < 1) throw topologyError(`graph ${name}: node count n must be an integer ≥ 1, got ${n}`);
  if (indptr.length !== n + 1 || indptr[0] !== 0 || indptr[n] !== indices.length) {
    throw topologyError(
      `graph ${name}: malformed CSR (indptr length ${indptr.length} for n=${n}, indptr[0]=${indptr[0]}, indptr[n]=${indptr[n]}, ${indices.length} indices)`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (indptr[i + 1] < indptr[i]) throw topologyError(`graph ${name}: malformed CSR, indptr decreases at node ${i}`);
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = indices[p];
      if (j < 0 || j >= n) throw topologyError(`graph ${name}: node ${i} has neighbour id ${j} out of range [0, ${n - 1}]`, { i, j });
      if (j === i) throw topologyError(`graph ${name}: self loop at node ${i}`, { i });
      if (p > indptr[i] && j <= indices[p - 1]) {
        throw topologyError(
          `graph ${name}: neighbours of node ${i} are not strictly ascending (${indices[p - 1]} then ${j}: unsorted or multi-edge)`,
          { i, j },
        );
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = indices[p];
      if (edgePosition(g, j, i) < 0) {
        throw topologyError(`graph ${name}: not symmetric: edge ${i} → ${j} present but ${j} → ${i} missing`, { i, j });
      }
    }
  }
  assertConnected(g, connectivityHint);
}

/** Throws PROXMESH_ERR_TOPOLOGY naming the first node not reached by a BFS from node 0. */
export function assertConnected(g: Graph, hint?: string): void {
  const reached = bfsReach(g);
  if (reached.count < g.n) {
    throw topologyError(
      `graph ${g.name} is disconnected: node ${reached.firstUnreached} unreachable from node 0${hint ? `; ${hint}` : ''}`,
      { node: reached.firstUnreached },
    );
  }
}

/** True iff every node is reachable from node 0. */
export function isConnected(g: Graph): boolean {
  return bfsReach(g).count === g.n;
}

function bfsReach(g: Graph): { count: number; firstUnreached: number } {
  const { n, indptr, indices } = g;
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  seen[0] = 1;
  queue[tail++] = 0;
  while (head < tail) {
    const i = queue[head++];
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = indices[p];
      if (!seen[j]) {
        seen[j] = 1;
        queue[tail++] = j;
      }
    }
  }
  return { count: tail, firstUnreached: tail < n ? seen.indexOf(0) : -1 };
}

/** Position p in `indices` of edge i→j (binary search in row i), or −1. */
export function edgePosition(g: Graph, i: number, j: number): number {
  let lo = g.indptr[i];
  let hi = g.indptr[i + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = g.indices[mid];
    if (v === j) return mid;
    if (v < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function hasEdge(g: Graph, i: number, j: number): boolean {
  return edgePosition(g, i, j) >= 0;
}

export function degree(g: Graph, i: number): number {
  return g.indptr[i + 1] - g.indptr[i];
}

/** Degree sequence d_i = |N(i)|. */
export function degrees(g: Graph): Int32Array {
  const d = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) d[i] = g.indptr[i + 1] - g.indptr[i];
  return d;
}

/** |E| (undirected edges). */
export function edgeCount(g: Graph): number {
  return g.indices.length / 2;
}

/** The undirected edges as a flat list [i, j, …] with i < j, sorted lexicographically. */
export function edgeList(g: Graph): Int32Array {
  const out = new Int32Array(g.indices.length);
  let q = 0;
  for (let i = 0; i < g.n; i++) {
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const j = g.indices[p];
      if (j > i) {
        out[q++] = i;
        out[q++] = j;
      }
    }
  }
  return out;
}
