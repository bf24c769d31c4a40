/**
 * Build step (after tsc, see package.json "build"): bundles the worker's entry point into ONE file,
 * dist/node/cluster/worker-bin.js, replacing tsc's per-module output of that entry. A worker process
 * then reads and compiles one file instead of resolving, stat-ing and linking about a thousand
 * modules (its own graph, ws, msgpackr, prom-client, TypeBox's specs): issue 11's start-up budget,
 * where module loading was 2.9 s of every worker's start-up. The rest of dist/ is untouched and the
 * tests keep running the TypeScript sources.
 *
 * The bundle sits where tsc put the entry, so every `import.meta.url` in it resolves from the same
 * folder (PACKAGE_ROOT walks up to package.json; datasets are found the same way), and the local
 * cluster (childEntryArgs), the CLI's `proxmesh worker` fast path (node/cli/bin.ts) and the image
 * start it unchanged. Dependencies with native add-ons tried at run time (msgpackr-extract, ws'
 * bufferutil / utf-8-validate) stay external: their `require` is in a try, as in an unbundled install.
 *
 *   node deploy/build/bundle-worker.mjs       (run by `npm run build`)
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The options of the worker bundle; `outfile` defaults to the shipped location. */
export function workerBundleOptions(outfile = join(root, 'dist/node/cluster/worker-bin.js')) {
  return {
    entryPoints: [join(root, 'node/cluster/worker-bin.ts')],
    outfile,
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
    banner: { js: "import { createRequire as __proxmeshCreateRequire } from 'node:module'; const require = __proxmeshCreateRequire(import.meta.url);" },
  };
}

/** Writes the bundle; resolves with esbuild's metafile (what went in). */
export async function bundleWorker(outfile) {
  const result = await build({ ...workerBundleOptions(outfile), metafile: true });
  return result.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundleWorker();
