/**
 * A cell's run folder as the sweep sees it: finished (summary.json with status "completed" AND
 * config.json equal to the cell's resolved config, so an edited base never reuses stale results),
 * and the facts the index needs (metrics rows, dim, topology links, phases).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { algoParamsFromSpec, type AlgorithmSpec } from '../algo/spec.ts';
import { algorithmFactory, algorithmUsesCompression } from '../algo/registry.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { readMetrics } from '../report/read.ts';
import type { StoredMetricsRow } from '../results/metrics-row.ts';
import { canonicalJson } from './grid.ts';
import { linksFromTopology } from './derive.ts';

export interface FinishedCell {
  readonly rows: readonly StoredMetricsRow[];
  readonly dim: number;
  /** M = Σ_i |peers_i|. */
  readonly links: number;
  readonly phases: number;
  readonly initPhases: number;
  readonly usesCompression: boolean;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** 'done': complete and matching; 'stale': complete but for another config; 'incomplete': anything else. */
export function cellFolderState(dir: string, config: FrozenConfig): 'done' | 'stale' | 'incomplete' {
  const summary = readJson(join(dir, 'summary.json')) as { status?: unknown } | undefined;
  if (summary?.status !== 'completed' || !existsSync(join(dir, 'metrics.ndjson'))) return 'incomplete';
  const written = readJson(join(dir, 'config.json'));
  if (written === undefined) return 'incomplete';
  // JSON round trip: the in-memory config may hold keys with undefined values that JSON drops.
  return canonicalJson(written) === canonicalJson(JSON.parse(JSON.stringify(config))) ? 'done' : 'stale';
}

/** Reads a finished cell (call only when cellFolderState is 'done'); errors are PROXMESH_ERR_IO / NOT_FOUND. */
export function readFinishedCell(dir: string, config: FrozenConfig): FinishedCell {
  const rows = readMetrics(join(dir, 'metrics.ndjson'));
  const summary = readJson(join(dir, 'summary.json')) as { dim: number };
  const topology = readJson(join(dir, 'topology.json')) as { n: number; W: { ids: number[] }[] };
  const algo = algorithmFactory(config.algorithm.name)(algoParamsFromSpec(config.algorithm as AlgorithmSpec, config.iterations));
  return {
    rows,
    dim: summary.dim,
    links: linksFromTopology(topology, algo.pattern),
    phases: algo.phases.length,
    initPhases: algo.initPhases?.length ?? 0,
    usesCompression: algorithmUsesCompression(config.algorithm.name),
  };
}
