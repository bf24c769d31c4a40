/**
 * The node arguments that start one of this package's entry modules (a worker, a sweep cell) in a
 * child process. An install runs the compiled tree, so the child is the sibling `.js` file. When the
 * caller itself runs from the TypeScript sources (a developer's `node --import <loader> …`, the
 * tests), the child is the sibling `.ts` file, started with the same TypeScript loader: the one the
 * test runner names in PROXMESH_DEV_LOADER (test/vitest.config.ts), else this process's own
 * execArgv. A compiled install never takes that path, so it needs no dev dependency.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** argv for `spawn(process.execPath, [...childEntryArgs(import.meta.url, 'worker-bin'), ...])`. */
export function childEntryArgs(callerUrl: string, name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const caller = fileURLToPath(callerUrl);
  const dir = dirname(caller);
  if (!caller.endsWith('.ts')) return [join(dir, `${name}.js`)];
  const loader = env.PROXMESH_DEV_LOADER ? ['--import', env.PROXMESH_DEV_LOADER] : process.execArgv;
  return [...loader, join(dir, `${name}.ts`)];
}

/**
 * The URL that starts one of this package's modules in a worker thread, or null when that cannot be
 * done. Compiled: the sibling `.js`. From the sources: a tiny ESM bootstrap (a data: URL) that
 * registers the dev loader's ESM API (named by PROXMESH_DEV_THREAD_LOADER, which the test runner
 * sets) in the new thread, then imports the sibling `.ts` file; worker threads do not inherit
 * `--import` loaders on Node 20. Without that variable a source run gets null, and the caller does
 * the work on its own thread instead.
 */
export function threadEntryUrl(callerUrl: string, name: string, env: NodeJS.ProcessEnv = process.env): URL | null {
  if (!fileURLToPath(callerUrl).endsWith('.ts')) return new URL(`./${name}.js`, callerUrl);
  const api = env.PROXMESH_DEV_THREAD_LOADER;
  if (!api) return null;
  const target = new URL(`./${name}.ts`, callerUrl).href;
  const src = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(target)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(src)}`);
}
