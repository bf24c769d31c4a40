/** `proxmesh sim --config FILE [--out DIR] [--json] [--quiet] [--threads N]`, or `proxmesh sim --resume RUN_DIR` */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { prepareSimResume, type SimResumePlan } from '../resume/sim-resume.ts';
import { loadConfig } from '../config/load.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import { runSimulation, type SimResult } from '../sim/run-sim.ts';
import type { CliIo } from './io.ts';
import { createProgress, progressMode } from './progress.ts';

export interface SimCommandOptions {
  readonly config?: string;
  readonly out?: string;
  /** Continue the run in this folder from its newest valid checkpoint. */
  readonly resume?: string;
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
    throw new ProxmeshError(
      'PROXMESH_ERR_USAGE',
      `option --threads: expected a positive integer (got ${opts.threads}); use 1 to step every node on the main thread`,
    );
  }
  if (opts.resume !== undefined && opts.out !== undefined) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', '--resume continues the run in its own folder; drop --out');
  }
  if (opts.resume === undefined && opts.config === undefined) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', 'proxmesh sim needs --config FILE (a new run) or --resume RUN_DIR (continue one)');
  }
  let config: FrozenConfig;
  let resumeFrom: SimResumePlan['loaded']['checkpoint'] | undefined;
  let outDir = opts.out;
  if (opts.resume !== undefined) {
    const plan = prepareSimResume(opts.resume, opts.config === undefined ? undefined : loadConfig(opts.config));
    for (const e of plan.loaded.refused) io.stderr.write(`refused checkpoint: ${e.code}: ${e.message}\n`);
    const { round } = plan.loaded.checkpoint.header;
    const fellBack = plan.loaded.refused.length > 0 ? ' (fell back to the previous good checkpoint)' : '';
    io.stderr.write(
      `resuming ${plan.dir} from ${basename(plan.loaded.file)} at iteration ${round} of ${plan.config.iterations}${fellBack}\n`,
    );
    config = plan.config;
    resumeFrom = plan.loaded.checkpoint;
    outDir = plan.dir;
  } else {
    config = loadConfig(opts.config!);
  }
  const progress = createProgress(progressMode(opts, io), io);
  let result: SimResult;
  try {
    result = await runSimulation(config, {
      outDir,
      ...(resumeFrom ? { resume: resumeFrom } : {}),
      onProgress: (p) => progress.update(p),
      threads: opts.threads ?? defaultSimThreads(),
    });
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
