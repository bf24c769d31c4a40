/**
 * The registry of graph generators, all `(params, rng) → Graph` (DESIGN.md §2). Deterministic kinds
 * ignore the rng; random kinds draw only from it.
 */
import type { Graph } from './types.ts';
import type { Rng } from '../node/linalg/rng.ts';
import type { TopologyParams } from './params.ts';
import { complete, exponential, grid, hypercube, path, ring, star, torus } from './gen-lattice.ts';
import { erdosRenyi, randomRegular, smallWorld } from './gen-random.ts';
import { edgeListFile } from './edge-list.ts';

export type { TopologyParams } from './params.ts';
export { complete, exponential, grid, hypercube, path, ring, star, torus, resolveGridShape } from './gen-lattice.ts';
export { erdosRenyi, randomRegular, smallWorld } from './gen-random.ts';
export { edgeListFile, parseEdgeList } from './edge-list.ts';

export type GraphGenerator = (params: TopologyParams, rng: Rng) => Graph;

export const TOPOLOGY_KINDS = [
  'ring',
  'path',
  'star',
  'complete',
  'grid',
  'torus',
  'hypercube',
  'exponential',
  'erdos-renyi',
  'regular',
  'small-world',
  'edge-list',
] as const;

export type TopologyKind = (typeof TOPOLOGY_KINDS)[number];

export const GENERATORS: Readonly<Record<TopologyKind, GraphGenerator>> = {
  ring,
  path,
  star,
  complete,
  grid,
  torus,
  hypercube,
  exponential,
  'erdos-renyi': erdosRenyi,
  regular: randomRegular,
  'small-world': smallWorld,
  'edge-list': edgeListFile,
};

/** Which optional parameters each kind reads; any other one given is an error (never ignored). */
export const KIND_PARAMS: Readonly<Record<TopologyKind, readonly (keyof TopologyParams)[]>> = {
  ring: [],
  path: [],
  star: [],
  complete: [],
  grid: ['rows', 'cols'],
  torus: ['rows', 'cols'],
  hypercube: [],
  exponential: [],
  'erdos-renyi': ['p'],
  regular: ['degree'],
  'small-world': ['k', 'beta'],
  'edge-list': ['file'],
};
