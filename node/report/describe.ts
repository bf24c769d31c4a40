/**
 * Human labels for resolved run configs: compressor names (series keys of the compression figures)
 * and the config summary shown at the top of a report. Configs are read as untyped JSON because
 * reports must open results written by older or newer schema versions.
 */
import type { JsonObject } from './read.ts';

/** Algorithms whose messages pass through the `compression` section (brief: cdproxsgt, choco, beer). */
export const COMPRESSING_ALGORITHMS: readonly string[] = ['cdproxsgt', 'choco', 'beer'];

/** The paper's names of the algorithms (paper-spec §6), for series labels. */
export const ALGORITHM_DISPLAY: Readonly<Record<string, string>> = {
  allreduce: 'AllReduce',
  dproxsgt: 'DProxSGT',
  cdproxsgt: 'CDProxSGT',
  deepstorm: 'DEEPSTORM',
  proxgtsa: 'ProxGT-SA',
  choco: 'Choco-SGD',
  beer: 'BEER',
};

/** A config's algorithm as the paper names it ('?' when the config names none). */
export function algorithmDisplayName(config: JsonObject): string {
  const name = getPath(config, 'algorithm.name');
  if (typeof name !== 'string') return '?';
  return ALGORITHM_DISPLAY[name] ?? name;
}

/** Value at a config path: 'a.b.c', '/a/b/c' and '$.a.b' are accepted. */
export function getPath(obj: unknown, path: string): unknown {
  const parts = path
    .replace(/^\$?[./]?/, '')
    .split(/[./]/)
    .filter((p) => p !== '');
  let cur: unknown = obj;
  for (const p of parts) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** True for the run-seed path in a study diff ('seed', '/seed', '$.seed'). */
export function isSeedPath(path: string): boolean {
  return path.replace(/^\$?[./]?/, '') === 'seed';
}

/** Short name of a compressor spec: topk(0.1), randk(k=50,unscaled), qsgd(s=4), ef(topk(0.01)), chain(topk(0.1)→qsgd(s=16)). */
export function compressorSpecLabel(spec: unknown): string {
  if (typeof spec !== 'object' || spec === null) return 'none';
  const s = spec as JsonObject;
  const kind = typeof s.kind === 'string' ? s.kind : '?';
  const args: string[] = [];
  switch (kind) {
    case 'ef':
      return `ef(${compressorSpecLabel(s.inner)})`;
    case 'chain':
      return `chain(${(Array.isArray(s.steps) ? s.steps : []).map(compressorSpecLabel).join('→')})`;
    case 'topk':
    case 'randk':
      if (typeof s.ratio === 'number') args.push(String(s.ratio));
      else if (typeof s.k === 'number') args.push(`k=${s.k}`);
      if (kind === 'randk' && s.scaled === false) args.push('unscaled');
      break;
    case 'qsgd':
      if (typeof s.levels === 'number') args.push(`s=${s.levels}`);
      break;
    default:
      break;
  }
  if (typeof s.scope === 'string' && s.scope === 'global') args.push('global');
  if (typeof s.precision === 'string' && s.precision !== 'f64') args.push(s.precision);
  return args.length > 0 ? `${kind}(${args.join(',')})` : kind;
}

/**
 * The compressor of a run, as a series label: 'uncompressed' for algorithms that send full vectors,
 * the x compressor's label when Q_x = Q_y, else 'x: …, y: …'.
 */
export function compressorLabel(config: JsonObject): string {
  const alg = getPath(config, 'algorithm.name');
  if (typeof alg === 'string' && !COMPRESSING_ALGORITHMS.includes(alg)) return 'uncompressed';
  const x = compressorSpecLabel(getPath(config, 'compression.x'));
  const yspec = getPath(config, 'compression.y');
  if (yspec === undefined) return x;
  const y = compressorSpecLabel(yspec);
  return x === y ? x : `x: ${x}, y: ${y}`;
}

function show(v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  return JSON.stringify(v);
}

/** Compact number: integers as is up to 1e6, else 4 significant digits (exponent when very small/large). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return Number(v.toPrecision(4)).toExponential();
  return String(Number(v.toPrecision(4)));
}

function topologyLabel(config: JsonObject): string {
  const t = getPath(config, 'topology');
  if (typeof t !== 'object' || t === null) return '—';
  const o = t as JsonObject;
  const extras = Object.entries(o)
    .filter(([k]) => !['kind', 'nodes', 'weights', 'lazy'].includes(k))
    .map(([k, v]) => `${k}=${show(v)}`);
  const w = typeof o.weights === 'string' ? `, ${o.weights}${o.lazy === true ? ' (lazy)' : ''}` : '';
  return `${show(o.kind)}${extras.length ? ` (${extras.join(', ')})` : ''}${w}`;
}

function specLabel(spec: unknown): string {
  if (typeof spec !== 'object' || spec === null) return show(spec);
  const o = spec as JsonObject;
  const rest = Object.entries(o)
    .filter(([k]) => k !== 'kind' && k !== 'name')
    .map(([k, v]) => `${k}=${show(v)}`);
  const head = show(o.kind ?? o.name);
  return rest.length ? `${head} (${rest.join(', ')})` : head;
}

/** The config summary rows shown at the top of a report: [label, value]. */
export function configSummary(config: JsonObject): [string, string][] {
  const alg = getPath(config, 'algorithm.name');
  const rows: [string, string][] = [
    ['algorithm', show(alg)],
    ['compressor Q_x', compressorSpecLabel(getPath(config, 'compression.x'))],
    ['compressor Q_y', compressorSpecLabel(getPath(config, 'compression.y'))],
    ['topology', topologyLabel(config)],
    ['nodes n', show(getPath(config, 'topology.nodes'))],
    ['partition', specLabel(getPath(config, 'partition'))],
    ['dataset', specLabel(getPath(config, 'problem.dataset'))],
    ['model', specLabel(getPath(config, 'problem.model'))],
    ['regularizer r', specLabel(getPath(config, 'problem.regularizer'))],
    ['step size η', show(getPath(config, 'algorithm.eta'))],
    ['γ_x', show(getPath(config, 'algorithm.gammaX'))],
    ['γ_y', show(getPath(config, 'algorithm.gammaY'))],
    ['batch size', show(getPath(config, 'batchSize'))],
    ['iterations K', show(getPath(config, 'iterations'))],
    ['seed', show(getPath(config, 'seed'))],
  ];
  if (typeof alg === 'string' && !COMPRESSING_ALGORITHMS.includes(alg)) {
    return rows.filter(([k]) => !k.startsWith('compressor'));
  }
  return rows;
}

/** Top-level scalars of summary.json (nested values shown as compact JSON). */
export function summaryRows(summary: JsonObject | null): [string, string][] {
  if (summary === null) return [];
  return Object.entries(summary).map(([k, v]) => [k, show(v)]);
}

export { show as showValue };
