/**
 * The bundled `proxmesh` command (deploy/build/bundle-cli.mjs, run by `npm run build`): bin.js is a
 * small entry, the commands and their libraries are in chunks beside it, packages with native
 * add-ons stay outside, and inside the bundle every module of the package sees the import.meta.url
 * of its own tsc output. The last is what keeps the worker, the simulator's threads and the docs
 * writers' "am I the main module?" checks right, so the bundle built here is run: `--help` must not
 * write docs/errors.md or docs/config.md, and a two-thread `sim` must start its threads and give the
 * same metrics as one thread. The child entries run from dist/ (built by `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleCli, CHILD_ENTRIES } from '../../deploy/build/bundle-cli.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the package (test/artifacts is gitignored), so the bundle finds package.json as dist/ does.
const dir = join(root, 'test', 'artifacts', `cli-bundle-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { ...process.env };
delete env.NODE_OPTIONS;
const run = (args: string[]) => spawnSync(process.execPath, [join(dir, 'bin.js'), ...args], { env, encoding: 'utf8', timeout: 120_000 });

describe('CLI bundle', () => {
  it('bundles the CLI into a small entry and chunks, with native add-ons outside', async () => {
    mkdirSync(dir, { recursive: true });
    const meta = (await bundleCli(join(dir, 'bin.js'), false)) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    for (const src of ['node/cli/main.ts', 'node/sim/run-sim.ts', 'coordinator/app.ts', 'node/report/render.ts'])
      expect(
        inputs.some((p) => p.endsWith(src)),
        src,
      ).toBe(true);
    expect(inputs.some((p) => p.includes('node_modules/fastify/'))).toBe(true);
    expect(inputs.filter((p) => p.includes('node_modules/@resvg/'))).toEqual([]);
    expect(inputs.some((p) => p.endsWith('node/cluster/worker-bin.ts'))).toBe(false);
    const files = readdirSync(dir);
    expect(files.filter((f) => f.startsWith('bin-chunk-') && f.endsWith('.js')).length).toBeGreaterThan(1);
    expect(statSync(join(dir, 'bin.js')).size).toBeLessThan(4096);
    // each package module sees its tsc output's URL: no bare import.meta.url outside the banner and packages
    const chunks = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8'));
    const engineUrl = /new URL\("[./]*dist\/node\/sim\/threads\/engine\.js",\s*import\.meta\.url\)\.href/;
    expect(chunks.some((c) => engineUrl.test(c))).toBe(true);
  }, 120_000);

  it.runIf(existsSync(join(root, 'dist', 'node', 'cli', 'main.js')))(
    '--help writes no docs, and a two-thread sim starts its threads and equals one thread',
    () => {
      const docs = ['docs/errors.md', 'docs/config.md'].map((f) => [f, statSync(join(root, f)).mtimeMs] as const);
      const help = run(['--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^Usage: proxmesh/);
      for (const [f, mtime] of docs) expect(statSync(join(root, f)).mtimeMs, f).toBe(mtime);
      const config = join(root, 'examples', 'breast-cancer-beer-complete4.yaml');
      const outs = [1, 2].map((threads) => {
        const out = join(dir, `sim-${threads}`);
        const r = run(['sim', '--config', config, '--out', out, '--quiet', '--threads', String(threads)]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const timings = readFileSync(join(out, 'timings.ndjson'), 'utf8');
        expect(JSON.parse(timings.split('\n')[0])).toMatchObject({ phase: 'setup', threads });
        return readFileSync(join(out, 'metrics.ndjson'), 'utf8');
      });
      expect(outs[1]).toBe(outs[0]);
      // the child entries the build bundles over their tsc outputs are there to be started
      for (const e of CHILD_ENTRIES as string[]) expect(existsSync(join(root, 'dist', `${e}.js`)), e).toBe(true);
    },
    180_000,
  );
});
