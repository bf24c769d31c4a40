/** GET /metrics: the app's own prom-client registry (open, like Prometheus expects). */
import type { FastifyInstance } from 'fastify';
import type { CoordinatorMetrics } from '../metrics.ts';

export async function metricsPlugin(app: FastifyInstance, opts: { metrics: CoordinatorMetrics }): Promise<void> {
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
