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
