/**
 * Time-varying mixing (issue 13 item 1): a TopologySchedule gives W_k for every round k, as one
 * MixingRow per node (ids ascending, self included when (W_k)_ii > 0). Rounds repeat with the
 * schedule's period: W_k = rounds[k mod period]; the initial exchange at round −1 (DEEPSTORM's y⁰)
 * uses W_0. Every W_k is symmetric and doubly stochastic (A3, validated here), so each round keeps
 * the tracking invariant mean(y) = mean(g) (paper-spec §9.6: Σ_i (W_k)_ij = 1 for every j).
 *
 *   cycle:                 rounds = [W(base), W(then[0]), …]; each built by buildTopology
 *                          (nodes, weights and lazy inherited from the base unless given).
 *   one-peer-exponential:  τ = ⌈log₂n⌉ rounds, W_t = (I + P_t)/2 with one peer per round.
 *                          form 'directed' (Ying et al., NeurIPS 2021): node i sends to i + 2^t and
 *                          averages x_i with x_{i−2^t} (mod n): W_t is doubly stochastic but not
 *                          symmetric, so the round's senders and receivers differ (`sends`).
 *                          form 'symmetric': i averages with i XOR 2^t = i ± 2^t (hypercube
 *                          dimension exchange; n a power of 2), W_t symmetric.
 *                          For n a power of 2 both give Π_t W_t = J exactly.
 *   random-matching:       `period` rounds, each a uniformly random perfect matching (a seeded
 *                          permutation paired off; odd n leaves its last node alone), W = (I + P)/2.
 *   dropout:               `period` rounds; each base edge survives with probability 1 − p (one draw
 *                          per edge, edge-list order); W_k = Metropolis weights of the survivors,
 *                          w_ij = 1/(1 + max(d_i, d_j)), w_ii = 1 − Σ_j w_ij — doubly stochastic for
 *                          any graph, connected or not.
 * `lazy` of the base applies to every kind: W_k ← (I + W_k)/2.
 * Randomness: one stream, Rng.derive(seed, −1, 'topology-schedule'), drawn round by round.
 */
import { Rng } from '../node/linalg/rng.ts';
import type { MixingRow } from './types.ts';
import type { TopologySchedule as ScheduleSpec } from './schedule-spec.ts';
import { buildTopology, type BuiltTopology, type TopologySpec, type TopologySpecInput } from './spec.ts';
import { mixingRow } from './mixing.ts';
import { edgeList } from './graph.ts';
import { mixingError, topologyError } from './errors.ts';

/**
 * One round's W as node rows: rows[i] is what node i mixes (its in-neighbours j with (W_k)_ij > 0,
 * self included). For a symmetric W_k node i also sends to exactly the others of rows[i]; a
 * directed round lists its out-neighbours in `sends[i]` (j ∈ sends[i] ⇔ i ∈ rows[j]).
 */
export interface RoundMixing {
  readonly name: string;
  readonly rows: readonly MixingRow[];
  readonly sends?: readonly Int32Array[];
}

/** The nodes node i sends to in round r (self excluded, ascending). */
export function roundSends(r: RoundMixing, i: number): Int32Array {
  if (r.sends !== undefined) return r.sends[i];
  return r.rows[i].ids.filter((j) => j !== i);
}

export interface TopologySchedule {
  readonly n: number;
  readonly name: string;
  /** Distinct rounds; round k uses rounds[k mod period] (k < 0: rounds[0]). */
  readonly rounds: readonly RoundMixing[];
  readonly period: number;
}

/** Index into `rounds` of round k. */
export function roundIndex(s: TopologySchedule, k: number): number {
  return k < 0 ? 0 : k % s.period;
}

/** Node i's row of W_k. */
export function scheduleRow(s: TopologySchedule, k: number, i: number): MixingRow {
  return s.rounds[roundIndex(s, k)].rows[i];
}

/** The nodes node i sends to in round k (self excluded). */
export function scheduleSends(s: TopologySchedule, k: number, i: number): Int32Array {
  return roundSends(s.rounds[roundIndex(s, k)], i);
}

/** Every node node i exchanges with in some round (self excluded), ascending: the links it opens. */
export function unionNeighbours(s: TopologySchedule, i: number): number[] {
  const set = new Set<number>();
  for (const r of s.rounds) {
    for (const j of r.rows[i].ids) if (j !== i) set.add(j);
    for (const j of roundSends(r, i)) set.add(j);
  }
  return [...set].sort((a, b) => a - b);
}

/** The stream every schedule draw comes from. */
export function scheduleRng(seed: number): Rng {
  return Rng.derive(seed, -1, 'topology-schedule');
}

/**
 * Rows of a graph given as neighbour sets and symmetric weights w(i, j) ≤ 1/(1 + d_i). The diagonal
 * is written as metropolisMixing writes it, w_ii = 1/(1+d_i) + Σ_j (1/(1+d_i) − w_ij) (ascending j):
 * equal to 1 − Σ_j w_ij in exact arithmetic, a sum of nonnegative terms, and bit-identical to the
 * static Metropolis W on the same graph (so dropout with p = 0 reproduces a static run exactly).
 */
function rowsFrom(nbrs: readonly number[][], w: (i: number, j: number) => number): MixingRow[] {
  return nbrs.map((list, i) => {
    const ids = [...list, i].sort((a, b) => a - b);
    const weights = new Float64Array(ids.length);
    const base = 1 / (1 + list.length);
    let extra = 0;
    ids.forEach((j, p) => {
      if (j !== i) {
        weights[p] = w(i, j);
        extra += base - weights[p];
      }
    });
    weights[ids.indexOf(i)] = base + extra;
    return { ids: Int32Array.from(ids), weights };
  });
}

/** (I + W)/2 row by row. */
function lazyRound(r: RoundMixing): RoundMixing {
  return { name: `lazy(${r.name})`, rows: lazyRows(r.rows), ...(r.sends === undefined ? {} : { sends: r.sends }) };
}

function lazyRows(rows: readonly MixingRow[]): MixingRow[] {
  return rows.map((r, i) => {
    const weights = Float64Array.from(r.weights, (w, p) => (r.ids[p] === i ? (1 + w) / 2 : w / 2));
    return { ids: r.ids, weights };
  });
}

function pairRows(n: number, partner: Int32Array): MixingRow[] {
  const nbrs = Array.from({ length: n }, (_, i) => (partner[i] >= 0 ? [partner[i]] : []));
  return rowsFrom(nbrs, () => 0.5);
}

/** Directed one-peer rounds: i sends to i + 2^t, mixes (x_i + x_{i−2^t})/2 (mod n), t < ⌈log₂n⌉. */
function onePeerDirected(n: number): RoundMixing[] {
  if (n < 2) throw topologyError(`topology.schedule one-peer-exponential needs nodes ≥ 2, got ${n}`, { param: 'schedule.kind', got: n });
  const tau = Math.ceil(Math.log2(n));
  const out: RoundMixing[] = [];
  for (let t = 0; t < tau; t++) {
    const h = 2 ** t;
    const rows = Array.from({ length: n }, (_, i): MixingRow => {
      const from = (i - h + n) % n;
      return { ids: Int32Array.from([i, from].sort((a, b) => a - b)), weights: Float64Array.of(0.5, 0.5) };
    });
    const sends = Array.from({ length: n }, (_, i) => Int32Array.of((i + h) % n));
    out.push({ name: `one-peer(+2^${t})`, rows, sends });
  }
  return out;
}

function onePeerExponential(n: number): RoundMixing[] {
  if (n < 2 || (n & (n - 1)) !== 0) {
    throw topologyError(
      `topology.schedule one-peer-exponential with form 'symmetric' needs nodes = a power of 2 (≥ 2), got ${n}; use 2, 4, 8, … nodes or form 'directed'`,
      {
        param: 'schedule.kind',
        got: n,
      },
    );
  }
  const tau = Math.log2(n);
  const out: RoundMixing[] = [];
  for (let t = 0; t < tau; t++) {
    const partner = Int32Array.from({ length: n }, (_, i) => i ^ (1 << t));
    out.push({ name: `one-peer(2^${t})`, rows: pairRows(n, partner) });
  }
  return out;
}

function randomMatching(n: number, period: number, rng: Rng): RoundMixing[] {
  const out: RoundMixing[] = [];
  for (let r = 0; r < period; r++) {
    const perm = rng.permutation(n);
    const partner = new Int32Array(n).fill(-1);
    for (let m = 0; m + 1 < n; m += 2) {
      partner[perm[m]] = perm[m + 1];
      partner[perm[m + 1]] = perm[m];
    }
    out.push({ name: `matching#${r}`, rows: pairRows(n, partner) });
  }
  return out;
}

function dropout(base: BuiltTopology, p: number, period: number, rng: Rng): RoundMixing[] {
  const n = base.graph.n;
  const edges = edgeList(base.graph); // pairs (i, j), i < j, in CSR order
  const out: RoundMixing[] = [];
  for (let r = 0; r < period; r++) {
    const nbrs: number[][] = Array.from({ length: n }, () => []);
    for (let e = 0; e + 1 < edges.length; e += 2) {
      if (rng.next() < p) continue; // dropped this round
      nbrs[edges[e]].push(edges[e + 1]);
      nbrs[edges[e + 1]].push(edges[e]);
    }
    const deg = nbrs.map((l) => l.length);
    out.push({ name: `dropout#${r}`, rows: rowsFrom(nbrs, (i, j) => 1 / (1 + Math.max(deg[i], deg[j]))) });
  }
  return out;
}

function cycle(base: BuiltTopology, then: readonly Record<string, unknown>[], rng: Rng): RoundMixing[] {
  const n = base.graph.n;
  const rounds: RoundMixing[] = [{ name: base.graph.name, rows: Array.from({ length: n }, (_, i) => mixingRow(base.mixing, i)) }];
  then.forEach((raw, idx) => {
    if (raw.nodes !== undefined && raw.nodes !== n) {
      throw topologyError(`topology.schedule.then[${idx}].nodes = ${String(raw.nodes)} differs from topology.nodes = ${n}; omit it`, {
        param: `schedule.then[${idx}].nodes`,
      });
    }
    if (raw.schedule !== undefined)
      throw topologyError(`topology.schedule.then[${idx}] cannot have its own schedule; remove it`, {
        param: `schedule.then[${idx}].schedule`,
      });
    const spec = { weights: base.spec.weights, lazy: base.spec.lazy, ...raw, nodes: n } as TopologySpecInput;
    let built: BuiltTopology;
    try {
      built = buildTopology(spec, rng);
    } catch (err) {
      const e = err as Error;
      throw topologyError(`topology.schedule.then[${idx}]: ${e.message}`, { param: `schedule.then[${idx}]` });
    }
    rounds.push({ name: built.graph.name, rows: Array.from({ length: n }, (_, i) => mixingRow(built.mixing, i)) });
  });
  return rounds;
}

/**
 * Checks that W_k is symmetric, nonnegative and doubly stochastic (rows, hence columns, sum to 1
 * within 1e-12), with ids ascending and distinct. Throws PROXMESH_ERR_MIXING naming the round.
 */
export function validateRound(r: RoundMixing, n: number, k: number): void {
  const at = new Map<string, number>();
  r.rows.forEach((row, i) => {
    let sum = 0;
    for (let p = 0; p < row.ids.length; p++) {
      const j = row.ids[p],
        w = row.weights[p];
      if (!(j >= 0 && j < n) || (p > 0 && j <= row.ids[p - 1]))
        throw mixingError(`schedule round ${k}: row ${i} has ids [${Array.from(row.ids)}], not ascending in [0, ${n})`, {
          round: k,
          node: i,
        });
      if (!(w >= 0)) throw mixingError(`schedule round ${k}: W[${i}][${j}] = ${w} is negative`, { round: k, node: i });
      sum += w;
      at.set(`${i},${j}`, w);
    }
    if (Math.abs(sum - 1) > 1e-12) throw mixingError(`schedule round ${k}: row ${i} sums to ${sum}, not 1`, { round: k, node: i });
  });
  if (r.sends === undefined) {
    for (const [key, w] of at) {
      const [i, j] = key.split(',');
      if (at.get(`${j},${i}`) !== w)
        throw mixingError(`schedule round ${k}: W[${i}][${j}] = ${w} but W[${j}][${i}] = ${at.get(`${j},${i}`) ?? 0} (not symmetric)`, {
          round: k,
        });
    }
    return;
  }
  // Directed: columns must sum to 1 too (each sender's weights, what keeps the mean), and the
  // senders must be exactly the in-neighbours: j ∈ sends[i] ⇔ i ∈ rows[j], j ≠ i.
  const col = new Float64Array(n);
  for (const [key, w] of at) col[Number(key.split(',')[1])] += w;
  col.forEach((c, j) => {
    if (Math.abs(c - 1) > 1e-12)
      throw mixingError(`schedule round ${k}: column ${j} sums to ${c}, not 1 (W_k not doubly stochastic)`, { round: k, node: j });
  });
  for (let i = 0; i < n; i++) {
    for (const j of r.sends[i])
      if (!at.has(`${j},${i}`) || j === i)
        throw mixingError(`schedule round ${k}: node ${i} sends to ${j}, which does not mix it`, { round: k, node: i });
    for (const j of r.rows[i].ids)
      if (j !== i && !r.sends[j].includes(i))
        throw mixingError(`schedule round ${k}: node ${i} mixes ${j}, which does not send to it`, { round: k, node: i });
  }
}

/**
 * The schedule of `spec.schedule` over the built base topology, or null when the spec has none.
 * `rng` is scheduleRng(seed).
 */
export function buildSchedule(spec: TopologySpec, base: BuiltTopology, rng: Rng): TopologySchedule | null {
  const s = spec.schedule as ScheduleSpec | undefined;
  if (s === undefined) return null;
  const n = base.graph.n;
  let rounds: RoundMixing[];
  switch (s.kind) {
    case 'cycle':
      rounds = cycle(base, (s.then ?? []) as Record<string, unknown>[], rng);
      break;
    case 'one-peer-exponential':
      rounds = (s.form ?? 'directed') === 'directed' ? onePeerDirected(n) : onePeerExponential(n);
      break;
    case 'random-matching':
      rounds = randomMatching(n, s.period ?? 16, rng);
      break;
    case 'dropout': {
      const p = s.p;
      if (!(p >= 0 && p < 1))
        throw topologyError(`topology.schedule.p = ${String(p)} is invalid; use a drop probability in [0, 1)`, {
          param: 'schedule.p',
          got: p,
        });
      rounds = dropout(base, p, s.period ?? 16, rng);
      break;
    }
    default:
      throw topologyError(
        `topology.schedule.kind = ${JSON.stringify((s as { kind: unknown }).kind)} is unknown; use cycle | one-peer-exponential | random-matching | dropout`,
        { param: 'schedule.kind' },
      );
  }
  if (s.kind !== 'cycle' && base.spec.lazy) rounds = rounds.map(lazyRound);
  for (const [k, r] of rounds.entries()) validateRound(r, n, k);
  return { n, name: `${s.kind}(${rounds.length} rounds)`, rounds, period: rounds.length };
}
