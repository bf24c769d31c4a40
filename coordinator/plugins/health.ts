/** /healthz (the process is alive) and /readyz (it can take runs and workers). Open, no token. */
import type { FastifyInstance } from 'fastify';
import type { RunManager } from '../run-manager.ts';

export async function healthPlugin(app: FastifyInstance, opts: { runs: RunManager }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => {
    const active = opts.runs.activeRun();
    return { status: 'ready', run: active ? { id: active.id, state: active.state } : null };
  });
}
