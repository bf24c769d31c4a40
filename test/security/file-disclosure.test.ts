/**
 * Issue 16, finding 2: errors name, never quote. A run posted over HTTP may read only under the data
 * roots; and even where a file may be read, no reader (LIBSVM, CSV, idx, edge list, config) puts its
 * bytes into an error. The attack inputs are real files of this host: /etc/passwd and
 * /proc/self/environ, the latter with a secret in the coordinator's environment (a child process, since
 * /proc/self/environ shows the environment a process started with).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { smallRaw } from '../cluster/helpers.ts';
import { REPO_DATA_DIR, REPO_ROOT } from '../../node/problem/datasets/paths.ts';
import { loadConfig } from '../../node/config/load.ts';
import { auth, testApp } from '../coordinator/fixtures.ts';

const PASSWD = '/etc/passwd';
const passwdLines = existsSync(PASSWD)
  ? readFileSync(PASSWD, 'utf8')
      .split('\n')
      .filter((l) => l.length >= 6)
  : [];

let t: Awaited<ReturnType<typeof testApp>> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

const post = (config: unknown) =>
  t!.app.inject({
    method: 'POST',
    url: '/runs',
    headers: { 'content-type': 'application/json', ...auth },
    payload: JSON.stringify({ config }),
  });

const fileDataset = (path: string, format: string, extra: Record<string, unknown> = {}) =>
  smallRaw({ problem: { dataset: { path, format, ...extra }, model: { kind: 'logistic' }, regularizer: { kind: 'none' } } });

/** Every way a posted config can name a file, pointed at `file`. */
function fileReadingConfigs(file: string): [string, string, Record<string, unknown>][] {
  return [
    ['libsvm path', '/problem/dataset/path', fileDataset(file, 'libsvm')],
    ['csv path', '/problem/dataset/path', fileDataset(file, 'csv')],
    ['idx images', '/problem/dataset/path', fileDataset(file, 'idx', { labelsPath: join(REPO_DATA_DIR, 'README.md') })],
    ['idx labels', '/problem/dataset/labelsPath', fileDataset(join(REPO_DATA_DIR, 'README.md'), 'idx', { labelsPath: file })],
    ['libsvm test file', '/problem/dataset/testPath', fileDataset(join(REPO_DATA_DIR, 'a9a', 'a9a.gz'), 'libsvm', { testPath: file })],
    ['edge list', '/topology/file', smallRaw({ topology: { kind: 'edge-list', nodes: 4, file } })],
    [
      'network links file',
      '/network/links/path',
      smallRaw({ network: { links: { kind: 'file', path: file }, compute: { samplesPerSecond: 1000 } } }),
    ],
  ];
}

/** No line of the file (6+ characters) appears in the text. */
function expectNoLineOf(lines: readonly string[], text: string): void {
  for (const l of lines) expect(text.includes(l), `quotes "${l.slice(0, 20)}…"`).toBe(false);
}

describe.skipIf(passwdLines.length === 0)('POST /runs outside the data roots is refused, naming the key', () => {
  const targets: [string, string][] = [
    ['/etc/passwd', PASSWD],
    ['/proc/self/environ', '/proc/self/environ'],
    ['the repository (data/../package.json)', join(REPO_DATA_DIR, '..', 'package.json')],
    ['data/../../../../../../etc/passwd', `${REPO_DATA_DIR}/../../../../../../etc/passwd`],
    ['a missing file outside the roots', '/nonexistent/file'],
  ];
  for (const [label, file] of targets) {
    it.each(fileReadingConfigs(file))(`${label} as %s → 400 PROXMESH_ERR_PATH_FORBIDDEN naming %s`, async (_n, key, config) => {
      t = await testApp();
      const res = await post(config);
      expect(res.statusCode).toBe(400);
      const { error } = res.json();
      expect(error.code).toBe('PROXMESH_ERR_PATH_FORBIDDEN');
      expect(error.message).toContain(`config ${key}:`);
      expect(error.detail).toEqual({ path: key });
      expectNoLineOf(passwdLines, res.body);
      expect(t.runs.list()).toEqual([]);
    });
  }

  it('a symlink inside a data root that points out of it is refused (the real path is checked)', async () => {
    t = await testApp();
    const link = join(t.runsDir, 'innocent.svm');
    symlinkSync(PASSWD, link);
    const res = await post(fileDataset(link, 'libsvm'));
    expect(res.json().error.code).toBe('PROXMESH_ERR_PATH_FORBIDDEN');
    expectNoLineOf(passwdLines, res.body);
  });

  it('a symlinked folder inside a root, and a NUL byte in the path, are refused too', async () => {
    t = await testApp();
    symlinkSync('/etc', join(t.runsDir, 'etc-link'));
    for (const path of [join(t.runsDir, 'etc-link', 'passwd'), `${join(t.runsDir, 'x.svm')}\0`]) {
      const res = await post(fileDataset(path, 'libsvm'));
      expect(res.json().error.code).toBe('PROXMESH_ERR_PATH_FORBIDDEN');
    }
  });

  it('a very long path is refused without being echoed', async () => {
    t = await testApp();
    const long = `/${'a'.repeat(200_000)}`;
    const res = await post(fileDataset(long, 'libsvm'));
    expect(res.json().error.code).toBe('PROXMESH_ERR_PATH_FORBIDDEN');
    expect(res.body.length).toBeLessThan(1000);
  });

  it('a file inside a root is read (the check does not refuse what it should allow)', async () => {
    t = await testApp();
    const f = join(t.runsDir, 'edges.txt');
    writeFileSync(f, '0 1\n1 2\n2 3\n3 0\n');
    const res = await post(smallRaw({ topology: { kind: 'edge-list', nodes: 4, file: f } }));
    expect(res.statusCode).toBe(201);
  });

  it('PROXMESH_DATA_ROOTS sets the roots (default: the shipped data folder only)', async () => {
    const f = join(REPO_ROOT, 'package.json');
    t = await testApp({ dataRoots: undefined, env: {} });
    expect((await post(smallRaw({ topology: { kind: 'edge-list', nodes: 4, file: f } }))).json().error.code).toBe(
      'PROXMESH_ERR_PATH_FORBIDDEN',
    );
    await t.dispose();
    t = await testApp({ dataRoots: undefined, env: { PROXMESH_DATA_ROOTS: REPO_ROOT } });
    // now allowed through the roots, and refused by the edge-list reader without quoting package.json
    const res = await post(smallRaw({ topology: { kind: 'edge-list', nodes: 4, file: f } }));
    expect(res.json().error.code).toBe('PROXMESH_ERR_TOPOLOGY');
    expect(res.body).not.toContain('"name"');
  });
});

describe.skipIf(passwdLines.length === 0)('where a file may be read, no reader quotes it', () => {
  it.each(fileReadingConfigs(PASSWD))(
    '/etc/passwd as %s (data roots: /) → 400 naming the file, no line of it',
    async (_n, _key, config) => {
      t = await testApp({ dataRoots: ['/'] });
      const res = await post(config);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toMatch(/^PROXMESH_ERR_(DATASET|TOPOLOGY|CONFIG_INCONSISTENT|NETWORK)$/);
      // named: /etc/passwd, or the other file of the pair when that one is refused first
      expect(res.json().error.message).toMatch(
        /^(\/etc\/passwd|.*README\.md|.*a9a\.gz)[:\s]|edge-list: file \/etc\/passwd|network\.links file \/etc\/passwd/,
      );
      expectNoLineOf(passwdLines, res.body);
    },
  );

  it('the CLI still reads any path, and a config file that is /etc/passwd is named, not quoted', () => {
    let err: unknown;
    try {
      loadConfig(PASSWD);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'PROXMESH_ERR_CONFIG' });
    const text = JSON.stringify({ m: (err as Error).message, d: (err as { detail: unknown }).detail });
    expectNoLineOf(passwdLines, text);
    for (const l of passwdLines) expect(text.includes(`${l.split(':')[0]}:x`)).toBe(false);
  });
});

describe('a secret placed where each reader used to quote from', () => {
  const SECRET = 'SECRET-7f3a9c';
  const cases: [string, string, string | Buffer, (f: string) => Record<string, unknown>][] = [
    ['LIBSVM label', 'a.svm', `${SECRET} 1:1\n`, (f) => fileDataset(f, 'libsvm')],
    ['LIBSVM pair', 'b.svm', `1 1:1\n1 ${SECRET}\n`, (f) => fileDataset(f, 'libsvm')],
    ['LIBSVM index', 'c.svm', `1 ${SECRET}:1\n`, (f) => fileDataset(f, 'libsvm')],
    ['LIBSVM value', 'd.svm', `1 1:${SECRET}\n`, (f) => fileDataset(f, 'libsvm')],
    ['CSV field', 'e.csv', `1,2,0\n1,${SECRET},0\n`, (f) => fileDataset(f, 'csv')],
    ['CSV header', 'f.csv', `${SECRET},x\n1,0\n`, (f) => fileDataset(f, 'csv')],
    [
      'idx magic',
      'g.idx',
      Buffer.concat([Buffer.from([0x53, 0x45]), Buffer.from(SECRET)]),
      (f) => fileDataset(f, 'idx', { labelsPath: f }),
    ],
    ['edge-list line', 'h.txt', `0 1\n${SECRET} 2\n`, (f) => smallRaw({ topology: { kind: 'edge-list', nodes: 4, file: f } })],
    ['edge-list id', 'i.txt', '0 1\n1 3917\n', (f) => smallRaw({ topology: { kind: 'edge-list', nodes: 4, file: f } })],
    [
      'network links field',
      'j.csv',
      `from,to,latency,bandwidth\n0,1,${SECRET},1e6\n`,
      (f) => smallRaw({ network: { links: { kind: 'file', path: f }, compute: { samplesPerSecond: 1000 } } }),
    ],
    [
      'network links header',
      'k.csv',
      `${SECRET},to,latency,bandwidth\n`,
      (f) => smallRaw({ network: { links: { kind: 'file', path: f }, compute: { samplesPerSecond: 1000 } } }),
    ],
  ];
  it.each(cases)('%s → 400 naming file and line, not the secret', async (_n, name, content, config) => {
    t = await testApp();
    const f = join(t.runsDir, name);
    writeFileSync(f, content);
    const res = await post(config(f));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(name);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain('5345'); // the idx magic bytes 'SE' as hex
    expect(res.body).not.toContain('3917');
  });
});

describe.skipIf(!existsSync('/proc/self/environ'))('/proc/self/environ with PROXMESH_TOKEN in the coordinator environment', () => {
  it('no response of a coordinator whose roots allow /proc contains the secret', () => {
    const secret = `s3cr3t-${process.pid}-${Date.now().toString(36)}-token`;
    const dir = join(REPO_ROOT, 'test', 'security');
    // A fresh process: its /proc/self/environ holds the secret from its start.
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(dir, 'environ-probe.ts')], {
      env: { ...process.env, PROXMESH_TOKEN: secret },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const bodies = JSON.parse(out) as { status: number; body: string }[];
    expect(bodies.length).toBeGreaterThanOrEqual(6);
    for (const b of bodies) {
      expect(b.status).toBe(400);
      expect(b.body).not.toContain(secret);
      expect(b.body).not.toContain('PROXMESH_TOKEN=');
    }
  });
});

it('data roots with a missing folder still refuse everything outside them', async () => {
  const root = join(REPO_ROOT, 'test', 'security', 'no-such-root');
  expect(existsSync(root)).toBe(false);
  t = await testApp({ dataRoots: [root] });
  const res = await post(fileDataset(join(root, '..', 'file-disclosure.test.ts'), 'libsvm'));
  expect(res.json().error.code).toBe('PROXMESH_ERR_PATH_FORBIDDEN');
});
