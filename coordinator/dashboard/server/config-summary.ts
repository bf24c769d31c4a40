/**
 * The dashboard's one-glance run description, from the resolved config.json of the run folder:
 * algorithm and its step sizes (η, γ_x, γ_y), both compressors (C_x, C_y), topology, n, partition,
 * batch. Compressor specs are written as `kind(param=value, …)`, nested for ef/chain; algorithms
 * that send uncompressed iterates (dproxsgt, allreduce, …) show that instead of the unused specs.
 */
import { algorithmUsesCompression } from '../../../node/algo/registry.ts';

export interface ConfigSummary {
  readonly algorithm: string;
  /** η */
  readonly eta: number | null;
  /** γ_x */
  readonly gammaX: number | null;
  /** γ_y */
  readonly gammaY: number | null;
  /** whether the algorithm uses C_x, C_y at all (null for an unknown algorithm) */
  readonly compressed: boolean | null;
  /** C_x as `kind(params)` */
  readonly compressorX: string;
  /** C_y as `kind(params)` */
  readonly compressorY: string;
  readonly topology: string;
  readonly weights: string;
  readonly n: number | null;
  readonly partition: string;
  readonly batchSize: number | 'full' | null;
  readonly iterations: number | null;
  readonly evalEvery: number | null;
  readonly seed: number | null;
  readonly dataset: string;
  readonly model: string;
  readonly regularizer: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** `kind(k=v, …)` for any `{ kind, ...params }` object; nested specs (ef inner, chain steps) recurse. */
export function describeSpec(spec: unknown, skip: readonly string[] = []): string {
  if (!isObj(spec)) return spec === undefined || spec === null ? '—' : String(spec);
  const kind = typeof spec.kind === 'string' ? spec.kind : typeof spec.name === 'string' ? spec.name : '?';
  if (kind === 'chain' && Array.isArray(spec.steps)) return spec.steps.map((s) => describeSpec(s)).join(' ∘ ');
  if (kind === 'ef' && spec.inner !== undefined) return `ef(${describeSpec(spec.inner)})`;
  const params = Object.entries(spec)
    .filter(([k, v]) => k !== 'kind' && k !== 'name' && !skip.includes(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${isObj(v) || Array.isArray(v) ? JSON.stringify(v) : String(v)}`);
  return params.length ? `${kind}(${params.join(', ')})` : kind;
}

export function summarizeConfig(config: unknown): ConfigSummary {
  const c = isObj(config) ? config : {};
  const algo = isObj(c.algorithm) ? c.algorithm : {};
  const comp = isObj(c.compression) ? c.compression : {};
  const topo = isObj(c.topology) ? c.topology : {};
  const problem = isObj(c.problem) ? c.problem : {};
  const dataset = isObj(problem.dataset) ? problem.dataset : {};
  const batch = c.batchSize;
  const name = typeof algo.name === 'string' ? algo.name : '?';
  let compressed: boolean | null = null;
  try {
    compressed = algorithmUsesCompression(name);
  } catch {
    /* unknown algorithm: show the specs */
  }
  const compressor = (spec: unknown) => (compressed === false ? `none (${name} sends uncompressed)` : describeSpec(spec));
  return {
    algorithm: name,
    eta: numOrNull(algo.eta),
    gammaX: numOrNull(algo.gammaX),
    gammaY: numOrNull(algo.gammaY),
    compressed,
    compressorX: compressor(comp.x),
    compressorY: compressor(comp.y),
    topology: describeSpec(topo, ['nodes', 'weights', 'lazy']),
    weights: `${typeof topo.weights === 'string' ? topo.weights : '?'}${topo.lazy === true ? ', lazy' : ''}`,
    n: numOrNull(topo.nodes),
    partition: describeSpec(c.partition),
    batchSize: batch === 'full' ? 'full' : numOrNull(batch),
    iterations: numOrNull(c.iterations),
    evalEvery: numOrNull(c.evalEvery),
    seed: numOrNull(c.seed),
    dataset:
      typeof dataset.name === 'string' ? dataset.name : typeof dataset.path === 'string' ? String(dataset.path).split('/').pop()! : '?',
    model: describeSpec(problem.model),
    regularizer: describeSpec(problem.regularizer),
  };
}
