/**
 * Issue 16, finding 5: internal errors where the input is at fault. Non-finite numbers, YAML alias
 * bombs, undefined aliases, nesting too deep (YAML, and JSON posted to /runs), and run folder names
 * escaping output.dir each become a coded config error: exit 2 on the CLI, HTTP 400 on the API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { smallRaw } from '../cluster/helpers.ts';
import { loadConfig } from '../../node/config/load.ts';
import { parseConfigText, yamlReason } from '../../node/config/parse.ts';
import { exitStatusOf } from '../../node/errors.ts';
import { auth, testApp } from '../coordinator/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'proxmesh-strict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(fn: () => unknown): { code?: string; message: string; detail?: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('did not throw');
}

/** The small valid config as YAML text, with `extra` lines appended (YAML: a later key is a duplicate, so extra keys must be new). */
function yamlFile(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('non-finite numbers are refused everywhere (Ajv strictNumbers)', () => {
  const base = stringify({ ...smallRaw(), iterations: undefined, init: undefined });
  it.each([
    ['iterations: .inf', 'iterations: .inf\n', '/iterations'],
    ['iterations: -.inf', 'iterations: -.inf\n', '/iterations'],
    ['iterations: .nan', 'iterations: .nan\n', '/iterations'],
    ['init.scale: .inf', 'iterations: 10\ninit: { kind: random, scale: .inf }\n', '/init/scale'],
  ])('%s in a YAML file → PROXMESH_ERR_CONFIG naming %s, exit 2', (name, extra, path) => {
    const err = failure(() => loadConfig(yamlFile(`${name.replace(/\W/g, '_')}.yaml`, base + extra)));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG');
    expect(err.message).toContain(`config ${path}: must be`);
    expect(exitStatusOf(err)).toBe(2);
  });

  it.each([
    ['algorithm.eta', { algorithm: { name: 'dproxsgt', eta: Infinity } }, '/algorithm/eta'],
    [
      'regularizer lambda',
      { problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: NaN } } },
      '/problem/regularizer/lambda',
    ],
    ['partition alpha', { partition: { kind: 'dirichlet', alpha: Infinity } }, '/partition/alpha'],
    [
      'testFraction',
      { problem: { dataset: { name: 'breast-cancer', testFraction: NaN }, model: { kind: 'logistic' }, regularizer: { kind: 'none' } } },
      '/problem/dataset/testFraction',
    ],
  ] as [string, Record<string, unknown>, string][])(
    '%s = a non-finite number (object config) → PROXMESH_ERR_CONFIG naming the path',
    (_n, over, path) => {
      const err = failure(() => loadConfig(smallRaw(over)));
      expect(err.code).toBe('PROXMESH_ERR_CONFIG');
      expect(err.message).toContain(`config ${path}`);
    },
  );

  it('the one meaningful infinity, a box bound, still means "unbounded" (null)', () => {
    const c = loadConfig(
      smallRaw({
        problem: {
          dataset: { name: 'breast-cancer' },
          model: { kind: 'logistic' },
          regularizer: { kind: 'box', lower: -Infinity, upper: Infinity },
        },
      }),
    );
    expect(c.problem.regularizer).toEqual({ kind: 'box', lower: null, upper: null });
    // but an inverted infinity (lower = +∞) is not "unbounded": refused
    expect(
      failure(() =>
        loadConfig(
          smallRaw({
            problem: {
              dataset: { name: 'breast-cancer' },
              model: { kind: 'logistic' },
              regularizer: { kind: 'box', lower: Infinity, upper: null },
            },
          }),
        ),
      ).code,
    ).toBe('PROXMESH_ERR_CONFIG');
  });
});

describe('YAML aliases and nesting', () => {
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    .concat(['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
    .join('\n');

  it('an alias bomb → PROXMESH_ERR_CONFIG_PARSE, exit 2, no stack trace', () => {
    const err = failure(() => loadConfig(yamlFile('bomb.yaml', bomb)));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
    expect(err.message).toMatch(/aliases expand more than \d+ times/);
    expect(err.message).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(exitStatusOf(err)).toBe(2);
  });

  it('an undefined alias → PROXMESH_ERR_CONFIG_PARSE without quoting the alias name', () => {
    const err = failure(() => parseConfigText('seed: *secretAnchorName\n', 'c.yaml'));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
    expect(err.message).not.toContain('secretAnchorName');
    expect(err.message).toMatch(/^c\.yaml: /);
  });

  it.each([
    ['flow sequences', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['flow maps', `${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}`],
    ['block maps 100 deep', `${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`],
  ])('nesting too deep (%s) → PROXMESH_ERR_CONFIG_PARSE', (_n, text) => {
    const err = failure(() => parseConfigText(text, 'deep.yaml'));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
  });

  it('a syntax error is located but never quoted', () => {
    const err = failure(() => parseConfigText('seed: 1\nthe-secret-value: [unclosed\n', 's.yaml'));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
    expect(err.message).toMatch(/^s\.yaml: line \d+, column \d+: /);
    expect(err.message).not.toContain('the-secret-value');
    expect(err.message).not.toContain('unclosed');
  });

  it('yamlReason drops what the library appends after a colon, and anything quoted', () => {
    expect(yamlReason('Unresolved alias (the anchor must be set before the alias): topsecret')).toBe(
      'Unresolved alias (the anchor must be set before the alias)',
    );
    expect(yamlReason('Nested mappings are not allowed in compact mappings at line 1, column 4:\n\na: b: c\n')).toBe(
      'Nested mappings are not allowed in compact mappings',
    );
    expect(yamlReason('Unexpected "topsecret" here')).toBe('invalid YAML');
  });

  it('a config file with a bad value names the path and the rule, not the value', () => {
    const f = yamlFile('bad-value.yaml', stringify({ ...smallRaw(), seed: 'my-private-note' }));
    const err = failure(() => loadConfig(f));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG');
    expect(err.message).toContain('config /seed: must be');
    expect(JSON.stringify(err.detail)).not.toContain('my-private-note');
    expect(err.message).not.toContain('my-private-note');
  });

  it('a config file over 4 MiB is refused before it is parsed', () => {
    const f = yamlFile('huge.yaml', `seed: 1\n# ${'x'.repeat(4 * 1024 * 1024)}\n`);
    expect(failure(() => loadConfig(f)).code).toBe('PROXMESH_ERR_CONFIG_PARSE');
  });
});

describe('POST /runs with hostile JSON', () => {
  const post = async (payload: string) => {
    const t = await testApp();
    try {
      return await t.app.inject({ method: 'POST', url: '/runs', headers: { ...auth, 'content-type': 'application/json' }, payload });
    } finally {
      await t.dispose();
    }
  };

  it('100 000 levels of nesting → 400 PROXMESH_ERR_CONFIG_PARSE (not a 500)', async () => {
    const res = await post(`{"config":{"seed":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
  });

  it('deep objects too', async () => {
    const res = await post(`{"config":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
  });

  it('iterations: 1e400 (Infinity after JSON.parse) → 400 PROXMESH_ERR_CONFIG', async () => {
    const res = await post(JSON.stringify({ config: smallRaw() }).replace('"iterations":20', '"iterations":1e400'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('PROXMESH_ERR_CONFIG');
    expect(res.json().error.message).toContain('config /iterations');
  });

  it('a huge array (partition.labels with 1 000 000 lists) → 400, nothing created', async () => {
    const labels = `[${Array(1_000_000).fill('[0]').join(',')}]`;
    const res = await post(
      JSON.stringify({ config: smallRaw({ partition: { kind: 'labels', labels: [] } }) }).replace('"labels":[]', `"labels":${labels}`),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toMatch(/^PROXMESH_ERR_CONFIG/);
    expect(res.body.length).toBeLessThan(10_000);
  });

  it('a 100 000-character string where a name is expected → 400 with a bounded message', async () => {
    const res = await post(JSON.stringify({ config: smallRaw({ output: { name: 'n'.repeat(100_000) } }) }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('PROXMESH_ERR_CONFIG');
    expect(res.body.length).toBeLessThan(10_000);
  });
});

describe('output.name cannot escape output.dir', () => {
  it.each(['..', '.', '../x', 'a/b', '..\\x', ''])('output.name %j → PROXMESH_ERR_CONFIG naming /output/name', (name) => {
    const err = failure(() => loadConfig(smallRaw({ output: { dir: 'runs', name } })));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG');
    expect(err.message).toContain('config /output/name');
  });

  it('names with dots that stay inside are fine', () => {
    for (const name of ['...', '.hidden', 'run..1', 'a.b-c_d'])
      expect(loadConfig(smallRaw({ output: { dir: 'runs', name } })).output.name).toBe(name);
  });
});
