/**
 * The node arguments that start one of this package's entry modules (a worker, a sweep cell) in a
 * child process. An install runs the compiled tree, so the child is the sibling `.js` file. When the
 * caller itself runs from the TypeScript sources (the tests, a developer's `node --import tsx …`), the
 * child is the sibling `.ts` file, started through the same dev-only loader the caller runs under;
 * the loader is resolved from this package (not from the child's working directory), and a compiled
 * install never takes that path, so it needs no dev dependency.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** argv for `spawn(process.execPath, [...childEntryArgs(import.meta.url, 'worker-bin'), ...])`. */
export function childEntryArgs(callerUrl: string, name: string): string[] {
  const caller = fileURLToPath(callerUrl);
  const dir = dirname(caller);
  if (!caller.endsWith('.ts')) return [join(dir, `${name}.js`)];
  const loader = createRequire(callerUrl).resolve('tsx');
  return ['--import', pathToFileURL(loader).href, join(dir, `${name}.ts`)];
}

/**
 * The URL that starts one of this package's modules in a worker thread. Compiled: the sibling `.js`.
 * From the sources: a tiny ESM bootstrap (a data: URL) that registers the dev-only loader in the new
 * thread and imports the sibling `.ts` file — worker threads do not inherit `--import` loaders on
 * Node 20. The loader's ESM entry is resolved from this package's own tsx.
 */
export function threadEntryUrl(callerUrl: string, name: string): URL {
  if (!fileURLToPath(callerUrl).endsWith('.ts')) return new URL(`./${name}.js`, callerUrl);
  const require = createRequire(callerUrl);
  const pkgJson = require.resolve('tsx/package.json');
  const exportsMap = (require(pkgJson) as { exports: Record<string, { import: { default: string } }> }).exports;
  const api = pathToFileURL(join(dirname(pkgJson), exportsMap['./esm/api'].import.default)).href;
  const target = new URL(`./${name}.ts`, callerUrl).href;
  const src = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(target)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(src)}`);
}
