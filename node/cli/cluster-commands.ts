/**
 * `proxmesh run` (a local cluster), `proxmesh coordinator` and `proxmesh worker` (the two roles, for
 * Docker and Kubernetes). Secrets come from the environment (PROXMESH_TOKEN), never from argv.
 */
import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { prepareClusterResume } from '../run/cluster-resume.ts';
import { ProxmeshError } from '../errors.ts';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { loadConfig } from '../config/load.ts';
import { loadPluginFile } from '../plugins/load.ts';
import { PACKAGE_ROOT } from '../runtime/package-root.ts';
import { runLocalCluster } from '../run/local-cluster.ts';
import { abortOnSignals, intFromEnv, parseListen, tokenFromEnv } from '../cluster/cli-env.ts';
import { restartPoint, unfinishedRunOf } from '../run/coordinator-restart.ts';
import { DEFAULT_HEAL } from '../../coordinator/run-manager.ts';
import { tlsFromEnv, type TlsFileOptions } from '../transport/tls-options.ts';
import type { CliIo } from './io.ts';
import { createProgress, progressMode } from './progress.ts';

/** The embedded default job of `npm start`. */
export const DEFAULT_EXAMPLE = join(PACKAGE_ROOT, 'examples', 'a9a-cdproxsgt-ring8.yaml');

export { ordinalFromHostname, parseListen } from '../cluster/cli-env.ts';
export { workerCommand, type WorkerCommandOptions } from '../cluster/worker-command.ts';

export interface RunCommandOptions {
  readonly config?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
  /** Nodes per worker process (default 1). */
  readonly nodesPerWorker?: number;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly tlsMtls?: boolean;
  /** Continue the run in this folder from its newest common checkpoint (docs/resume.md "Cluster"). */
  readonly resume?: string;
}

/** --tls-cert / --tls-key / --tls-ca / --tls-mtls, which win over PROXMESH_TLS_*. */
function tlsFlags(opts: { tlsCert?: string; tlsKey?: string; tlsCa?: string; tlsMtls?: boolean }): TlsFileOptions {
  return { cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa, mtls: opts.tlsMtls };
}

export async function runCommand(opts: RunCommandOptions, io: CliIo): Promise<number> {
  if (opts.resume !== undefined && opts.out !== undefined) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', '--resume continues the run in its own folder; drop --out');
  }
  // --resume: every check (folder, config, finished, a common checkpoint round) before anything runs.
  const plan =
    opts.resume === undefined ? null : prepareClusterResume(opts.resume, opts.config === undefined ? undefined : loadConfig(opts.config));
  const file = plan !== null ? join(plan.dir, 'config.json') : (opts.config ?? DEFAULT_EXAMPLE);
  const config = plan?.config ?? loadConfig(file);
  if (plan !== null) {
    for (const e of plan.refused) io.stderr.write(`refused checkpoint: ${e.code}: ${e.message}\n`);
    const fellBack = plan.refused.length > 0 ? ' (fell back to the previous good checkpoint)' : '';
    io.stderr.write(
      `resuming ${plan.dir} from ${basename(plan.file)} and every node's checkpoint of round ${plan.round}, at iteration ${plan.round} of ${config.iterations}${fellBack}\n`,
    );
  }
  // Off unless PROXMESH_TLS_* or --tls-* are given: plain ws:// is the loopback default.
  const tls = tlsFromEnv(process.env, tlsFlags(opts));
  const mode = progressMode(opts, io);
  const progress = createProgress(mode, io);
  const sig = abortOnSignals();
  try {
    const result = await runLocalCluster(config, {
      outDir: plan?.dir ?? opts.out,
      ...(plan !== null ? { resume: { round: plan.round, ...plan.coordinator } } : {}),
      onRestart: ({ restart, round, reason, refused }) => {
        for (const e of refused) io.stderr.write(`refused checkpoint: ${e.code}: ${e.message}\n`);
        io.stderr.write(
          `${reason}: restarting the cluster (restart ${restart}) from round ${round}${round === 0 ? ' (no common checkpoint yet)' : ''}\n`,
        );
      },
      signal: sig.signal,
      nodesPerWorker: opts.nodesPerWorker,
      tls,
      onListening: ({ url, metricsUrl, dir }) => {
        if (mode !== 'json' && mode !== 'quiet')
          io.stderr.write(`coordinator ${url} (metrics ${metricsUrl}); run folder ${dir}; config ${file}\n`);
      },
      onSpawned: ({ url, runId, dir, pids }) => {
        // The worker pids let a supervisor (or a test) check that none outlives the run.
        if (mode === 'json')
          io.stdout.write(`${JSON.stringify({ type: 'started', run: runId, coordinator: url, dir, workerPids: pids })}\n`);
      },
      onProgress: ({ iterations, row }) => progress.update({ iter: row.iter, iterations, row }),
    });
    progress.stop();
    const last = result.rows[result.rows.length - 1];
    if (opts.json) {
      io.stdout.write(
        `${JSON.stringify({ type: 'summary', dir: result.dir, run: result.run.id, state: result.run.state, final: last ?? null })}\n`,
      );
    } else {
      io.stdout.write(
        `run ${result.run.id} done: ${result.run.nodes} nodes, ${result.run.iterations} iterations\n` +
          (last
            ? `final objective ${last.objective}  stationarity ${last.stationarity}  consensus ${last.consensus}  ` +
              `test accuracy ${last.testAccuracy ?? 'n/a'}  bits sent ${last.bitsSent}\n`
            : '') +
          `results written to ${result.dir}\n` +
          `metrics were served at ${result.metricsUrl} (the cluster has been torn down)\n`,
      );
    }
    return 0;
  } finally {
    progress.stop();
    sig.dispose();
  }
}

export const DEFAULT_COORDINATOR_LISTEN = '127.0.0.1:8080';

export interface CoordinatorCommandOptions {
  readonly listen?: string;
  readonly config?: string;
  readonly runsDir?: string;
  readonly exitWhenDone?: boolean;
  /** Plug-in files loaded at start-up (the only ones a config posted over HTTP may name, beside --config's). */
  readonly plugin?: readonly string[];
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly tlsMtls?: boolean;
}

export async function coordinatorCommand(opts: CoordinatorCommandOptions, io: CliIo): Promise<number> {
  const env = process.env;
  const token = tokenFromEnv();
  // Loopback unless told otherwise (issue 16): the run API, dashboard and /metrics are then reachable
  // from this host only. The image sets PROXMESH_COORDINATOR_LISTEN=0.0.0.0:8080 (its own network namespace).
  const listen = parseListen(
    opts.listen ?? env.PROXMESH_LISTEN ?? env.PROXMESH_COORDINATOR_LISTEN ?? DEFAULT_COORDINATOR_LISTEN,
    '--listen',
  );
  const runsDir = opts.runsDir ?? env.PROXMESH_RUNS_DIR ?? 'runs';
  const configFile = opts.config ?? env.PROXMESH_CONFIG;
  for (const file of opts.plugin ?? []) loadPluginFile(resolve(file), '--plugin');
  const config = configFile ? loadConfig(configFile) : null;
  if (config) warnCheckpointsNeedWorkerDir(config, io);
  const tls = tlsFromEnv(env, tlsFlags(opts));
  const { app, runs } = await buildApp({
    tls,
    token,
    // A checkpointing run heals when a worker is lost (its container or pod restarted): docs/resume.md.
    heal: {
      maxHeals: intFromEnv(env, 'PROXMESH_MAX_HEALS') ?? DEFAULT_HEAL.maxHeals,
      timeoutMs: intFromEnv(env, 'PROXMESH_HEAL_TIMEOUT_MS') ?? DEFAULT_HEAL.timeoutMs,
    },
    contexts: createRunContextFactory({ runsDir }),
    validateConfig: (raw) => loadConfig(raw as object, { plugins: 'loaded-only' }),
    logger: { level: env.PROXMESH_LOG_LEVEL ?? 'info' },
  });
  const sig = abortOnSignals();
  try {
    await app.listen({ host: listen.host, port: listen.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : listen.port;
    io.stderr.write(
      `coordinator listening on ${tls ? 'https' : 'http'}://${listen.host}:${port} (control ${tls ? 'wss' : 'ws'}://…:${port}/control${tls?.mtls ? ' with mutual TLS' : ''}, metrics /metrics)\n`,
    );
    let runId: string | null = null;
    if (config) {
      // No run id given: a restarted coordinator continues its unfinished run of this config, if any.
      runId = env.PROXMESH_RUN_ID || unfinishedRunOf(runsDir, config) || `run-${randomBytes(4).toString('hex')}`;
      // The same run id with its folder already there: this coordinator was restarted mid-run.
      const point = restartPoint(join(runsDir, runId), config);
      if (point.kind === 'finished') {
        io.stderr.write(`run ${runId} already finished: results in ${join(runsDir, runId)}\n`);
        if (opts.exitWhenDone || env.PROXMESH_EXIT_WHEN_DONE === '1') return 0;
        runId = null;
      } else {
        for (const e of point.refused) io.stderr.write(`refused checkpoint: ${e.code}: ${e.message}\n`);
        if (point.kind === 'fresh' && point.note !== null) io.stderr.write(`coordinator restarted: ${point.note}\n`);
        const view = await runs.createRun({ config, ...(point.kind === 'resume' ? { resume: point.resume } : {}) }, runId);
        io.stderr.write(
          `run ${view.id} created: waiting for ${view.nodes} workers; results in ${view.dir}` +
            (point.kind === 'resume' ? ` (coordinator restarted: resuming from round ${point.resume.round})` : '') +
            '\n',
        );
      }
    }
    if (runId && (opts.exitWhenDone || env.PROXMESH_EXIT_WHEN_DONE === '1')) {
      try {
        const view = await runs.waitForEnd(runId, sig.signal);
        io.stderr.write(`run ${view.id} done: ${view.rows} evaluations, results in ${view.dir}\n`);
        return 0;
      } catch (err) {
        if (sig.which()) return 0;
        throw err;
      }
    }
    if (!sig.signal.aborted) await new Promise<void>((resolve) => sig.signal.addEventListener('abort', () => resolve(), { once: true }));
    io.stderr.write(`coordinator: ${sig.which()} received, shutting down\n`);
    return 0;
  } finally {
    sig.dispose();
    await app.close();
  }
}

/** Checkpoints of a standalone coordinator's run need every worker's own volume (docs/resume.md "Self-healing"). */
function warnCheckpointsNeedWorkerDir(config: { readonly checkpointEvery?: number }, io: CliIo): void {
  if ((config.checkpointEvery ?? 0) > 0) {
    io.stderr.write(
      `note: checkpointEvery = ${config.checkpointEvery}: the run heals when a worker is lost if every worker has PROXMESH_CHECKPOINT_DIR on a volume that outlives it (docs/resume.md)\n`,
    );
  }
}
