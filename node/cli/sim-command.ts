/** `proxmesh sim --config FILE [--out DIR] [--json] [--quiet] [--threads N]` */
import { availableParallelism } from 'node:os';
import { loadConfig } from '../config/load.ts';
import { ProxmeshError } from '../errors.ts';
import { runSimulation } from '../sim/run-sim.ts';
import type { CliIo } from './io.ts';
import { createProgress, progressMode } from './progress.ts';

export interface SimCommandOptions {
  readonly config: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** Threads stepping the nodes; default min(2, cores) (results are identical for every count). */
  readonly threads?: number;
}

/** The default thread count: the machine's cores, at most 2 (more rarely pays at these sizes). */
export function defaultSimThreads(): number {
  return Math.min(2, availableParallelism());
}

export async function simCommand(opts: SimCommandOptions, io: CliIo): Promise<number> {
  if (opts.threads !== undefined && !(opts.threads >= 1)) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `option --threads: expected a positive integer (got ${opts.threads}); use 1 to step every node on the main thread`);
  }
  const config = loadConfig(opts.config);
  const progress = createProgress(progressMode(opts, io), io);
  let result;
  try {
    result = await runSimulation(config, { outDir: opts.out, onProgress: (p) => progress.update(p), threads: opts.threads ?? defaultSimThreads() });
  } finally {
    progress.stop();
  }
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ type: 'summary', dir: result.dir, ...result.summary })}\n`);
  } else {
    io.stdout.write(`results written to ${result.dir}\n`);
  }
  return 0;
}
