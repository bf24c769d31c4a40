/**
 * `proxmesh run` (a local cluster), `proxmesh coordinator` and `proxmesh worker` (the two roles, for
 * Docker and Kubernetes). Secrets come from the environment (PROXMESH_TOKEN), never from argv.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { loadConfig } from '../config/load.ts';
import { ProxmeshError } from '../errors.ts';
import { runLocalCluster } from '../cluster/local-cluster.ts';
import { runWorker } from '../worker.ts';
import type { CliIo } from './io.ts';
import { createProgress, progressMode } from './progress.ts';

/** The embedded default job of `npm start`. */
export const DEFAULT_EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'a9a-cdproxsgt-ring8.yaml');

/** "host:port" → parts; port 0 means ephemeral. */
export function parseListen(value: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ProxmeshError('PROXMESH_ERR_USAGE', `${what}: expected host:port, e.g. 0.0.0.0:7070 (got '${value}')`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

function requireToken(): string {
  const token = process.env.PROXMESH_TOKEN;
  if (!token) throw new ProxmeshError('PROXMESH_ERR_USAGE', 'set the cluster token in the environment: PROXMESH_TOKEN=<secret>');
  return token;
}

/** One AbortController that SIGINT/SIGTERM trip; the returned function removes the handlers. */
function abortOnSignals(): { signal: AbortSignal; dispose: () => void; which: () => string | null } {
  const ac = new AbortController();
  let got: string | null = null;
  const on = (sig: NodeJS.Signals) => () => {
    got = sig;
    ac.abort(new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', `interrupted by ${sig}`));
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return { signal: ac.signal, which: () => got, dispose: () => { process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); } };
}

export interface RunCommandOptions {
  readonly config?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export async function runCommand(opts: RunCommandOptions, io: CliIo): Promise<number> {
  const file = opts.config ?? DEFAULT_EXAMPLE;
  const config = loadConfig(file);
  const mode = progressMode(opts, io);
  const progress = createProgress(mode, io);
  const sig = abortOnSignals();
  try {
    const result = await runLocalCluster(config, {
      outDir: opts.out,
      signal: sig.signal,
      onListening: ({ url, metricsUrl, dir }) => {
        if (mode !== 'json' && mode !== 'quiet') io.stderr.write(`coordinator ${url} (metrics ${metricsUrl}); run folder ${dir}; config ${file}\n`);
      },
      onProgress: ({ iterations, row }) => progress.update({ iter: row.iter, iterations, row }),
    });
    progress.stop();
    const last = result.rows[result.rows.length - 1];
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ type: 'summary', dir: result.dir, run: result.run.id, state: result.run.state, final: last ?? null })}\n`);
    } else {
      io.stdout.write(
        `run ${result.run.id} done: ${result.run.nodes} workers, ${result.run.iterations} iterations\n` +
        (last ? `final objective ${last.objective}  stationarity ${last.stationarity}  consensus ${last.consensus}  ` +
          `test accuracy ${last.testAccuracy ?? 'n/a'}  bits sent ${last.bitsSent}\n` : '') +
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

export interface WorkerCommandOptions {
  readonly coordinator?: string;
  readonly ordinal?: number;
  readonly ordinalFromHostname?: boolean;
  readonly listen?: string;
  readonly advertise?: string;
  readonly metricsListen?: string;
  readonly peerTimeoutMs?: number;
  readonly heartbeatMs?: number;
}

/** The StatefulSet ordinal from a pod host name such as "worker-3". */
export function ordinalFromHostname(name: string): number {
  const m = /-(\d+)$/.exec(name);
  if (!m) throw new ProxmeshError('PROXMESH_ERR_USAGE', `cannot take the node id from host name '${name}': expected a StatefulSet pod name ending in -<ordinal>`);
  return Number(m[1]);
}

export async function workerCommand(opts: WorkerCommandOptions, io: CliIo): Promise<number> {
  const env = process.env;
  const coordinatorUrl = opts.coordinator ?? env.PROXMESH_COORDINATOR;
  if (!coordinatorUrl) throw new ProxmeshError('PROXMESH_ERR_USAGE', 'worker: give --coordinator ws://host:port/control (or PROXMESH_COORDINATOR)');
  const token = requireToken();
  const listen = parseListen(opts.listen ?? env.PROXMESH_LISTEN ?? '0.0.0.0:7070', '--listen');
  const metricsListenValue = opts.metricsListen ?? env.PROXMESH_METRICS_LISTEN ?? '0.0.0.0:9464';
  const metrics = metricsListenValue === 'off' ? null : parseListen(metricsListenValue, '--metrics-listen');
  let ordinal: number | null = opts.ordinal ?? (env.PROXMESH_ORDINAL !== undefined && env.PROXMESH_ORDINAL !== '' ? Number(env.PROXMESH_ORDINAL) : null);
  if (ordinal === null && (opts.ordinalFromHostname || env.PROXMESH_ORDINAL_FROM_HOSTNAME === '1')) ordinal = ordinalFromHostname(env.HOSTNAME ?? hostname());
  if (ordinal !== null && (!Number.isSafeInteger(ordinal) || ordinal < 0)) throw new ProxmeshError('PROXMESH_ERR_USAGE', `worker: ordinal must be an integer ≥ 0 (got ${ordinal})`);
  const advertise = opts.advertise ?? env.PROXMESH_ADVERTISE ?? (listen.host === '0.0.0.0' ? hostname() : listen.host);
  const sig = abortOnSignals();
  try {
    return await runWorker({
      coordinatorUrl,
      token,
      ordinal,
      listenHost: listen.host,
      listenPort: listen.port,
      advertiseHost: advertise,
      metricsHost: metrics?.host ?? '127.0.0.1',
      metricsPort: metrics ? metrics.port : null,
      peerTimeoutMs: opts.peerTimeoutMs ?? (env.PROXMESH_PEER_TIMEOUT_MS ? Number(env.PROXMESH_PEER_TIMEOUT_MS) : undefined),
      heartbeatMs: opts.heartbeatMs ?? (env.PROXMESH_HEARTBEAT_MS ? Number(env.PROXMESH_HEARTBEAT_MS) : undefined),
      log: (line) => io.stderr.write(`${line}\n`),
      signal: sig.signal,
    });
  } finally {
    sig.dispose();
  }
}

export interface CoordinatorCommandOptions {
  readonly listen?: string;
  readonly config?: string;
  readonly runsDir?: string;
  readonly exitWhenDone?: boolean;
}

export async function coordinatorCommand(opts: CoordinatorCommandOptions, io: CliIo): Promise<number> {
  const env = process.env;
  const token = requireToken();
  const listen = parseListen(opts.listen ?? env.PROXMESH_LISTEN ?? '0.0.0.0:8080', '--listen');
  const runsDir = opts.runsDir ?? env.PROXMESH_RUNS_DIR ?? 'runs';
  const configFile = opts.config ?? env.PROXMESH_CONFIG;
  const config = configFile ? loadConfig(configFile) : null;
  const { app, runs } = await buildApp({
    token,
    contexts: createRunContextFactory({ runsDir }),
    validateConfig: (raw) => loadConfig(raw as object),
    logger: { level: env.PROXMESH_LOG_LEVEL ?? 'info' },
  });
  const sig = abortOnSignals();
  try {
    await app.listen({ host: listen.host, port: listen.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : listen.port;
    io.stderr.write(`coordinator listening on ${listen.host}:${port} (control ws://…:${port}/control, metrics /metrics)\n`);
    let runId: string | null = null;
    if (config) {
      runId = env.PROXMESH_RUN_ID || `run-${randomBytes(4).toString('hex')}`;
      const view = await runs.createRun({ config }, runId);
      io.stderr.write(`run ${view.id} created: waiting for ${view.nodes} workers; results in ${view.dir}\n`);
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
    await new Promise<void>((resolve) => sig.signal.addEventListener('abort', () => resolve(), { once: true }));
    io.stderr.write(`coordinator: ${sig.which()} received, shutting down\n`);
    return 0;
  } finally {
    sig.dispose();
    await app.close();
  }
}
