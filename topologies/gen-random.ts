/**
 * Random generators: Erdős–Rényi G(n, p), random d-regular, Watts–Strogatz small-world. Each draws
 * only from the Rng passed in (the caller derives it as Rng.derive(seed, −1, 'topology')), and
 * resamples until the graph is connected, at most `maxAttempts` times, then throws naming the fix.
 */
import type { Graph } from './types.ts';
import type { Rng } from '../node/linalg/rng.ts';
import type { TopologyParams } from './params.ts';
import { attemptsOf, requireInt, requireNodes, requireProb } from './params.ts';
import { EdgeSet } from './edge-set.ts';
import { graphFromEdges, isConnected } from './graph.ts';
import { topologyError } from './errors.ts';

/** G(n, p): each of the n(n−1)/2 pairs is an edge independently with probability p (pairs in lexicographic order). */
export function erdosRenyi(params: TopologyParams, rng: Rng): Graph {
  const n = requireNodes('erdos-renyi', params.nodes);
  const p = requireProb('erdos-renyi', 'p', params.p);
  const attempts = attemptsOf(params);
  const name = `erdos-renyi(n=${n}, p=${p})`;
  const threshold = n > 1 ? Math.log(n) / n : 0;
  if (n > 1 && p === 0)
    throw topologyError(
      `graph ${name} is disconnected: p = 0 gives no edges; increase p (connectivity needs p ≳ ln(n)/n = ${threshold.toFixed(4)})`,
      { param: 'p' },
    );
  for (let a = 0; a < attempts; a++) {
    const edges: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) if (rng.next() < p) edges.push(i, j);
    }
    const g = graphFromEdges({ n, edges, name, requireConnected: false });
    if (isConnected(g)) return g;
  }
  throw topologyError(
    `graph ${name} was disconnected in all ${attempts} draws; increase p (connectivity needs p ≳ ln(n)/n = ${threshold.toFixed(4)}) or use another kind`,
    { param: 'p', attempts },
  );
}

/**
 * Uniformly-ish random d-regular graph by the pairing model with incremental repair (Steger–Wormald,
 * as in networkx): shuffle the n·d stubs, pair neighbours in the shuffled order, keep the pairs that
 * are neither loops nor repeats, reshuffle only the leftovers; restart when no valid pair is left.
 * For d > (n−1)/2 the complement of a random (n−1−d)-regular graph is drawn instead (denser pairing
 * rarely succeeds). Resampled until connected.
 */
export function randomRegular(params: TopologyParams, rng: Rng): Graph {
  const n = requireNodes('regular', params.nodes);
  const d = requireInt('regular', 'degree', params.degree, 0, n - 1, 'degree d with 0 ≤ d < nodes');
  const name = `regular(n=${n}, d=${d})`;
  if ((n * d) % 2 !== 0) {
    throw topologyError(
      `topology regular: nodes · degree = ${n} · ${d} is odd; a d-regular graph needs n·d even (change degree or nodes)`,
      { param: 'degree', nodes: n, degree: d },
    );
  }
  if (n > 1 && d === 0) throw topologyError(`graph ${name} is disconnected: degree 0 gives no edges; use degree ≥ 2`, { param: 'degree' });
  if (n > 2 && d === 1)
    throw topologyError(`graph ${name} is disconnected: a 1-regular graph on more than 2 nodes is a perfect matching; use degree ≥ 2`, {
      param: 'degree',
    });
  const attempts = attemptsOf(params);
  const complement = 2 * d > n - 1;
  const dd = complement ? n - 1 - d : d;
  for (let a = 0; a < attempts; a++) {
    const es = pairing(n, dd, rng);
    if (es === null) continue;
    const edges = complement ? complementEdges(n, es) : es.edges();
    const g = graphFromEdges({ n, edges, name, requireConnected: false });
    if (isConnected(g)) return g;
  }
  throw topologyError(
    `graph ${name}: no connected simple d-regular graph found in ${attempts} draws; increase degree or use another kind`,
    { param: 'degree', attempts },
  );
}

function pairing(n: number, d: number, rng: Rng): EdgeSet | null {
  const es = new EdgeSet(n);
  let stubs = new Int32Array(n * d);
  for (let i = 0; i < n * d; i++) stubs[i] = Math.floor(i / d);
  const leftover = new Int32Array(n);
  // Each round pairs at least one stub with probability bounded away from 0 when a valid pair exists;
  // the bound only guards against pathological loops.
  for (let round = 0; stubs.length > 0; round++) {
    if (round > 10 * (n * d + 10)) return null;
    rng.shuffle(stubs);
    leftover.fill(0);
    let left = 0;
    for (let t = 0; t + 1 < stubs.length; t += 2) {
      const u = stubs[t];
      const v = stubs[t + 1];
      if (u !== v && !es.has(u, v)) es.add(u, v);
      else {
        leftover[u]++;
        leftover[v]++;
        left += 2;
      }
    }
    if (left === 0) return es;
    if (!hasValidPair(es, leftover)) return null;
    stubs = new Int32Array(left);
    let q = 0;
    for (let i = 0; i < n; i++) for (let c = 0; c < leftover[i]; c++) stubs[q++] = i;
  }
  return es;
}

function hasValidPair(es: EdgeSet, leftover: Int32Array): boolean {
  const cand: number[] = [];
  for (let i = 0; i < leftover.length; i++) if (leftover[i] > 0) cand.push(i);
  for (let a = 0; a < cand.length; a++) {
    for (let b = a + 1; b < cand.length; b++) if (!es.has(cand[a], cand[b])) return true;
  }
  return false;
}

function complementEdges(n: number, es: EdgeSet): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (!es.has(i, j)) out.push(i, j);
  return Int32Array.from(out);
}

/**
 * Watts–Strogatz: ring lattice where i ~ i±1, …, i±k/2; then for j = 1..k/2 and each node u, with
 * probability β the edge (u, u+j) is replaced by (u, w), w uniform among non-neighbours of u
 * (skipped if u is already adjacent to everyone). Resampled until connected.
 */
export function smallWorld(params: TopologyParams, rng: Rng): Graph {
  const n = requireNodes('small-world', params.nodes);
  if (n < 3)
    throw topologyError(`topology small-world: nodes must be ≥ 3 (a ring lattice with k ≥ 2 neighbours), got ${n}`, {
      param: 'nodes',
      got: n,
    });
  const k = requireInt('small-world', 'k', params.k, 2, n - 1, 'ring-lattice neighbours, even, 2 ≤ k < nodes');
  if (k % 2 !== 0)
    throw topologyError(`topology small-world: parameter k must be even (k/2 neighbours on each side), got ${k}`, { param: 'k', got: k });
  const beta = requireProb('small-world', 'beta', params.beta);
  const attempts = attemptsOf(params);
  const name = `small-world(n=${n}, k=${k}, beta=${beta})`;
  for (let a = 0; a < attempts; a++) {
    const adj: Array<Set<number>> = Array.from({ length: n }, () => new Set<number>());
    const link = (u: number, v: number): void => {
      adj[u].add(v);
      adj[v].add(u);
    };
    for (let j = 1; j <= k / 2; j++) for (let u = 0; u < n; u++) link(u, (u + j) % n);
    for (let j = 1; j <= k / 2; j++) {
      for (let u = 0; u < n; u++) {
        if (!(rng.next() < beta)) continue;
        if (adj[u].size >= n - 1) continue;
        let w = rng.int(n);
        while (w === u || adj[u].has(w)) w = rng.int(n);
        const v = (u + j) % n;
        adj[u].delete(v);
        adj[v].delete(u);
        link(u, w);
      }
    }
    const edges: number[] = [];
    for (let u = 0; u < n; u++) for (const v of adj[u]) if (v > u) edges.push(u, v);
    const g = graphFromEdges({ n, edges, name, requireConnected: false });
    if (isConnected(g)) return g;
  }
  throw topologyError(`graph ${name} was disconnected in all ${attempts} draws; decrease beta or increase k`, { param: 'beta', attempts });
}
