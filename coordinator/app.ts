/**
 * buildApp(): the coordinator as a Fastify instance with plugins (fastify's habit). It never listens
 * by itself, so tests use `app.inject()` or call `listen` on an ephemeral port.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { createCoordinatorMetrics, type CoordinatorMetrics } from './metrics.ts';
import { RunManager, type RunManagerOptions } from './run-manager.ts';
import type { RunContextFactory } from './run-types.ts';
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
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 16 * 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false } },
  });
  const metrics = createCoordinatorMetrics({ defaultMetrics: opts.defaultMetrics });
  const runs = new RunManager({ metrics, contexts: opts.contexts, log: app.log, beforeStart: opts.beforeStart });
  registerErrorHandler(app);
  await app.register(websocket, { options: { maxPayload: opts.maxControlPayload ?? 256 * 1024 * 1024, perMessageDeflate: false } });
  await app.register(healthPlugin, { runs });
  await app.register(metricsPlugin, { metrics });
  await app.register(controlPlugin, { runs, metrics, token: opts.token, authTimeoutMs: opts.controlAuthTimeoutMs });
  await app.register(runsPlugin, { runs, metrics, token: opts.token, validateConfig: opts.validateConfig });
  await app.register(dashboardPlugin, { runs, metrics });
  app.addHook('onClose', async () => runs.shutdown('coordinator closed'));
  return { app, runs, metrics };
}
