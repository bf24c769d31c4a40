/**
 * GET /api/dashboard/state: the current run as the dashboard draws it — the run view (no server
 * paths), a config summary from the run folder's config.json, the topology (nodes and edges) from
 * its topology.json, the metrics rows so far from metrics.ndjson (appended before the run manager
 * emits 'row', so the file never lags the events) and the latest per-node stats.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricsRow } from '../../../node/results/metrics-row.ts';
import type { TopologyJson } from '../../../topologies/export.ts';
import type { RunState, RunView } from '../../run-manager.ts';
import type { RunFailure } from '../../run-types.ts';
import { summarizeConfig, type ConfigSummary } from './config-summary.ts';
import type { NodeStats } from './node-stats.ts';

export interface DashboardRun {
  readonly id: string;
  readonly state: RunState;
  readonly nodes: number;
  readonly iterations: number;
  readonly lastIteration: number | null;
  readonly failure: RunFailure | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface DashboardTopology {
  readonly name: string;
  readonly kind: string;
  readonly n: number;
  readonly mixing: string;
  /** ρ = ‖W − J‖₂ */
  readonly rho: number;
  /** 1 − ρ */
  readonly spectralGap: number;
  readonly degrees: readonly number[];
  /** node ids 0…n−1 with their degrees */
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly degree: number }>;
  /** undirected edges [i, j], i < j */
  readonly edges: ReadonlyArray<readonly [number, number]>;
  /** grid/torus shape when the config names one (lays the nodes out on the grid) */
  readonly rows: number | null;
  readonly cols: number | null;
}

export interface DashboardState {
  readonly run: DashboardRun | null;
  readonly config: ConfigSummary | null;
  readonly topology: DashboardTopology | null;
  readonly rows: readonly MetricsRow[];
  readonly nodeStats: readonly NodeStats[];
}

export function publicRun(v: RunView): DashboardRun {
  return {
    id: v.id,
    state: v.state,
    nodes: v.nodes,
    iterations: v.iterations,
    lastIteration: v.lastIteration,
    failure: v.failure,
    createdAt: v.createdAt,
    finishedAt: v.finishedAt,
  };
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null; // not written yet, or being rewritten: the dashboard shows what exists
  }
}

export async function readRows(dir: string): Promise<MetricsRow[]> {
  let text: string;
  try {
    text = await readFile(join(dir, 'metrics.ndjson'), 'utf8');
  } catch {
    return [];
  }
  const rows: MetricsRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as MetricsRow);
    } catch {
      break; // a partially written last line
    }
  }
  return rows;
}

function toTopology(raw: unknown, config: unknown): DashboardTopology | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const t = raw as Partial<TopologyJson>;
  if (typeof t.n !== 'number' || !Array.isArray(t.edges)) return null;
  const topo = (config as { topology?: { rows?: unknown; cols?: unknown } } | null)?.topology;
  const rows = typeof topo?.rows === 'number' ? topo.rows : null;
  const cols = typeof topo?.cols === 'number' ? topo.cols : null;
  return {
    name: String(t.name ?? t.kind ?? ''),
    kind: String(t.kind ?? ''),
    n: t.n,
    mixing: String(t.mixing ?? ''),
    rho: Number(t.rho),
    spectralGap: Number(t.spectralGap),
    degrees: t.degrees ?? [],
    nodes: Array.from({ length: t.n }, (_, id) => ({ id, degree: t.degrees?.[id] ?? 0 })),
    edges: t.edges.map(([i, j]) => [i, j] as const),
    rows,
    cols,
  };
}

export async function buildDashboardState(view: RunView | null, nodeStats: readonly NodeStats[]): Promise<DashboardState> {
  if (!view) return { run: null, config: null, topology: null, rows: [], nodeStats: [] };
  const [config, topology, rows] = await Promise.all([
    readJson(join(view.dir, 'config.json')),
    readJson(join(view.dir, 'topology.json')),
    readRows(view.dir),
  ]);
  return {
    run: publicRun(view),
    config: config ? summarizeConfig(config) : null,
    topology: toTopology(topology, config),
    rows,
    nodeStats,
  };
}
