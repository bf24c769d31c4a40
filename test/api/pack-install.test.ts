/**
 * The package as users get it: `npm pack`, install the tarball into an empty folder (offline, from
 * the npm cache: test/api/offline-install.ts), then
 *  - import the API and run a small simulation (metrics byte-identical to the sources' run),
 *  - `npx proxmesh sim` on a shipped plug-in example (byte-identical to the sources' run),
 *  - run every `<!-- snippet -->` of docs/api.md as an ES module there,
 *  - type-check a TypeScript consumer against the shipped declarations.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { run, writeConsumerProject } from './offline-install.ts';

const REPO = join(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'proxmesh-pack-'));
const consumer = join(work, 'consumer');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The consumer's environment: none of the test runner's TypeScript loader hooks (an install runs dist/). */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PROXMESH_DEV_') || k === 'NODE_OPTIONS' || k.startsWith('VITEST')) delete env[k];
  return env;
}

/** The ```js blocks that follow a `<!-- snippet -->` line in docs/api.md. */
function docSnippets(markdown: string): string[] {
  return [...markdown.matchAll(/<!-- snippet -->\s*\n```js\n([\s\S]*?)\n```/g)].map((m) => m[1]);
}

const SMALL = {
  seed: 4,
  iterations: 12,
  evalEvery: 4,
  batchSize: 16,
  algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
  compression: { x: { kind: 'qsgd', levels: 4 }, y: { kind: 'topk', ratio: 0.3 } },
  problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-3 } },
  partition: { kind: 'iid' },
  topology: { kind: 'ring', nodes: 4 },
};

beforeAll(() => {
  // The compiled tree must be current (CI's npm ci already built it: then this is incremental).
  run('npm', ['run', '-s', 'build'], { cwd: REPO });
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO })) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = packed[0].files.map((f) => f.path);
  // What ships: the compiled API with declarations, the CLI, the shipped data and examples; no sources.
  for (const f of [
    'dist/node/api/index.js',
    'dist/node/api/index.d.ts',
    'dist/node/cli/bin.js',
    'data/breast-cancer/breast_cancer.csv',
    'examples/plugins/topk-sr.js',
    'docs/api.md',
  ])
    expect(files, f).toContain(f);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  run('mkdir', ['-p', consumer], { cwd: work });
  writeConsumerProject(REPO, join(work, packed[0].filename), consumer);
  run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: consumer, env: userEnv() });
}, 900_000);

describe('npm pack → install → use', () => {
  it('imports the API from the installed package and runs a simulation identical to the sources', async () => {
    writeFileSync(join(consumer, 'small.json'), JSON.stringify(SMALL));
    writeFileSync(
      join(consumer, 'sim.mjs'),
      `import { loadConfig, runSimulation, registries } from 'proxmesh';
import { readFileSync } from 'node:fs';
const r = await runSimulation(loadConfig(JSON.parse(readFileSync('small.json', 'utf8'))), { outDir: 'out-api' });
console.log(JSON.stringify({ rows: r.rows.length, algorithms: registries.algorithms.names() }));
`,
    );
    const out = JSON.parse(run(process.execPath, ['sim.mjs'], { cwd: consumer, env: userEnv() }));
    expect(out).toEqual({ rows: 4, algorithms: ['dproxsgt', 'cdproxsgt', 'allreduce', 'dpsgd', 'choco', 'beer', 'deepstorm', 'proxgtsa'] });
    const here = await runSimulation(loadConfig(SMALL), { outDir: join(work, 'src-small') });
    expect(readFileSync(join(consumer, 'out-api', 'metrics.ndjson'), 'utf8')).toBe(readFileSync(join(here.dir!, 'metrics.ndjson'), 'utf8'));
  });

  it('`npx proxmesh sim` runs a shipped plug-in example, identical to the sources', async () => {
    const example = join('node_modules', 'proxmesh', 'examples', 'plugins', 'heavy-ball-ring4.yaml');
    const stdout = run('npx', ['--no', 'proxmesh', 'sim', '--config', example, '--out', 'out-cli', '--quiet'], {
      cwd: consumer,
      env: userEnv(),
    });
    expect(stdout).toMatch(/results written to out-cli/);
    const here = await runSimulation(loadConfig(join(REPO, 'examples', 'plugins', 'heavy-ball-ring4.yaml')), {
      outDir: join(work, 'src-heavy'),
    });
    expect(readFileSync(join(consumer, 'out-cli', 'metrics.ndjson'), 'utf8')).toBe(readFileSync(join(here.dir!, 'metrics.ndjson'), 'utf8'));
    // The recorded plug-in is the installed copy (same bytes as the repository's).
    const recorded = JSON.parse(readFileSync(join(consumer, 'out-cli', 'config.json'), 'utf8')).plugins[0];
    const source = JSON.parse(readFileSync(join(here.dir!, 'config.json'), 'utf8')).plugins[0];
    expect(recorded.path).toBe(join(consumer, 'node_modules', 'proxmesh', 'examples', 'plugins', 'heavy-ball-dpsgd.js'));
    expect(recorded.sha256).toBe(source.sha256);
  });

  it('every docs/api.md snippet runs against the installed package', () => {
    const snippets = docSnippets(readFileSync(join(REPO, 'docs', 'api.md'), 'utf8'));
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    snippets.forEach((code, i) => {
      writeFileSync(join(consumer, `snippet-${i}.mjs`), code);
      const stdout = run(process.execPath, [`snippet-${i}.mjs`], { cwd: consumer, env: userEnv(), timeoutMs: 300_000 });
      expect(stdout.trim().length, `snippet ${i} printed nothing`).toBeGreaterThan(0);
    });
  }, 600_000);

  it('a TypeScript consumer type-checks against the shipped declarations', () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { loadConfig, registries, type Compressor, type FrozenConfig, type Model, type NodeAlgorithm, type Prox, type Transport } from 'proxmesh';
const config: FrozenConfig = loadConfig({ algorithm: { name: 'dproxsgt', eta: 0.1 }, topology: { kind: 'ring', nodes: 4 } });
const k: number = config.iterations;
const names: readonly string[] = registries.compressors.names();
type Surface = [Compressor, NodeAlgorithm, Prox, Model, Transport];
export const used: [number, readonly string[], Surface | null] = [k, names, null];
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, env: userEnv() });
  }, 120_000);
});
