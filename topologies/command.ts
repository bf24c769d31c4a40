/**
 * `proxmesh topology <kind> --nodes N [...]`: build the topology from the command-line options,
 * print the report (or JSON) and optionally write JSON/DOT files. The CLI only parses arguments.
 */
import { writeFileSync } from 'node:fs';
import { ProxmeshError } from '../node/errors.ts';
import { buildTopology, topologyRng, type TopologySpec, type TopologySpecInput } from './spec.ts';
import { topologyToDot, topologyToJson } from './export.ts';
import { topologyReport } from './report.ts';
import { buildSchedule, scheduleRng } from './schedule.ts';
import { parseScheduleOption, scheduleReport, scheduleToJson } from './schedule-report.ts';

export interface TopologyCommandOptions {
  kind: string;
  nodes: number;
  weights: string;
  lazy: boolean;
  p?: number;
  degree?: number;
  k?: number;
  beta?: number;
  rows?: number;
  cols?: number;
  file?: string;
  /** A topology.schedule as JSON (e.g. '{"kind":"one-peer-exponential"}'): adds per-round ρ and ρ of the period's product. */
  schedule?: string;
  /** Run seed; the topology Rng is Rng.derive(seed, −1, 'topology'). */
  seed: number;
  /** Print JSON (topologyToJson) instead of the text report. */
  json?: boolean;
  outJson?: string;
  outDot?: string;
}

export function runTopologyCommand(opts: TopologyCommandOptions): { stdout: string } {
  if (!Number.isInteger(opts.seed) || opts.seed < 0) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `topology: --seed must be an integer ≥ 0, got ${opts.seed}`, { option: 'seed' });
  }
  const spec: Record<string, unknown> = { kind: opts.kind, nodes: opts.nodes, weights: opts.weights, lazy: opts.lazy };
  for (const key of ['p', 'degree', 'k', 'beta', 'rows', 'cols', 'file'] as const) {
    if (opts[key] !== undefined) spec[key] = opts[key];
  }
  if (opts.schedule !== undefined) spec.schedule = parseScheduleOption(opts.schedule);
  const built = buildTopology(spec as TopologySpecInput & Pick<TopologySpec, 'kind'>, topologyRng(opts.seed));
  const schedule = buildSchedule(built.spec, built, scheduleRng(opts.seed));
  const notes: string[] = [];
  if (opts.outJson !== undefined) {
    writeOut(opts.outJson, `${JSON.stringify(topologyToJson(built), null, 2)}\n`);
    notes.push(`wrote ${opts.outJson}`);
  }
  if (opts.outDot !== undefined) {
    writeOut(opts.outDot, topologyToDot(built));
    notes.push(`wrote ${opts.outDot}`);
  }
  if (opts.json) {
    const json = schedule === null ? topologyToJson(built) : { ...topologyToJson(built), schedule: scheduleToJson(schedule) };
    return { stdout: `${JSON.stringify(json, null, 2)}\n` };
  }
  return { stdout: topologyReport(built) + (schedule === null ? '' : scheduleReport(schedule)) + notes.map((s) => `${s}\n`).join('') };
}

function writeOut(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `topology: cannot write ${file}: ${(err as Error).message}`, { file });
  }
}
