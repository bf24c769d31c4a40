import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';

/** A valid base config; each bad case patches one thing. */
function base(): Record<string, any> {
  return {
    seed: 1,
    iterations: 20,
    evalEvery: 10,
    algorithm: { name: 'cdproxsgt', eta: 0.1 },
    compression: { x: { kind: 'topk', ratio: 0.1 }, y: { kind: 'topk', ratio: 0.1 } },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-4 } },
    topology: { kind: 'ring', nodes: 4 },
  };
}

function failure(source: unknown): ProxmeshError {
  try {
    loadConfig(source as object);
  } catch (err) {
    expect(err).toBeInstanceOf(ProxmeshError);
    return err as ProxmeshError;
  }
  throw new Error('loadConfig accepted a bad config');
}

describe('loadConfig: bad inputs', () => {
  const cases: Array<[string, (c: Record<string, any>) => void, string, RegExp]> = [
    [
      'unknown top-level key',
      (c) => {
        c.iterationz = 5;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/: unknown key 'iterationz', did you mean 'iterations'\? \(allowed: seed, iterations, evalEvery/m,
    ],
    [
      'unknown nested key',
      (c) => {
        c.algorithm.etaa = 0.1;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/algorithm: unknown key 'etaa', did you mean 'eta'\? \(allowed: name, eta, etaSchedule, gammaX, gammaY, beta, initBatches, stepTracker, clipNorm\)$/m,
    ],
    [
      'unknown key inside a union branch',
      (c) => {
        c.compression.x.ratioo = 0.2;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/compression\/x: unknown key 'ratioo', did you mean 'ratio'\? \(allowed: kind, ratio, k, scope, precision\)$/m,
    ],
    [
      'wrong type (string for integer)',
      (c) => {
        c.iterations = 'ten';
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/iterations: must be integer ≥ 1 \(got "ten"\)$/m,
    ],
    [
      'wrong type (non-integer)',
      (c) => {
        c.seed = 1.5;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/seed: must be integer/m,
    ],
    [
      'nodes < 1',
      (c) => {
        c.topology.nodes = 0;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/topology\/nodes: must be ≥ 1 \(got 0\)$/m,
    ],
    [
      'η ≤ 0',
      (c) => {
        c.algorithm.eta = -0.1;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/algorithm\/eta: must be > 0 \(got -0.1\)$/m,
    ],
    [
      'η = 0',
      (c) => {
        c.algorithm.eta = 0;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/algorithm\/eta: must be > 0 \(got 0\)$/m,
    ],
    [
      'γ > 1',
      (c) => {
        c.algorithm.gammaX = 1.5;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/algorithm\/gammaX: must be ≤ 1 \(got 1.5\)$/m,
    ],
    [
      'bad compressor kind',
      (c) => {
        c.compression.y = { kind: 'zip' };
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/compression\/y\/kind: must be one of: identity, topk, randk, qsgd, sign, natural, dither, lowrank, ef, chain \(got "zip"\)$/m,
    ],
    [
      'bad algorithm name',
      (c) => {
        c.algorithm.name = 'sgd';
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/algorithm\/name: must be one of "dproxsgt", "cdproxsgt"/m,
    ],
    [
      'batchSize 0',
      (c) => {
        c.batchSize = 0;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/batchSize: must be ≥ 1 \(got 0\)$/m,
    ],
    [
      'batchSize string',
      (c) => {
        c.batchSize = 'half';
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/batchSize: must be integer ≥ 1 or "full" \(got "half"\)$/m,
    ],
    [
      'missing required section',
      (c) => {
        delete c.algorithm;
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/: missing required key 'algorithm'/m,
    ],
    [
      'missing discriminated key',
      (c) => {
        c.problem.regularizer = { kind: 'l1' };
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/problem\/regularizer: missing required key 'lambda'/m,
    ],
    [
      'unknown dataset name',
      (c) => {
        c.problem.dataset = { name: 'mnist' };
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/problem\/dataset\/name: must be one of "a9a"/m,
    ],
    [
      'random init scale 0',
      (c) => {
        c.init = { kind: 'random', scale: 0 };
      },
      'PROXMESH_ERR_CONFIG',
      /^config \/init\/scale: must be > 0 \(got 0\)$/m,
    ],
    [
      'not an object',
      (c) => {
        for (const k of Object.keys(c)) delete c[k];
      },
      'PROXMESH_ERR_CONFIG',
      /missing required key/,
    ],
    [
      'evalEvery > iterations',
      (c) => {
        c.evalEvery = 50;
      },
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      /^config \/evalEvery: must be ≤ iterations \(20\) \(got 50\)$/,
    ],
    [
      'labels partition length ≠ nodes',
      (c) => {
        c.partition = { kind: 'labels', labels: [[0], [1]] };
      },
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      /^config \/partition\/labels: needs one label list per node: 4 nodes but 2 lists$/,
    ],
  ];
  for (const [name, patch, code, message] of cases) {
    it(`${name} → ${code}`, () => {
      const c = base();
      patch(c);
      const err = failure(c);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    });
  }

  it('reports every problem, one line each, with structured detail', () => {
    const c = base();
    c.algorithm.eta = -1;
    c.topology.nodes = 0;
    c.foo = 1;
    const err = failure(c);
    expect(err.message.split('\n')).toHaveLength(3);
    expect(err.detail?.issues).toEqual([
      { path: '', expected: expect.stringContaining('a key among'), got: 'foo' },
      { path: '/algorithm/eta', expected: '> 0', got: -1 },
      { path: '/topology/nodes', expected: '≥ 1', got: 0 },
    ]);
  });

  it('YAML syntax error → PROXMESH_ERR_CONFIG_PARSE with line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'seed: 1\nalgorithm:\n  name: dproxsgt\n  eta: [0.1\n');
    const err = failure(file);
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
    expect(err.message).toMatch(/line \d+, column \d+/);
    expect(err.detail).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
  });

  it('duplicate YAML key → PROXMESH_ERR_CONFIG_PARSE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-cfg-'));
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, 'seed: 1\nseed: 2\n');
    expect(failure(file).code).toBe('PROXMESH_ERR_CONFIG_PARSE');
  });

  it('missing config file → PROXMESH_ERR_CONFIG_PARSE naming the file', () => {
    const err = failure('/nonexistent/proxmesh.yaml');
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
    expect(err.message).toContain('/nonexistent/proxmesh.yaml');
  });
});

describe('loadConfig: defaults and freezing', () => {
  it('fills every default, including inside union branches', () => {
    const c = loadConfig({
      algorithm: { name: 'dproxsgt', eta: 0.1 },
      problem: { regularizer: { kind: 'none' } },
      topology: { kind: 'ring', nodes: 4 },
    });
    expect(c).toEqual({
      seed: 42,
      iterations: 1000,
      evalEvery: 100,
      checkpointEvery: 0,
      batchSize: 32,
      algorithm: { name: 'dproxsgt', eta: 0.1, gammaX: 1, gammaY: 1, beta: 0.8, initBatches: 25, clipNorm: null },
      compression: { x: { kind: 'identity', precision: 'f64' }, y: { kind: 'identity', precision: 'f64' } },
      problem: { dataset: { name: 'a9a', testFraction: 0.2 }, model: { kind: 'logistic', intercept: true }, regularizer: { kind: 'none' } },
      partition: { kind: 'sorted' },
      topology: { kind: 'ring', nodes: 4, weights: 'metropolis', lazy: false },
      init: { kind: 'zero' },
      output: { dir: 'runs', name: null },
    });
  });

  it('fills defaults of the chosen variant (topk scope, randk scaled, random init, file dataset)', () => {
    const c = loadConfig({
      ...base(),
      compression: { x: { kind: 'randk', k: 3 }, y: { kind: 'ef', inner: { kind: 'topk', ratio: 0.5 } } },
      init: { kind: 'random' },
      problem: { dataset: { path: 'x.csv', format: 'csv' }, regularizer: { kind: 'none' } },
    });
    expect(c.compression.x).toEqual({ kind: 'randk', k: 3, scope: 'layer', scaled: true, precision: 'f64' });
    expect(c.compression.y).toEqual({ kind: 'ef', inner: { kind: 'topk', ratio: 0.5, scope: 'layer', precision: 'f64' } });
    expect(c.init).toEqual({ kind: 'random', scale: 1, perNode: false });
    expect(c.problem.dataset).toEqual({ path: 'x.csv', format: 'csv', normalize: 'none', testFraction: 0.2 });
  });

  it('returns a deep-frozen config and leaves the input untouched', () => {
    const input = base();
    const c = loadConfig(input);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.algorithm)).toBe(true);
    expect(Object.isFrozen(c.compression.x)).toBe(true);
    expect(() => {
      (c.algorithm as { eta: number }).eta = 1;
    }).toThrow(TypeError);
    expect(input.algorithm.gammaX).toBeUndefined();
  });

  it('reads YAML and JSON files to the same config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-cfg-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(base()));
    writeFileSync(
      join(dir, 'c.yaml'),
      'seed: 1\niterations: 20\nevalEvery: 10\nalgorithm: { name: cdproxsgt, eta: 0.1 }\ncompression:\n  x: { kind: topk, ratio: 0.1 }\n  y: { kind: topk, ratio: 0.1 }\nproblem:\n  dataset: { name: breast-cancer }\n  model: { kind: logistic }\n  regularizer: { kind: l1, lambda: 1.0e-4 }\ntopology: { kind: ring, nodes: 4 }\n',
    );
    expect(loadConfig(join(dir, 'c.yaml'))).toEqual(loadConfig(join(dir, 'c.json')));
  });

  it('a one-sided box (YAML ±.inf) loads as null (unbounded) and survives config.json unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-cfg-'));
    const yaml =
      'seed: 1\niterations: 20\nevalEvery: 10\nalgorithm: { name: dproxsgt, eta: 0.1 }\nproblem:\n  dataset: { name: breast-cancer }\n  model: { kind: logistic }\n  regularizer: { kind: box, lower: -.inf, upper: 0.5 }\ntopology: { kind: ring, nodes: 4 }\n';
    writeFileSync(join(dir, 'c.yaml'), yaml);
    const fromYaml = loadConfig(join(dir, 'c.yaml'));
    expect(fromYaml.problem.regularizer).toEqual({ kind: 'box', lower: null, upper: 0.5 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(fromYaml));
    const again = loadConfig(join(dir, 'config.json'));
    expect(again.problem.regularizer).toEqual({ kind: 'box', lower: null, upper: 0.5 });
    // and the JSON form is a fixed point: writing it again gives the same text
    expect(JSON.stringify(again)).toBe(JSON.stringify(fromYaml));
  });

  it('accepts every example', async () => {
    const { readdirSync } = await import('node:fs');
    const dir = join(import.meta.dirname, '..', '..', 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(() => loadConfig(join(dir, f))).not.toThrow();
  });
});
