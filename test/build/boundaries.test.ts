/**
 * The import-direction check (.dependency-cruiser.cjs, `npm run check:imports`, issue 14 item 5):
 * the repository passes it, it fails on a fixture tree that breaks each kind of rule (a check that
 * cannot fail would prove nothing), and its folder map covers every folder under node/ and is the
 * one docs/architecture.md describes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve('.');
const config = join(repo, '.dependency-cruiser.cjs');
const require = createRequire(import.meta.url);
const depcruiseBin = join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const FOLDERS = (require(config) as { FOLDERS: Record<string, readonly string[]> }).FOLDERS;

/** A cruise of the repository takes about 10 s of CPU; give a loaded 2-core machine room. */
const CRUISE_MS = 180_000;

function depcruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [depcruiseBin, '--config', config, '--output-type', 'err', 'node', 'coordinator', 'topologies'], {
    cwd,
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('import directions', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-bounds-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    'the repository passes the check',
    () => {
      const r = depcruise(repo);
      expect(r.out).toContain('no dependency violations found');
      expect(r.status).toBe(0);
    },
    CRUISE_MS,
  );

  it(
    'fails, naming the rule, on a tree that breaks each kind of rule',
    () => {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({
          compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true },
        }),
        'node/errors.ts': 'export const E = 1;\n',
        // Allowed: topologies imports base only.
        'topologies/graph.ts': "import { E } from '../node/errors.ts';\nexport const g = E;\n",
        // A low layer importing a higher one.
        'node/linalg/vec.ts': "import type { Algo } from '../algo/types.ts';\nexport type V = Algo;\n",
        'node/algo/types.ts': "import { E } from '../errors.ts';\nexport type Algo = typeof E;\n",
        // The coordinator importing a worker-side folder (only node/run and node/cli compose both).
        'coordinator/app.ts': "import { w } from '../node/cluster/worker-main.ts';\nexport const app = w;\n",
        'node/cluster/worker-main.ts': 'export const w = 1;\n',
        // A module cycle inside one folder (allowed by the layers, refused by no-circular).
        'node/sim/a.ts': "import { b } from './b.ts';\nexport const a = (): number => b();\n",
        'node/sim/b.ts': "import { a } from './a.ts';\nexport const b = (): number => a.length;\n",
        // A folder nobody placed in the map.
        'node/newthing/x.ts': "import { E } from '../errors.ts';\nexport const x = E;\n",
        // The plug-in table reaching past the domain contracts.
        'node/plugins/registry.ts': "import { impl } from '../compress/topk.ts';\nexport const t = impl;\n",
        'node/compress/topk.ts': 'export const impl = 1;\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(tmp, path)), { recursive: true });
        writeFileSync(join(tmp, path), text);
      }
      const r = depcruise(tmp);
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/layer:node\/linalg: node\/linalg\/vec\.ts → node\/algo\/types\.ts/);
      expect(r.out).toMatch(/layer:coordinator: coordinator\/app\.ts → node\/cluster\/worker-main\.ts/);
      expect(r.out).toMatch(/no-circular: node\/sim\/a\.ts/);
      expect(r.out).toMatch(/unmapped-folder: node\/newthing\/x\.ts/);
      expect(r.out).toMatch(/plugin-table-imports-contracts-only: node\/plugins\/registry\.ts → node\/compress\/topk\.ts/);
      // And nothing else: the allowed imports of the fixture (algo → errors) are not reported.
      expect(r.out).toMatch(/x 5 dependency violations \(5 errors/);
    },
    CRUISE_MS,
  );

  it('maps every folder and top-level module under node/, and docs/architecture.md lists each', () => {
    const entries = readdirSync(join(repo, 'node'), { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.name.endsWith('.ts'))
      .map((e) => `node/${e.name}`);
    expect(entries.filter((e) => !(e in FOLDERS))).toEqual([]);
    const doc = readFileSync(join(repo, 'docs/architecture.md'), 'utf8');
    const mapped = Object.keys(FOLDERS).map((f) => (f.endsWith('.ts') ? f : `${f}/`));
    expect(mapped.filter((f) => !doc.includes(`| \`${f}\``))).toEqual([]);
  });
});
