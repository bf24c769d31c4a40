/** Serialisations of a built topology: JSON (the run folder's topology.json) and Graphviz DOT. */
import type { BuiltTopology } from './spec.ts';
import { degrees, edgeList, edgeCount } from './graph.ts';
import { mixingRow } from './mixing.ts';

export interface TopologyJson {
  name: string;
  kind: string;
  n: number;
  edgeCount: number;
  /** Undirected edges [i, j] with i < j, lexicographic. */
  edges: Array<[number, number]>;
  degrees: number[];
  /** Mixing rule name, e.g. "lazy(metropolis)". */
  mixing: string;
  /** Row i of W: ids ascending (self included when W_ii > 0), weights aligned. */
  W: Array<{ ids: number[]; weights: number[] }>;
  /** ρ = ‖W − J‖₂ */
  rho: number;
  /** 1 − ρ */
  spectralGap: number;
  lambda2: number | null;
  /** Eigenvalues of W, descending; null when only ρ, λ₂ and λ_min were computed (sparse method, large n). */
  eigenvalues: number[] | null;
  /** How the spectral figures were computed: closed-form, dense or lanczos (topologies/spectral.ts). */
  spectralMethod: string;
}

export function topologyToJson(built: BuiltTopology): TopologyJson {
  const { graph, mixing, spectral } = built;
  const flat = edgeList(graph);
  const edges: Array<[number, number]> = [];
  for (let q = 0; q < flat.length; q += 2) edges.push([flat[q], flat[q + 1]]);
  const W: TopologyJson['W'] = [];
  for (let i = 0; i < graph.n; i++) {
    const row = mixingRow(mixing, i);
    W.push({ ids: Array.from(row.ids), weights: Array.from(row.weights) });
  }
  return {
    name: graph.name,
    kind: built.spec.kind,
    n: graph.n,
    edgeCount: edgeCount(graph),
    edges,
    degrees: Array.from(degrees(graph)),
    mixing: mixing.name,
    W,
    rho: spectral.rho,
    spectralGap: spectral.spectralGap,
    lambda2: spectral.lambda2,
    eigenvalues: spectral.eigenvalues === null ? null : Array.from(spectral.eigenvalues),
    spectralMethod: spectral.method,
  };
}

/** Graphviz DOT: nodes labelled with W_ii, edges with W_ij (6 significant digits). */
export function topologyToDot(built: BuiltTopology): string {
  const { graph, mixing, spectral } = built;
  const fmt = (x: number): string => String(Number(x.toPrecision(6)));
  const lines = [
    `graph ${JSON.stringify(graph.name)} {`,
    `  // mixing ${mixing.name}; rho = ${fmt(spectral.rho)}; spectral gap = ${fmt(spectral.spectralGap)}`,
  ];
  for (let i = 0; i < graph.n; i++) lines.push(`  ${i} [label="${i}\\nW_ii=${fmt(mixing.selfWeight[i])}"];`);
  for (let i = 0; i < graph.n; i++) {
    for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) {
      const j = graph.indices[p];
      if (j > i) lines.push(`  ${i} -- ${j} [label="${fmt(mixing.weights[p])}"];`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
