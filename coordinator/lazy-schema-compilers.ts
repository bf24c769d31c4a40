/**
 * Fastify's own schema compilers (@fastify/ajv-compiler for request validation,
 * @fastify/fast-json-stringify-compiler for response serialisation), loaded and run on the first
 * request that needs each schema instead of at `ready` (issue 11: start-up to round 0). By default
 * Fastify loads Ajv when the instance is built and compiles every route's schemas when it starts
 * listening: ≈ 0.2 s of CPU on the coordinator's start-up path (loading the compilers ≈ 0.1 s,
 * compiling the run API's schemas ≈ 0.1 s), before any worker can be answered, for routes a local
 * cluster may never call.
 *
 * The validators and serialisers are exactly Fastify's defaults, built with the same options and
 * external schemas; only WHEN they are built changes. A validator is a function with Ajv's
 * `schemaEnv` and `errors`, which Fastify reads (validation.js: root coercion through parentData,
 * the errors of a failed check), so the lazy wrapper forwards both, compiling on first access.
 * One difference: Fastify lower-cases the keys of a `headers` schema only for its default compiler,
 * so a route must not declare one (none does; give header names in lower case if one ever does).
 * test/coordinator/lazy-schema-compilers.test.ts compares both on params, query, body and response.
 */
import { createRequire } from 'node:module';

/** Resolves as Fastify does: the compilers are Fastify's own dependencies, not this package's. */
const require = createRequire(createRequire(import.meta.url).resolve('fastify'));

/** What Fastify passes to a route-level compiler (schema, method, url, httpPart | httpStatus, contentType). */
type RouteSchema = Record<string, unknown>;
type Validator = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serializer = (data: unknown) => string;
/** compilersFactory.buildValidator / buildSerializer: (external schemas, compiler options) → route compiler. */
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => F;

function lazyFactory<F>(pkg: string, wrap: (build: () => F) => F): Factory<F> {
  let selector: Factory<F> | null = null;
  return (externalSchemas, options) => {
    let compiler: ((route: RouteSchema) => F) | null = null;
    const compilerOf = () => {
      if (selector === null) selector = (require(pkg) as () => Factory<F>)();
      if (compiler === null) compiler = selector(externalSchemas, options);
      return compiler;
    };
    return (route) => {
      let built: F | null = null;
      return wrap(() => (built ??= compilerOf()(route)));
    };
  };
}

function lazyValidator(build: () => Validator): Validator {
  const v: Validator = (data, ctx) => (ctx === undefined ? build()(data) : build()(data, ctx));
  Object.defineProperty(v, 'errors', { get: () => build().errors, enumerable: true });
  Object.defineProperty(v, 'schemaEnv', { get: () => build().schemaEnv, enumerable: true });
  return v;
}

const lazySerializer =
  (build: () => Serializer): Serializer =>
  (data) =>
    build()(data);

/** Fastify's `schemaController.compilersFactory`: its default compilers, built on first use. */
export function lazyCompilersFactory(): { buildValidator: Factory<Validator>; buildSerializer: Factory<Serializer> } {
  return {
    buildValidator: lazyFactory('@fastify/ajv-compiler', lazyValidator),
    buildSerializer: lazyFactory('@fastify/fast-json-stringify-compiler', lazySerializer),
  };
}
