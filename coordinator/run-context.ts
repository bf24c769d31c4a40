/**
 * Builds what the coordinator needs to evaluate a run exactly as the simulator does: the same
 * topology, data, shards and prox (node/assemble/assemble.ts), and the run folder (node/results).
 * The heavy part (data, bounds, topology and spectrum: coordinator/setup/run-setup.ts) runs in a
 * worker thread by default, so the event loop stays free for /healthz, /metrics and the control channel.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrozenConfig } from '../node/config/schema.ts';
import { createRunFolder } from '../node/results/run-folder.ts';
import { buildSummary } from '../node/results/summary.ts';
import { aggregateContextOf, buildAlgorithm, buildRunProblem, runWirePlan, summaryFactsOf } from '../node/assemble/assemble.ts';
import { edgeRowsFromReports } from '../node/results/edges.ts';
import type { NodeReport } from '../node/results/metrics-row.ts';
import { topologyToJson } from '../topologies/export.ts';
import type { RunContextFactory } from './run-types.ts';
import { runSetup } from './setup/run-setup.ts';
import { createSetupThread, type InThreadOptions } from './setup/in-thread.ts';

export interface RunContextOptions {
  /** Parent folder of run folders (each run writes <runsDir>/<runId>). */
  readonly runsDir: string;
  /** Overrides the folder of a given run id (the local cluster's --out). */
  readonly dirFor?: (runId: string) => string | undefined;
  /** 'thread' (default): heavy set-up in a worker thread; 'inline': on the caller's event loop. */
  readonly setup?: 'thread' | 'inline';
  /** Hooks of the set-up thread (tests). */
  readonly thread?: InThreadOptions;
}

export function createRunContextFactory(opts: RunContextOptions): RunContextFactory {
  const thread = opts.setup === 'inline' ? null : createSetupThread();
  const factory: RunContextFactory = async (spec, runId) => {
    const config = spec.config as FrozenConfig;
    const { topology, data } = thread ? await thread.run(config, opts.thread) : runSetup(config);
    const n = topology.graph.n;
    // Model, partition and prox from the loaded data: linear in the data size, and checked again.
    const problem = buildRunProblem(config, n, data);
    const algorithm = buildAlgorithm(config);
    const plan = runWirePlan(config, topology, algorithm); // W's rows, or the schedule's rounds
    let lastReports: readonly NodeReport[] | null = null;
    const dir = opts.dirFor?.(runId) ?? join(opts.runsDir, runId);
    const resume = spec.resume;
    // A resumed run keeps its folder; the metrics files go back to the checkpoint's bytes (rows a
    // killed run appended after it are dropped and produced again), and a failed attempt's
    // summary.json and edges.csv go (they are written again at the end).
    const writer = createRunFolder(dir, { simTime: config.network !== undefined, keep: resume !== undefined });
    if (resume === undefined) {
      writer.writeJson('config.json', config);
      writer.writeJson('topology.json', topologyToJson(topology));
    } else {
      for (const [file, bytes] of resume.files) writeFileSync(join(dir, file), bytes);
      for (const stale of ['summary.json', 'edges.csv']) rmSync(join(dir, stale), { force: true });
      writer.appendTiming({ phase: 'resume', iter: resume.round });
    }
    const facts = summaryFactsOf(config, topology, problem);
    return {
      n,
      iterations: config.iterations,
      spectralGap: topology.spectral.spectralGap,
      // The exchange schedule gives the wire bytes beside payloads exactly as the simulator counts
      // them; the last complete set of reports gives edges.csv.
      ctx: {
        ...aggregateContextOf(config, problem, plan),
        onReports: (r) => {
          lastReports = r;
        },
      },
      store: {
        dir,
        appendRow: (row) => writer.appendMetrics(row),
        appendTiming: (entry) => writer.appendTiming(entry),
        finish: ({ state, rows, failure }) => {
          if (lastReports !== null) writer.writeEdges(edgeRowsFromReports(plan, lastReports));
          const summary = buildSummary(facts, rows);
          writer.writeJson('summary.json', state === 'done' ? summary : { ...summary, status: 'failed', failure });
        },
      },
    };
  };
  factory.close = async () => {
    await thread?.close();
  };
  return factory;
}
