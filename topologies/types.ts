/**
 * Graph and mixing-matrix contracts. Graphs are undirected, simple (no self loops, no multi-edges),
 * stored as symmetric CSR with neighbour ids ascending. Node ids are 0..n-1.
 */

export interface Graph {
  readonly n: number;
  /** length n+1 */
  readonly indptr: Int32Array;
  /** length 2·|E|; neighbours of i are indices[indptr[i] .. indptr[i+1]), ascending, never i. */
  readonly indices: Int32Array;
  /** Human-readable description, e.g. "ring(n=8)". */
  readonly name: string;
}

/**
 * A symmetric doubly-stochastic mixing matrix W aligned with a graph:
 * W_ii = selfWeight[i], W_ij = weights[p] for j = graph.indices[p], p in row i's range.
 */
export interface Mixing {
  readonly graph: Graph;
  readonly selfWeight: Float64Array;
  readonly weights: Float64Array;
  /** e.g. "metropolis", "lazy(metropolis)". */
  readonly name: string;
}

/** Row i of W as used by a node: ids ascending INCLUDING i itself when W_ii > 0. */
export interface MixingRow {
  readonly ids: Int32Array;
  readonly weights: Float64Array;
}
