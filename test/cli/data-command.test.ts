import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-io.ts';
import { CATALOG } from '../../node/problem/datasets/catalog.ts';
import { DATASET_NAMES } from '../../node/problem/datasets/names.ts';
import { DEBIAN_DATASETS_DIR, REPO_DATA_DIR, findDataFile } from '../../node/problem/datasets/paths.ts';
import { loadDataset } from '../../node/problem/datasets/registry.ts';
import { serveFiles, type FileServer } from '../problem/data-server.ts';
import { sourceEntry } from '../cluster/helpers.ts';

// `proxmesh data` against a real HTTP server on loopback standing in for PROXMESH_DATA_MIRROR:
// german and iris are served with their reference bytes (read from a local copy of the dataset
// folder when there is one), wine corrupted, and w8a not at all (404).
const ROOT = join(import.meta.dirname, '..', '..');
const SHARED = (process.env.PROXMESH_DATASETS_PATH ?? '').split(delimiter).filter(Boolean);
const local = (rel: string) => findDataFile(rel, SHARED);
const haveReal = local('german.numer_scale/german.numer_scale') !== null && local('iris/iris.csv') !== null;

const KEYS = ['PROXMESH_DATASETS', 'PROXMESH_DATASETS_PATH', 'PROXMESH_DATA_MIRROR'] as const;
let saved: Partial<Record<(typeof KEYS)[number], string | undefined>> = {};
let srv: FileServer;
let cache: string;

const cli = (...args: string[]) => runCli(args);

/** Every file under the cache (temporary files included). */
const cached = () =>
  existsSync(cache)
    ? readdirSync(cache, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
        .sort()
    : [];

beforeAll(async () => {
  const files = new Map<string, Uint8Array>();
  for (const rel of ['german.numer_scale/german.numer_scale', 'iris/iris.csv']) {
    const p = local(rel);
    if (p) files.set(`/mirror/${rel}`, readFileSync(p));
  }
  files.set('/mirror/wine/wine_data.csv', Buffer.alloc(CATALOG.wine.files.data.bytes, 'x'));
  srv = await serveFiles(files);
});
afterAll(() => srv.close());

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  cache = mkdtempSync(join(tmpdir(), 'proxmesh-data-cli-'));
  process.env.PROXMESH_DATASETS = cache;
  process.env.PROXMESH_DATASETS_PATH = '';
  process.env.PROXMESH_DATA_MIRROR = `${srv.base}/mirror/`;
});
afterEach(() => {
  for (const k of KEYS)
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
});

describe('proxmesh data list', () => {
  it('names every dataset with its state, the cache folder and the pull command', async () => {
    const r = await cli('data', 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+SIZE\s+SOURCE$/);
    for (const n of DATASET_NAMES) expect(lines.some((l) => l.startsWith(`${n} `))).toBe(true);
    expect(lines.find((l) => l.startsWith('a9a '))).toMatch(/present\s+0\.3 MB\s+mirror http:\/\/127\.0\.0\.1:\d+\/mirror$/);
    expect(lines.find((l) => l.startsWith('w8a '))).toMatch(/missing/);
    expect(r.stdout).toContain(`cache: ${cache}\n`);
    expect(r.stdout).toContain('fetch one with: proxmesh data pull NAME');
  });

  it('--json; without a mirror the source is the pinned upstream, or "mirror only" for bzip2 originals', async () => {
    delete process.env.PROXMESH_DATA_MIRROR;
    const r = await cli('data', 'list', '--json');
    const j = JSON.parse(r.stdout);
    expect(j.cache).toBe(cache);
    expect(j.searched).toEqual([cache, REPO_DATA_DIR, DEBIAN_DATASETS_DIR]);
    const by = Object.fromEntries(j.datasets.map((d: { name: string }) => [d.name, d]));
    expect(by['fashion-mnist'].source).toBe('raw.githubusercontent.com/zalandoresearch/fashion-mnist');
    expect(by.ijcnn1.source).toBe('mirror only (PROXMESH_DATA_MIRROR)');
    expect(by.a9a.files[0]).toEqual({ rel: 'a9a/a9a.gz', path: join(REPO_DATA_DIR, 'a9a/a9a.gz') });
  });

  it('a bad PROXMESH_DATA_MIRROR is a usage error', async () => {
    process.env.PROXMESH_DATA_MIRROR = 'localhost:8000';
    const r = await cli('data', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error PROXMESH_ERR_USAGE: PROXMESH_DATA_MIRROR must be an http\(s\) URL/);
  });
});

describe('proxmesh data pull', () => {
  it('a file missing on the mirror (404): coded error naming dataset, file and URL; nothing written', async () => {
    const r = await cli('data', 'pull', 'w8a');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `w8a: GET ${srv.base}/mirror/w8a/w8a.gz\nerror PROXMESH_ERR_DATASET_DOWNLOAD: dataset 'w8a': w8a/w8a.gz: GET ${srv.base}/mirror/w8a/w8a.gz: HTTP 404 Not Found\n`,
    );
    expect(cached()).toEqual([]);
  });

  it('a corrupted file is refused and nothing half-written is left', async () => {
    const r = await cli('data', 'pull', 'wine');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error PROXMESH_ERR_DATASET_CHECKSUM: dataset 'wine': .*\/mirror\/wine\/wine_data\.csv served a file that does not match wine\/wine_data\.csv \(SHA-256 [0-9a-f]{64}, 11157 bytes; expected 10e8a802/,
    );
    expect(cached()).toEqual([]);
  });

  it('a shipped dataset is verified in place and not fetched', async () => {
    const r = await cli('data', 'pull', 'a9a');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `a9a  a9a/a9a.gz  present (verified) at ${join(REPO_DATA_DIR, 'a9a/a9a.gz')}\na9a  a9a/a9a.t.gz  present (verified) at ${join(REPO_DATA_DIR, 'a9a/a9a.t.gz')}\n`,
    );
    expect([...srv.hits.keys()].some((k) => k.includes('a9a'))).toBe(false);
  });

  it('an unknown name or none at all is a usage error', async () => {
    const r = await cli('data', 'pull', 'cifar');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error PROXMESH_ERR_USAGE: unknown dataset 'cifar' (known: ${DATASET_NAMES.join(', ')}); see proxmesh data list\n`,
    );
    expect((await cli('data', 'pull')).stderr).toMatch(/PROXMESH_ERR_USAGE: missing required argument 'names'/);
  });

  it.skipIf(!haveReal)('pull, verify, load; a corrupted cache file fails verify and a second pull repairs it', async () => {
    const r = await cli('data', 'pull', 'german', 'iris');
    expect(r.stderr).toBe(
      `german: GET ${srv.base}/mirror/german.numer_scale/german.numer_scale\niris: GET ${srv.base}/mirror/iris/iris.csv\n`,
    );
    expect(r.code).toBe(0);
    expect(cached()).toEqual(['german.numer_scale', 'iris.csv']);
    expect((await cli('data', 'verify', 'german', 'iris')).code).toBe(0);
    const { train, test } = loadDataset({ name: 'german' }, { seed: 1 });
    expect(train.features.rows + test!.features.rows).toBe(1000);

    writeFileSync(join(cache, 'iris/iris.csv'), 'tampered');
    const v = await cli('data', 'verify');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/iris\s+iris\/iris\.csv\s+corrupt/);
    expect(v.stderr).toMatch(
      /^error PROXMESH_ERR_DATASET_CHECKSUM: 1 file\(s\) fail the SHA-256 check, first .*iris\.csv .*replace it with: proxmesh data pull iris\n$/,
    );
    expect((await cli('data', 'pull', 'iris')).code).toBe(0);
    expect((await cli('data', 'verify', 'iris')).code).toBe(0);
  });
});

describe('proxmesh data verify', () => {
  it('all present datasets by default: shipped ones ok, absent ones listed, exit 0', async () => {
    const r = await cli('data', 'verify', '--json');
    expect(r.code).toBe(0);
    const by = Object.fromEntries(JSON.parse(r.stdout).datasets.map((d: { name: string; files: unknown[] }) => [d.name, d.files]));
    expect(by.digits).toEqual([
      { rel: 'digits/digits.csv.gz', path: join(REPO_DATA_DIR, 'digits/digits.csv.gz'), state: 'ok', match: 'reference' },
    ]);
    expect(by.w8a).toEqual([{ rel: 'w8a/w8a.gz', path: null, state: 'missing' }]);
  });

  it('a named absent dataset: PROXMESH_ERR_DATASET_MISSING with the pull command', async () => {
    const r = await cli('data', 'verify', 'w8a', 'a9a');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error PROXMESH_ERR_DATASET_MISSING: not present: w8a; fetch with: proxmesh data pull w8a\n');
  });
});

describe('a run naming an absent dataset', () => {
  it('sim fails with PROXMESH_ERR_DATASET_MISSING and the pull command', async () => {
    const cfg = join(cache, 'w8a.yaml');
    writeFileSync(
      cfg,
      'iterations: 2\nevalEvery: 1\nalgorithm: { name: dpsgd, eta: 0.1 }\nproblem: { dataset: { name: w8a } }\ntopology: { kind: ring, nodes: 3 }\n',
    );
    const r = await cli('sim', '--config', cfg, '--out', join(cache, 'run'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error PROXMESH_ERR_DATASET_MISSING: dataset 'w8a': file w8a\/w8a\.gz is not in any dataset folder \(searched .*\); fetch it with: proxmesh data pull w8a\n$/,
    );
  });

  it('the real binary reads PROXMESH_DATA_MIRROR from its environment (child process, 404 → exit 1)', async () => {
    const env = { ...process.env };
    const child = spawn(process.execPath, [...sourceEntry('node/cli/bin.ts'), 'data', 'pull', 'w8a'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(stderr).toContain(
      `error PROXMESH_ERR_DATASET_DOWNLOAD: dataset 'w8a': w8a/w8a.gz: GET ${srv.base}/mirror/w8a/w8a.gz: HTTP 404 Not Found`,
    );
    expect(code).toBe(1);
    expect(cached()).toEqual([]);
  });
});
