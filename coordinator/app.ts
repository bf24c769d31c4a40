/**
 * buildApp(): the coordinator as a Fastify instance with plugins (fastify's habit). It never listens
 * by itself, so tests use `app.inject()` or call `listen` on an ephemeral port.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { createCoordinatorMetrics, type CoordinatorMetrics } from './metrics.ts';
import { RunManager, type RunManagerOptions } from './run-manager.ts';
import type { RunContextFactory } from './run-types.ts';
import { dataRootsFromEnv } from './data-roots.ts';
import { serverLimits, type ServerLimits } from './server-limits.ts';
import { lazyCompilersFactory } from './lazy-schema-compilers.ts';
import { ProxmeshError } from '../node/errors.ts';
import {
  clientCertificateAccepted,
  createTlsRejections,
  guardTlsServer,
  serverTlsOptions,
  type TlsSettings,
} from '../node/transport/tls-options.ts';
import { registerErrorHandler } from './plugins/errors.ts';
import { healthPlugin } from './plugins/health.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { controlPlugin } from './plugins/control.ts';
import { runsPlugin } from './plugins/runs.ts';
import { dashboardPlugin } from './plugins/dashboard.ts';

export interface BuildAppOptions {
  /** The cluster token: proved by challenge–response on the control channel, a bearer header on the run API. */
  readonly token: string;
  /** Builds a run's evaluation context and results store. */
  readonly contexts: RunContextFactory;
  /** Validates and freezes a posted run config. */
  readonly validateConfig: (raw: unknown) => unknown;
  /** Fastify logger option (false in tests). */
  readonly logger?: boolean | object;
  /** Largest control message accepted (bytes); reports carry x_i, so size it from the problem. */
  readonly maxControlPayload?: number;
  /** Collect process metrics (default true; tests with many apps may turn it off). */
  readonly defaultMetrics?: boolean;
  /** How long a new control socket may take to prove the token (ms, default 5000). */
  readonly controlAuthTimeoutMs?: number;
  /** Awaited once a run's workers are all ready, before they are started (tests, probes). */
  readonly beforeStart?: RunManagerOptions['beforeStart'];
  /** Heal a checkpointing run when a worker is lost (RunManagerOptions.heal; the standalone coordinator). */
  readonly heal?: RunManagerOptions['heal'];
  /**
   * Folders a run posted over HTTP may read files from (default: PROXMESH_DATA_ROOTS, else the
   * shipped data/ folder). Runs created in-process (the CLI's local cluster) are not restricted.
   */
  readonly dataRoots?: readonly string[];
  /** Socket timeouts and caps (default: serverLimits(PROXMESH_* environment), server-limits.ts). */
  readonly limits?: Partial<ServerLimits>;
  /**
   * Put the dashboard (page, state and event stream) behind the cluster token (Bearer, or HTTP
   * Basic with the token as password, which browsers prompt for). Default: PROXMESH_DASHBOARD_AUTH=token.
   */
  readonly dashboardAuth?: boolean;
  /** Environment read for the defaults above (tests pass their own). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Serve HTTPS (and wss:// on /control) with these PEM files (node/transport/tls-options.ts).
   * With mtls, /control also needs a client certificate signed by the CA; the run API, dashboard,
   * /metrics and the probes stay reachable with server-side TLS and the token, as before.
   */
  readonly tls?: TlsSettings | null;
}

/**
 * PROXMESH_DASHBOARD_AUTH: 'token' puts the dashboard behind the token, 'open' (or unset) leaves it
 * open. Anything else is a usage error: a typo such as 'true' must not silently leave it open.
 */
export function dashboardAuthFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env.PROXMESH_DASHBOARD_AUTH;
  if (v === undefined || v === '' || v === 'open') return false;
  if (v === 'token') return true;
  throw new ProxmeshError('PROXMESH_ERR_USAGE', "PROXMESH_DASHBOARD_AUTH must be 'token' (dashboard behind the cluster token) or 'open'");
}

export interface CoordinatorApp {
  readonly app: FastifyInstance;
  readonly runs: RunManager;
  readonly metrics: CoordinatorMetrics;
}

export async function buildApp(opts: BuildAppOptions): Promise<CoordinatorApp> {
  if (!opts.token) throw new Error('buildApp: a non-empty cluster token is required');
  // Unknown keys are a 400: Fastify's default Ajv would silently drop them (removeAdditional).
  // Type coercion stays on (query strings such as ?limit=10 are typed by their schemas).
  const env = opts.env ?? process.env;
  const limits = { ...serverLimits(env), ...opts.limits };
  // Timeouts: an idle or slow client must not hold a socket forever (issue 16: 60 idle sockets were
  // still open after 130 s). WebSocket upgrades (ws) and SSE streams clear their socket's idle timeout.
  const tls = opts.tls ?? null;
  const httpOptions = { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs };
  // Fastify passes `https` to https.createServer and then ignores `http`: the timeouts go in both.
  // Its types pick the server class from the options' literal type; the app is used through the
  // (http) FastifyInstance API either way, which both servers offer.
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 16 * 1024 * 1024,
    connectionTimeout: limits.connectionTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: httpOptions,
    ...(tls !== null ? { https: { ...httpOptions, ...serverTlsOptions(tls) } } : {}),
    ajv: { customOptions: { removeAdditional: false } },
    // Fastify's default compilers, loaded and run per schema on its first request, not at start-up.
    schemaController: { compilersFactory: lazyCompilersFactory() },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // Beyond the cap, node closes each new connection as soon as it is accepted.
  app.server.maxConnections = limits.maxConnections;
  const metrics = createCoordinatorMetrics({ defaultMetrics: opts.defaultMetrics });
  if (tls !== null) {
    const rejections = createTlsRejections(metrics.registry);
    guardTlsServer(app.server, tls, 'api', rejections, undefined, false);
    // Mutual TLS on the control channel only: a worker must show a certificate from the cluster CA
    // before its upgrade is handled (and before it may try the token proof).
    if (tls.mtls) {
      app.addHook('onRequest', async (req, reply) => {
        if (!/^\/control(?:[/?]|$)/.test(req.url)) return;
        if (clientCertificateAccepted(req.raw.socket, tls, 'control', rejections)) return;
        app.log.warn('control connection refused: no client certificate from the cluster CA');
        return reply.code(403).header('connection', 'close').send({
          code: 'PROXMESH_ERR_UNAUTHORIZED',
          message: '/control needs a client certificate signed by the cluster CA (mutual TLS)',
        });
      });
    }
  }
  const runs = new RunManager({
    metrics,
    contexts: opts.contexts,
    log: app.log,
    beforeStart: opts.beforeStart,
    ...(opts.heal !== undefined ? { heal: opts.heal } : {}),
  });
  registerErrorHandler(app);
  await app.register(websocket, { options: { maxPayload: opts.maxControlPayload ?? 256 * 1024 * 1024, perMessageDeflate: false } });
  await app.register(healthPlugin, { runs });
  await app.register(metricsPlugin, { metrics });
  await app.register(controlPlugin, { runs, metrics, token: opts.token, authTimeoutMs: opts.controlAuthTimeoutMs });
  await app.register(runsPlugin, {
    runs,
    metrics,
    token: opts.token,
    validateConfig: opts.validateConfig,
    dataRoots: opts.dataRoots ?? dataRootsFromEnv(env),
  });
  await app.register(dashboardPlugin, {
    runs,
    metrics,
    maxStreams: limits.maxEventStreams,
    ...((opts.dashboardAuth ?? dashboardAuthFromEnv(env)) ? { token: opts.token } : {}),
  });
  app.addHook('onClose', async () => {
    runs.shutdown('coordinator closed');
    await opts.contexts.close?.();
  });
  return { app, runs, metrics };
}
