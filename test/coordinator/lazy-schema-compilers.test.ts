/**
 * The coordinator's lazy schema compilers (coordinator/lazy-schema-compilers.ts) answer exactly as
 * Fastify's defaults do: the same coercions (params, querystring, and a root value through Ajv's
 * parentData), the same validation errors, the same serialised responses; and nothing is compiled
 * before the first request.
 */
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { lazyCompilersFactory } from '../../coordinator/lazy-schema-compilers.ts';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function appWith(lazy: boolean): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { removeAdditional: false } },
    ...(lazy ? { schemaController: { compilersFactory: lazyCompilersFactory() } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  apps.push(app);
  app.post(
    '/things/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', default: 10 }, tag: { type: 'string' } },
          additionalProperties: false,
        },
        body: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1 }, size: { type: 'number' } },
          required: ['name'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              limit: { type: 'integer' },
              name: { type: 'string' },
              kinds: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: number };
      const { limit } = req.query as { limit: number };
      // `secret` is not in the response schema: the serialiser drops it.
      return { id, limit, name: (req.body as { name: string }).name, kinds: [typeof id, typeof limit], secret: 'x' };
    },
  );
  app.get('/n', { schema: { querystring: { type: 'integer' } } }, async (req) => ({ q: req.query }));
  await app.ready();
  return app;
}

const requests = [
  { method: 'POST', url: '/things/7?limit=3', payload: { name: 'a', size: 2 } },
  { method: 'POST', url: '/things/7', payload: { name: 'b' } },
  { method: 'POST', url: '/things/0', payload: { name: 'a' } },
  { method: 'POST', url: '/things/x', payload: { name: 'a' } },
  { method: 'POST', url: '/things/7?limit=z', payload: { name: 'a' } },
  { method: 'POST', url: '/things/7?other=1', payload: { name: 'a' } },
  { method: 'POST', url: '/things/7', payload: { name: '' } },
  { method: 'POST', url: '/things/7', payload: { name: 'a', extra: true } },
  { method: 'POST', url: '/things/7', payload: {} },
  { method: 'POST', url: '/things/7', payload: { name: 'a' } },
] as const;

const ajvCompilerLoaded = () =>
  Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(`${sep}@fastify${sep}ajv-compiler${sep}`));

describe('lazy schema compilers', () => {
  // First in this file: no app with the default compilers exists yet in this process.
  it('load and compile nothing until a request needs a schema', async () => {
    const app = Fastify({ logger: false, schemaController: { compilersFactory: lazyCompilersFactory() } } as Parameters<
      typeof Fastify
    >[0]) as unknown as FastifyInstance;
    apps.push(app);
    app.post('/p', { schema: { body: { type: 'object', required: ['a'] } } }, async () => ({ ok: true }));
    await app.ready();
    const before = ajvCompilerLoaded();
    expect((await app.inject({ method: 'POST', url: '/p', payload: {} })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/p', payload: { a: 1 } })).statusCode).toBe(200);
    expect({ before, after: ajvCompilerLoaded() }).toEqual({ before: false, after: true });
  });

  it('give the same status codes and bodies as Fastify’s default compilers', async () => {
    const eager = await appWith(false);
    const lazy = await appWith(true);
    for (const r of requests) {
      const a = await eager.inject({ ...r });
      const b = await lazy.inject({ ...r });
      expect({ url: r.url, status: b.statusCode, body: b.body }).toEqual({ url: r.url, status: a.statusCode, body: a.body });
    }
    const ok = await lazy.inject({ ...requests[0] });
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ id: 7, limit: 3, name: 'a', kinds: ['number', 'number'] });
    expect((await lazy.inject({ ...requests[2] })).statusCode).toBe(400);
  });
});
