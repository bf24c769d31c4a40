/**
 * `proxmesh worker` options → runWorker. Flags win over the environment (PROXMESH_COORDINATOR, or
 * '-' to read it from the first line of stdin,
 * PROXMESH_ORDINAL / PROXMESH_ORDINAL_FROM_HOSTNAME=1, PROXMESH_LISTEN, PROXMESH_ADVERTISE,
 * PROXMESH_METRICS_LISTEN, PROXMESH_PEER_TIMEOUT_MS, PROXMESH_HEARTBEAT_MS,
 * PROXMESH_METRICS_LINGER_MS, PROXMESH_NODES_PER_WORKER, PROXMESH_TLS_CERT / _KEY / _CA / _MTLS,
 * PROXMESH_CHECKPOINT_DIR: where the nodes' checkpoints go, docs/resume.md);
 * the token comes from PROXMESH_TOKEN only.
 *
 * A worker given the coordinator's URL stays up between runs (a container or a pod is not restarted
 * after each run) and dials its coordinator again when the control connection closes;
 * PROXMESH_EXIT_AFTER_RUN=1 makes it exit after one run instead. A worker reading the URL from stdin
 * (the local cluster's, spawned per run) exits after its run.
 */
import { hostname } from 'node:os';
import { ProxmeshError } from '../errors.ts';
import { runWorker } from '../worker.ts';
import { tlsFromEnv } from '../transport/tls-options.ts';
import {
  STDIN_COORDINATOR,
  abortOnSignals,
  firstLine,
  intFromEnv,
  nodesPerWorker,
  ordinalFromHostname,
  parseListen,
  tokenFromEnv,
} from './cli-env.ts';

export interface WorkerCommandOptions {
  readonly coordinator?: string;
  readonly ordinal?: number;
  readonly ordinalFromHostname?: boolean;
  readonly listen?: string;
  readonly advertise?: string;
  readonly metricsListen?: string;
  readonly peerTimeoutMs?: number;
  readonly heartbeatMs?: number;
  readonly helloTimeoutMs?: number;
  readonly nodesPerWorker?: number;
  /** PEM files for TLS (flags win over PROXMESH_TLS_CERT / _KEY / _CA / _MTLS). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly tlsMtls?: boolean;
}

export const DEFAULT_WORKER_METRICS_LISTEN = '127.0.0.1:9464';

export async function workerCommand(
  opts: WorkerCommandOptions,
  io: { stderr: NodeJS.WritableStream },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let coordinatorUrl = opts.coordinator ?? env.PROXMESH_COORDINATOR;
  const fromStdin = coordinatorUrl === STDIN_COORDINATOR;
  if (!coordinatorUrl)
    throw new ProxmeshError('PROXMESH_ERR_USAGE', 'worker: give --coordinator ws://host:port/control (or PROXMESH_COORDINATOR)');
  // '-': the URL comes as the first line of standard input. The local cluster starts its workers
  // before its coordinator listens (their start-up overlaps the coordinator's), then writes it.
  if (coordinatorUrl === STDIN_COORDINATOR) {
    coordinatorUrl = await firstLine(process.stdin);
    process.stdin.destroy(); // read once; an open pipe must not keep the process alive
    if (!/^wss?:\/\//.test(coordinatorUrl))
      throw new ProxmeshError(
        'PROXMESH_ERR_USAGE',
        `worker: the coordinator URL on stdin must be ws://host:port/control (got '${coordinatorUrl.slice(0, 200)}')`,
      );
  }
  const token = tokenFromEnv(env);
  // Read once, here: a missing or unreadable PEM file fails start-up with PROXMESH_ERR_TLS.
  const tls = tlsFromEnv(env, { cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa, mtls: opts.tlsMtls });
  const listen = parseListen(opts.listen ?? env.PROXMESH_LISTEN ?? '0.0.0.0:7070', '--listen');
  // /metrics binds loopback unless told otherwise (issue 16); the peer port cannot: peers dial it.
  const metricsListenValue = opts.metricsListen ?? env.PROXMESH_METRICS_LISTEN ?? DEFAULT_WORKER_METRICS_LISTEN;
  const metrics = metricsListenValue === 'off' ? null : parseListen(metricsListenValue, '--metrics-listen');
  let ordinal: number | null = opts.ordinal ?? intFromEnv(env, 'PROXMESH_ORDINAL') ?? null;
  if (ordinal === null && (opts.ordinalFromHostname || env.PROXMESH_ORDINAL_FROM_HOSTNAME === '1'))
    ordinal = ordinalFromHostname(env.HOSTNAME ?? hostname());
  if (ordinal !== null && (!Number.isSafeInteger(ordinal) || ordinal < 0))
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `worker: ordinal must be an integer ≥ 0 (got ${ordinal})`);
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
      peerTimeoutMs: opts.peerTimeoutMs ?? intFromEnv(env, 'PROXMESH_PEER_TIMEOUT_MS'),
      heartbeatMs: opts.heartbeatMs ?? intFromEnv(env, 'PROXMESH_HEARTBEAT_MS'),
      helloTimeoutMs: opts.helloTimeoutMs ?? intFromEnv(env, 'PROXMESH_HELLO_TIMEOUT_MS'),
      nodesPerWorker: nodesPerWorker(opts.nodesPerWorker ?? intFromEnv(env, 'PROXMESH_NODES_PER_WORKER')),
      metricsLingerMs: intFromEnv(env, 'PROXMESH_METRICS_LINGER_MS'),
      tls,
      checkpointDir: env.PROXMESH_CHECKPOINT_DIR || null,
      stayUp: !fromStdin && env.PROXMESH_EXIT_AFTER_RUN !== '1',
      log: (line) => io.stderr.write(`${line}\n`),
      signal: sig.signal,
    });
  } finally {
    sig.dispose();
  }
}
