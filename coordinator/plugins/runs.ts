/**
 * The run API (token required): POST /runs, GET /runs, GET /runs/:id, GET /runs/:id/results.
 * The config in the body is validated by the one run-config schema (node/config) before anything
 * starts; a bad one is a 400 with the PROXMESH_ERR_CONFIG* code naming the path.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ProxmeshError } from '../../node/errors.ts';
import type { CoordinatorMetrics } from '../metrics.ts';
import type { RunManager } from '../run-manager.ts';
import { checkConfigPaths } from '../data-roots.ts';
import { requireToken } from './auth.ts';

export interface RunsPluginOptions {
  readonly runs: RunManager;
  readonly metrics: CoordinatorMetrics;
  readonly token: string;
  /** Validates and freezes a posted config (throws ProxmeshError on a bad one). */
  readonly validateConfig: (raw: unknown) => unknown;
  /** Folders the posted config's file paths must resolve into (coordinator/data-roots.ts). */
  readonly dataRoots: readonly string[];
}

const runIdPattern = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

export async function runsPlugin(app: FastifyInstance, opts: RunsPluginOptions): Promise<void> {
  // onRequest (not preHandler): the token is checked before the body is parsed or validated, so an
  // unauthenticated client learns nothing about the API and gets 401, never 400.
  app.addHook(
    'onRequest',
    requireToken(opts.token, (reason) => opts.metrics.controlRejected.inc({ reason })),
  );

  app.post(
    '/runs',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['config'],
          properties: {
            config: { type: 'object' },
            id: { type: 'string', pattern: runIdPattern },
          },
        },
      },
    },
    async (req, reply) => {
      const body = req.body as { config: unknown; id?: string };
      const config = opts.validateConfig(body.config);
      // Before any file is opened: the run context (coordinator) and every worker read these paths.
      checkConfigPaths(config, opts.dataRoots);
      const view = await opts.runs.createRun({ config }, body.id);
      return reply.status(201).send(view);
    },
  );

  app.get('/runs', async () => ({ runs: opts.runs.list() }));

  app.get(
    '/runs/:id',
    {
      schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: runIdPattern } }, required: ['id'] } },
    },
    async (req) => opts.runs.get((req.params as { id: string }).id),
  );

  app.get(
    '/runs/:id/results',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', pattern: runIdPattern } }, required: ['id'] },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['ndjson', 'csv'], default: 'ndjson' } },
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const { format } = req.query as { format: 'ndjson' | 'csv' };
      const dir = opts.runs.store(id).dir;
      const file = format === 'csv' ? 'metrics.csv' : 'metrics.ndjson';
      let body: string;
      try {
        body = await readFile(join(dir, file), 'utf8');
      } catch {
        throw new ProxmeshError('PROXMESH_ERR_NOT_FOUND', `run '${id}' has no ${file} yet`);
      }
      reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      return body;
    },
  );
}
