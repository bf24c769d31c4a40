/**
 * Error handler: every failure becomes a coded JSON body { error: { code, message, detail? } } with
 * the registry's status. Fastify's own schema-validation errors become PROXMESH_ERR_REQUEST (400).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ProxmeshError } from '../../node/errors.ts';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ProxmeshError | Error, req, reply) => {
    if (err instanceof ProxmeshError) {
      return reply.status(err.status).send({ error: err.toJSON() });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0];
      const path = first?.instancePath || '/';
      return reply.status(400).send({
        error: {
          code: 'PROXMESH_ERR_REQUEST',
          message: `request ${fe.validationContext ?? 'body'} ${path}: ${first?.message ?? 'is invalid'}`,
          detail: { validation: fe.validation },
        },
      });
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: { code: 'PROXMESH_ERR_REQUEST', message: fe.message } });
    }
    req.log.error(err);
    return reply.status(500).send({ error: { code: 'PROXMESH_ERR_INTERNAL', message: err.message } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'PROXMESH_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url}` } });
  });
}
