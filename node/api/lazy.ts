/**
 * The two entry points whose modules are heavy to load (the local cluster pulls in the coordinator
 * and Fastify; the report pulls in Vega and resvg), imported on first call so that importing the
 * library for a simulation stays light.
 */
import type { FrozenConfig } from '../config/schema.ts';
import type { LocalClusterOptions, LocalClusterResult } from '../run/local-cluster.ts';
import type { ReportOptions, ReportResult } from '../report/report.ts';

/** A real cluster on loopback: the coordinator in this process, one worker process per node (or per block). */
export async function runLocalCluster(config: FrozenConfig, opts: LocalClusterOptions = {}): Promise<LocalClusterResult> {
  const m = await import('../run/local-cluster.ts');
  return m.runLocalCluster(config, opts);
}

/** Figures (SVG, PNG) and report/index.html for a run folder or a study folder. */
export async function buildReport(folder: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const m = await import('../report/report.ts');
  return m.writeReport(folder, opts);
}
