/**
 * Import directions of proxmesh (issue 14 item 5), checked by `npm run check:imports` in CI
 * (.ci/run) and described in docs/architecture.md ("Folder map"). Every top-level folder of node/,
 * plus coordinator/ and topologies/, is listed in FOLDERS with the folders it may import; a folder
 * not listed there fails the `unmapped-folder` rule, so a new folder has to be placed in the map.
 *
 * Tiers, lowest first (a folder imports only folders listed for it, all of them lower):
 *   base:     node/errors.ts, limits, linalg, runtime, auth, schema
 *   graphs:   topologies (base only)
 *   domain:   checkpoint, prox, problem, compress, codec, results, eval, clock, algo, transport,
 *             plugins, config, data, resume
 *   wiring:   assemble (a run's parts from a frozen config), protocol (coordinator <-> worker wire)
 *   engines:  sim, cluster (with node/worker.ts), coordinator, report
 *   drivers:  sweep (runs sim cells), run (composes coordinator + worker processes)
 *   entries:  api (library surface), cli
 *
 * One documented exception: the plug-in table (node/plugins/registry.ts, registry-hooks.ts) is
 * consulted by the built-in registries of algo, compress, prox and problem for names they do not
 * know, and it types plug-ins with those folders' contracts. It may import only contract files
 * (spec.ts, types.ts) and base, see `plugin-table-imports-contracts-only`.
 *
 * Tests (test/), benchmarks (bench/) and deploy/ scripts are not cruised: they may import any layer.
 */

/** Folders every folder above the base may import. */
const BASE = ['node/errors.ts', 'node/limits', 'node/linalg', 'node/runtime', 'node/auth', 'node/schema'];

/** The plug-in table the built-in registries fall back on (see the exception above). */
const PLUGIN_TABLE = '^node/plugins/(registry|registry-hooks)\\.ts$';

/** Domain folders, each may import BASE, topologies and the folders listed (all earlier in this list). */
const DOMAIN = {
  'node/checkpoint': [],
  'node/prox': [],
  'node/problem': ['node/checkpoint', 'node/prox'],
  'node/compress': ['node/checkpoint'],
  'node/codec': ['node/compress'],
  'node/results': ['node/codec'],
  'node/eval': ['node/checkpoint', 'node/problem', 'node/prox', 'node/results'],
  'node/clock': ['node/checkpoint', 'node/codec', 'node/results'],
  'node/algo': ['node/checkpoint', 'node/compress', 'node/problem', 'node/prox'],
  'node/transport': ['node/algo', 'node/checkpoint', 'node/codec', 'node/compress', 'node/results'],
  'node/plugins': ['node/algo', 'node/compress', 'node/problem', 'node/prox'],
  'node/config': ['node/algo', 'node/checkpoint', 'node/clock', 'node/compress', 'node/plugins', 'node/problem', 'node/prox'],
  'node/data': ['node/problem'],
  'node/resume': ['node/algo', 'node/checkpoint', 'node/config', 'node/results'],
};
const ALL_DOMAIN = Object.keys(DOMAIN);

/** Every mapped folder and what it may import besides itself. */
const FOLDERS = {
  'node/errors.ts': [],
  'node/errors-doc.ts': ['node/errors.ts'],
  'node/limits': [],
  'node/linalg': ['node/errors.ts'],
  'node/runtime': [],
  'node/auth': ['node/errors.ts'],
  'node/schema': [],
  topologies: BASE,
  ...Object.fromEntries(Object.entries(DOMAIN).map(([f, may]) => [f, [...BASE, 'topologies', ...may]])),
  'node/assemble': [...BASE, 'topologies', ...ALL_DOMAIN],
  'node/protocol': [...BASE, 'topologies', ...ALL_DOMAIN],
  'node/report': [...BASE, 'topologies', ...ALL_DOMAIN],
  'node/sim': [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble'],
  'node/cluster': [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble', 'node/protocol', 'node/worker.ts'],
  'node/worker.ts': [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble', 'node/protocol', 'node/cluster'],
  coordinator: [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble', 'node/protocol'],
  'node/sweep': [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble', 'node/sim', 'node/report'],
  'node/run': [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble', 'node/protocol', 'node/cluster', 'coordinator'],
  'node/api': [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble', 'node/sim', 'node/report', 'node/sweep', 'node/run'],
  'node/cli': [...BASE, 'topologies', ...ALL_DOMAIN, 'node/assemble', 'node/protocol', 'node/sim', 'node/cluster', 'node/worker.ts', 'coordinator', 'node/report', 'node/sweep', 'node/run'],
};

/** A regex matching a folder's modules ('node/errors.ts' is a file, the rest are folders). */
const re = (f) => `^${f.replace(/\./g, '\\.')}${f.endsWith('.ts') ? '$' : '/'}`;
const any = (fs) => `(${fs.map(re).join('|')})`;
const OWN = '^(node|coordinator|topologies)/';

const layerRules = Object.entries(FOLDERS).map(([folder, may]) => ({
  name: `layer:${folder}`,
  comment: `${folder} may import only: ${may.length > 0 ? may.join(', ') : 'nothing of this package'} (docs/architecture.md, Folder map)`,
  severity: 'error',
  from: { path: re(folder) },
  to: {
    path: OWN,
    pathNot: [any([folder, ...may])]
      // The built-in registries' fall-back on the plug-in table (the documented exception).
      .concat(['node/algo', 'node/compress', 'node/prox', 'node/problem'].includes(folder) ? [PLUGIN_TABLE] : []),
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module may reach itself through its imports (type-only imports included).',
      severity: 'error',
      from: { path: OWN },
      to: { circular: true },
    },
    {
      name: 'unmapped-folder',
      comment: 'Every module sits in a folder of the map (add a new folder to FOLDERS and docs/architecture.md).',
      severity: 'error',
      from: { path: OWN, pathNot: [any(Object.keys(FOLDERS))] },
      to: {},
    },
    {
      name: 'plugin-table-imports-contracts-only',
      comment: 'The plug-in table types plug-ins with the domain contracts (spec.ts, types.ts) and nothing else of the domain folders, so the registries that consult it never depend on an implementation through it.',
      severity: 'error',
      from: { path: PLUGIN_TABLE },
      to: { path: OWN, pathNot: [any([...BASE, 'node/plugins']), '^node/(algo|compress|prox|problem)/(spec|types)\\.ts$'] },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '^dist/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};

// The map itself, for the test that checks every folder under node/ is in it (test/build/boundaries.test.ts);
// not enumerable, because dependency-cruiser refuses unknown configuration keys.
Object.defineProperty(module.exports, 'FOLDERS', { value: FOLDERS, enumerable: false });
