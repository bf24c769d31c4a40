/**
 * Bad plug-in files fail config loading with a coded error naming the file and the rule: a missing
 * default export, a module that throws while loading or registering, top-level await, a key schema
 * that is not TypeBox or has an undescribed or reserved key, a built-in name, nothing registered.
 * A plug-in that throws after registering something leaves nothing behind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { namesOf } from '../../node/plugins/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'proxmesh-bad-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// .js files in this folder are ES modules, as in a user's project with "type": "module".
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');

const BASE = `seed: 1
iterations: 4
evalEvery: 2
algorithm: { name: dproxsgt, eta: 0.05 }
problem: { dataset: { name: breast-cancer }, model: { kind: logistic }, regularizer: { kind: none } }
topology: { kind: ring, nodes: 4 }
`;

/** Writes the plug-in and a config naming it (relative path), loads the config, returns the error. */
function loadWith(name: string, source: string | null): ProxmeshError {
  if (source !== null) writeFileSync(join(dir, name), source);
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(cfg, `plugins: [./${name}]\n${BASE}`);
  try {
    loadConfig(cfg);
  } catch (err) {
    if (err instanceof ProxmeshError) return err;
    throw err;
  }
  throw new Error(`${name}: loadConfig accepted it`);
}

const SCHEMA_OK = "px.Type.Object({ a: px.Type.Number({ default: 1, description: 'a number' }) })";

describe('bad plug-in files → PROXMESH_ERR_PLUGIN', () => {
  it.each([
    ['missing.js', null, 'unreadable', /no such file/],
    [
      'no-default.js',
      'export const register = () => {};\n',
      'export',
      /missing export: the default export must be a function register\(proxmesh\) \(found exports register\)/,
    ],
    [
      'throws-on-load.js',
      "throw new Error('broken at import');\nexport default function register() {}\n",
      'load',
      /threw while loading: Error: broken at import/,
    ],
    ['syntax-error.js', 'export default function register( {\n', 'load', /threw while loading: SyntaxError/],
    [
      'top-level-await.js',
      `await Promise.resolve();\nexport default function register(px) { px.registerCompressor('tla', () => null, ${SCHEMA_OK}); }\n`,
      'load',
      /top-level await/,
    ],
    [
      'throws-in-register.js',
      "export default function register() { throw new TypeError('no luck'); }\n",
      'register',
      /register\(proxmesh\) threw: TypeError: no luck/,
    ],
    ['registers-nothing.js', 'export default function register() {}\n', 'empty', /registered nothing/],
    [
      'async-register.js',
      `export default async function register(px) { px.registerCompressor('async-reg', () => null, ${SCHEMA_OK}); }\n`,
      'register',
      /returned a promise/,
    ],
  ])('%s', (name, source, rule, message) => {
    const err = loadWith(name, source);
    expect(err.code).toBe('PROXMESH_ERR_PLUGIN');
    expect(err.detail).toMatchObject({ plugin: join(dir, name), rule, field: 'plugins[0]' });
    expect(err.message).toContain(join(dir, name));
    expect(err.message).toMatch(message);
  });

  it.each([
    ['plain-json-schema.js', "{ type: 'object', properties: {} }", /must be a TypeBox object schema/, 'schema'],
    ['no-description.js', 'px.Type.Object({ levels: px.Type.Integer() })', /key 'levels' has no description/, 'schema.levels'],
    ['reserved-key.js', "px.Type.Object({ kind: px.Type.String({ description: 'clash' }) })", /key 'kind' is reserved/, 'schema.kind'],
    ['not-compilable.js', "px.Type.Object({ a: px.Type.Unsafe({ type: 'nonsense', description: 'x' }) })", /does not compile/, 'schema'],
  ])('wrong schema, %s', (name, schema, message, field) => {
    const err = loadWith(
      name,
      `export default function register(px) { px.registerCompressor('c-${name.replace('.js', '')}', () => null, ${schema}); }\n`,
    );
    expect(err.code).toBe('PROXMESH_ERR_PLUGIN');
    expect(err.message).toMatch(message);
    expect(err.detail).toMatchObject({ kind: 'compressor', field, plugin: join(dir, name) });
  });

  it('a built-in name or a bad name is refused', () => {
    const builtin = loadWith(
      'builtin.js',
      `export default function register(px) { px.registerCompressor('topk', () => null, ${SCHEMA_OK}); }\n`,
    );
    expect(builtin.message).toMatch(/'topk' is a built-in compressor; choose another name/);
    const upper = loadWith(
      'upper.js',
      `export default function register(px) { px.registerAlgorithm('MyAlgo', () => null, ${SCHEMA_OK}); }\n`,
    );
    expect(upper.message).toMatch(/lower-case letters, digits and dashes/);
    expect(upper.detail).toMatchObject({ field: 'name' });
    const eta = loadWith(
      'eta.js',
      "export default function register(px) { px.registerAlgorithm('eta-clash', () => null, px.Type.Object({ eta: px.Type.Number({ description: 'mine' }) })); }\n",
    );
    expect(eta.message).toMatch(/key 'eta' is reserved \(name, eta, etaSchedule, clipNorm/);
  });

  it('a plug-in that throws after registering leaves nothing registered', () => {
    const err = loadWith(
      'partial.js',
      `export default function register(px) {
  px.registerCompressor('partial-one', () => null, ${SCHEMA_OK});
  throw new Error('second half failed');
}\n`,
    );
    expect(err.code).toBe('PROXMESH_ERR_PLUGIN');
    expect(namesOf('compressor')).not.toContain('partial-one');
  });

  it('a config whose plugins entry is neither a path nor a resolved entry is a config error', () => {
    expect(() => loadConfig({ plugins: [42], algorithm: { name: 'dproxsgt', eta: 0.1 } })).toThrow(
      expect.objectContaining({ code: 'PROXMESH_ERR_CONFIG' }),
    );
  });
});
