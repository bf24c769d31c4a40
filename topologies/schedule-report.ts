/**
 * What `proxmesh topology … --schedule '{…}'` adds to the report: the schedule's period, ρ_k of every
 * round and ρ of the product over one period (schedule-spectral.ts), as text or JSON.
 */
import { Value } from '@sinclair/typebox/value';
import { ProxmeshError } from '../node/errors.ts';
import { TopologyScheduleSchema, type TopologySchedule as ScheduleSpec } from './schedule-spec.ts';
import type { TopologySchedule } from './schedule.ts';
import { scheduleSpectral } from './schedule-spectral.ts';

/** Parses and validates the --schedule option (JSON), defaults filled; PROXMESH_ERR_USAGE otherwise. */
export function parseScheduleOption(text: string): ScheduleSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProxmeshError(
      'PROXMESH_ERR_USAGE',
      `topology: --schedule must be a JSON object such as '{"kind":"one-peer-exponential"}' (it is not valid JSON)`,
      { option: 'schedule' },
    );
  }
  const kinds = TopologyScheduleSchema.anyOf.map((b) => b.properties.kind.const as string);
  const kind = (raw as { kind?: unknown } | null)?.kind;
  const branch = TopologyScheduleSchema.anyOf.find((b) => b.properties.kind.const === kind);
  const usage = (why: string) =>
    new ProxmeshError(
      'PROXMESH_ERR_USAGE',
      `topology: --schedule is not a valid schedule (${why}); kinds: cycle {then}, one-peer-exponential, random-matching {period}, dropout {p, period}`,
      { option: 'schedule' },
    );
  if (branch === undefined) throw usage(`kind must be one of ${kinds.join(' | ')}, got ${JSON.stringify(kind)}`);
  const value = Value.Default(branch, structuredClone(raw));
  if (!Value.Check(branch, value)) {
    const first = [...Value.Errors(branch, value)][0];
    throw usage(first ? `${first.path || '/'}: ${first.message}` : 'invalid');
  }
  return value as ScheduleSpec;
}

export interface ScheduleReportJson {
  readonly name: string;
  readonly period: number;
  readonly rounds: readonly {
    readonly name: string;
    readonly rho: number;
    readonly rows: readonly { readonly ids: number[]; readonly weights: number[] }[];
  }[];
  readonly productRho: number;
}

export function scheduleToJson(s: TopologySchedule): ScheduleReportJson {
  const sp = scheduleSpectral(s);
  return {
    name: s.name,
    period: s.period,
    rounds: s.rounds.map((r, k) => ({
      name: r.name,
      rho: sp.rhos[k],
      rows: r.rows.map((row) => ({ ids: Array.from(row.ids), weights: Array.from(row.weights) })),
    })),
    productRho: sp.productRho,
  };
}

export function scheduleReport(s: TopologySchedule): string {
  const sp = scheduleSpectral(s);
  const f6 = (x: number): string => x.toFixed(6);
  const lines = [`schedule ${s.name}`, `  period P              ${s.period}`];
  for (const [k, r] of s.rounds.entries()) lines.push(`  round ${String(k).padEnd(4)} rho_k      ${f6(sp.rhos[k])}  ${r.name}`);
  lines.push(`  rho(W_0 ... W_{P-1})  ${f6(sp.productRho)}  (product over one period)`);
  return `${lines.join('\n')}\n`;
}
