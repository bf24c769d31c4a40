/**
 * Build step (after tsc and the worker bundle, see package.json "build"): bundles the `proxmesh`
 * command into a small entry where tsc put it, dist/node/cli/bin.js, and chunks beside it. Every command
 * used to resolve, stat, read and link about a thousand ES modules (the CLI, the coordinator's
 * Fastify and its plug-ins, TypeBox, commander) before doing anything: 0.6 s of CPU for
 * `proxmesh --help` on the 2-core machine, paid again by every `sim`, `run`, `report` and `sweep`.
 *
 * `import.meta.url` inside the bundle: each module of the package (node/, coordinator/, topologies/)
 * gets the URL of its own tsc output instead of the bundle's (`new URL('<path from the bundle's folder
 * to dist/…/module.js>', import.meta.url)`). So everything that resolves files relative to its module keeps working
 * unchanged: the worker process (local-cluster's `../cluster/worker-bin`), the simulator's and the
 * coordinator's threads and the checkpoint writer (their tsc-compiled entries beside their modules),
 * the sweep's cell worker, the package root, createRequire of ajv and the dashboard's assets; and
 * the "am I the main module?" checks of the docs writers stay false. The entries that processes and
 * threads start by path (CHILD_ENTRIES) are bundled the same way over their tsc outputs; the worker
 * has its own bundle (bundle-worker.mjs) and the checkpoint writer runs tsc's file.
 *
 * `proxmesh worker` (bin.ts's fast path) imports the worker entry, which stays outside this bundle.
 * What a command imports lazily (report with vega, sweep, …) is split into chunks beside the entry
 * (`bin-chunk-<hash>.js`), read only by the commands that need them. Packages with native add-ons
 * (@resvg, msgpackr-extract, ws' optional ones) stay external, as in the worker bundle.
 *
 *   node deploy/build/bundle-cli.mjs       (run by `npm run build`)
 */
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerBundleOptions } from './bundle-worker.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The package's own source folders (tsc compiles each file to dist/<same path>.js). */
const OWN = ['node', 'coordinator', 'topologies'].map((d) => join(root, d) + sep);
/** The worker entry that bin.ts imports for `proxmesh worker`: left to its own (bundled) file. */
const WORKER_ENTRY = '../cluster/worker-bin.ts';
/** File names of the bundle's chunks, beside the entry. */
const CHUNK_PREFIX = 'bin-chunk-';

/** esbuild plug-in: per-module import.meta.url (see the header) and the worker entry left outside. */
function moduleUrls(outDir) {
  return {
    name: 'proxmesh-module-urls',
    setup(b) {
      b.onResolve({ filter: /worker-bin\.ts$/ }, (args) =>
        args.path === WORKER_ENTRY ? { path: '../cluster/worker-bin.js', external: true } : undefined,
      );
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!OWN.some((d) => args.path.startsWith(d))) return undefined;
        const compiled = join(root, 'dist', relative(root, args.path)).replace(/\.ts$/, '.js');
        const rel = relative(outDir, compiled).split(sep).join('/');
        const source = readFileSync(args.path, 'utf8');
        const contents = source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * The entries that processes and threads start by file path, each bundled over its own tsc output
 * (the same import.meta.url treatment): a study's cell process, the simulator's threads and the
 * coordinator's set-up thread, which otherwise load the unbundled graph (0.4 s of a 2-thread
 * simulation's start on this machine).
 */
export const CHILD_ENTRIES = ['node/sweep/cell-worker', 'node/sim/threads/sim-thread', 'coordinator/setup/thread-main'];

/**
 * esbuild options for one entry `src` (a .ts path from the root) written to `outfile` (a test may
 * write it elsewhere: the module URLs then still point into dist/).
 */
export function entryBundleOptions(src, outfile, split) {
  const { entryPoints: _entry, outfile: _out, ...common } = workerBundleOptions(outfile);
  return {
    ...common,
    entryPoints: { [basename(outfile, '.js')]: join(root, src) },
    outdir: dirname(outfile),
    // bin.js: what a command imports lazily (report and its vega, sweep, …) goes to chunks beside it
    ...(split ? { splitting: true, chunkNames: `${CHUNK_PREFIX}[hash]` } : {}),
    minifyWhitespace: true,
    plugins: [moduleUrls(dirname(outfile))],
    external: [...common.external, '@resvg/*'],
  };
}

/**
 * Writes the CLI bundle over tsc's entry (and, with `children`, the child entries over theirs);
 * resolves with esbuild's metafile of the CLI (what went in).
 */
export async function bundleCli(outfile = join(root, 'dist/node/cli/bin.js'), children = true) {
  const dir = dirname(outfile);
  // the previous build's chunks (their names change with their contents) and tsc's maps of the entries
  for (const f of existsSync(dir) ? readdirSync(dir) : []) if (f.startsWith(CHUNK_PREFIX)) rmSync(join(dir, f), { force: true });
  rmSync(`${outfile}.map`, { force: true });
  const result = await build({ ...entryBundleOptions('node/cli/bin.ts', outfile, true), metafile: true });
  if (children) {
    for (const entry of CHILD_ENTRIES) {
      const out = join(root, 'dist', `${entry}.js`);
      rmSync(`${out}.map`, { force: true });
      await build(entryBundleOptions(`${entry}.ts`, out, false));
    }
  }
  return result.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundleCli();
