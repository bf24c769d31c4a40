/**
 * Build step (after tsc, see package.json "build"): bundles the worker's entry point into ONE file,
 * dist/node/cluster/worker-bundle.js, and replaces tsc's output of the entry, worker-bin.js, with a
 * two-line loader of it (ENTRY below: Node's compile cache first). A worker process
 * then reads and compiles one file instead of resolving, stat-ing and linking about a thousand
 * modules (its own graph, ws, msgpackr, prom-client, TypeBox's specs): issue 11's start-up budget,
 * where module loading was 2.9 s of every worker's start-up. The rest of dist/ is untouched and the
 * tests keep running the TypeScript sources.
 *
 * The bundle sits beside the entry, where tsc put it, so every `import.meta.url` in it resolves from the same
 * folder (PACKAGE_ROOT walks up to package.json; datasets are found the same way), and the local
 * cluster (childEntryArgs), the CLI's `proxmesh worker` fast path (node/cli/bin.ts) and the image
 * start it unchanged. Dependencies with native add-ons tried at run time (msgpackr-extract, ws'
 * bufferutil / utf-8-validate) stay external: their `require` is in a try, as in an unbundled install.
 *
 *   node deploy/build/bundle-worker.mjs       (run by `npm run build`)
 */
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The entry file that stands where tsc put worker-bin.js: it turns on Node's on-disk compile cache
 * where Node has one (module.enableCompileCache, Node ≥ 22.1; NODE_COMPILE_CACHE or the OS temp
 * folder), so a worker after the first skips compiling the 0.9 MB bundle, then imports the bundle.
 * The cache must be on before the bundle is compiled, hence two files. On Node 20 it is a no-op, and
 * any failure to enable it is ignored: the cache only ever saves time.
 */
const ENTRY = `#!/usr/bin/env node
// The worker entry (deploy/build/bundle-worker.mjs): compile cache where Node has one, then the one-file bundle.
import module from 'node:module';
try {
  module.enableCompileCache?.();
} catch {}
await import('./worker-bundle.js');
`;

/** The options of the worker bundle; `outfile` (the entry) defaults to the shipped location, the bundle sits beside it. */
export function workerBundleOptions(outfile = join(root, 'dist/node/cluster/worker-bin.js')) {
  return {
    entryPoints: [join(root, 'node/cluster/worker-bin.ts')],
    outfile: join(dirname(outfile), 'worker-bundle.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    external: ['msgpackr-extract', 'bufferutil', 'utf-8-validate'],
    // CommonJS dependencies (ws, prom-client) call require() for Node's built-ins; an ESM bundle has
    // no require of its own, so give it the module's one.
    // msgpackr's native string extractor (msgpackr-extract) costs a worker ~20 ms of its start-up
    // (node-gyp-build probing, dlopen) and only speeds up decoding string-heavy messages; a worker
    // decodes a handful of control messages. Off unless the environment says otherwise.
    banner: {
      js:
        "import { createRequire as __proxmeshCreateRequire } from 'node:module'; const require = __proxmeshCreateRequire(import.meta.url); " +
        "process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true';",
    },
  };
}

/**
 * The checkpoint writer thread (node/checkpoint/writer-thread.ts), bundled beside the worker bundle:
 * the store starts it as `./writer-thread.js` relative to its own module, which inside the bundle is
 * the bundle's folder (node/checkpoint/store.ts writerThreadEntry).
 */
export function writerThreadOptions(outfile = join(root, 'dist/node/cluster/worker-bin.js')) {
  const { entryPoints: _entry, outfile: _out, banner: _banner, ...common } = workerBundleOptions(outfile);
  return { ...common, entryPoints: [join(root, 'node/checkpoint/writer-thread.ts')], outfile: join(dirname(outfile), 'writer-thread.js') };
}

/** Writes the bundle (and the writer thread beside it); resolves with esbuild's metafile of the bundle (what went in). */
export async function bundleWorker(outfile = join(root, 'dist/node/cluster/worker-bin.js')) {
  const result = await build({ ...workerBundleOptions(outfile), metafile: true });
  await build(writerThreadOptions(outfile));
  writeFileSync(outfile, ENTRY, { mode: 0o755 });
  rmSync(`${outfile}.map`, { force: true }); // tsc's map of the entry it emitted, which the loader replaced
  return result.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundleWorker();
