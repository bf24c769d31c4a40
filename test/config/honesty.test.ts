import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { editDistance, nearestKey } from '../../node/config/suggest.ts';
import { ProxmeshError } from '../../node/errors.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function minimal(extra: Record<string, unknown> = {}): Record<string, any> {
  return {
    algorithm: { name: 'dproxsgt', eta: 0.1 },
    problem: { dataset: { name: 'breast-cancer' } },
    topology: { kind: 'ring', nodes: 4 },
    ...extra,
  };
}

function failure(c: object): ProxmeshError {
  try {
    loadConfig(c);
  } catch (e) {
    expect(e).toBeInstanceOf(ProxmeshError);
    return e as ProxmeshError;
  }
  throw new Error('loadConfig accepted the config');
}

describe('a compression block on an algorithm that sends uncompressed', () => {
  const topk = { kind: 'topk', ratio: 0.1 };
  for (const name of ['dproxsgt', 'dpsgd', 'allreduce', 'deepstorm', 'proxgtsa']) {
    it(`${name}: PROXMESH_ERR_CONFIG_INCONSISTENT naming the algorithm, the channel and the fix`, () => {
      const err = failure(minimal({ algorithm: { name, eta: 0.1 }, compression: { x: topk, y: { kind: 'identity' } } }));
      expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
      expect(err.message).toBe(
        `config /compression/x: algorithm ${name} sends uncompressed messages, so {"kind":"topk","ratio":0.1,"scope":"layer","precision":"f64"} would be ignored; remove the compression block, or use an algorithm that compresses (cdproxsgt, choco, beer)`,
      );
      expect(err.detail).toMatchObject({ path: '/compression/x', algorithm: name });
    });
  }

  it.each([
    ['the y channel', { x: { kind: 'identity' }, y: { kind: 'sign' } }, '/compression/y'],
    ['identity at another precision', { x: { kind: 'identity', precision: 'f16' }, y: { kind: 'identity' } }, '/compression/x'],
    ['error feedback around identity', { x: { kind: 'ef', inner: { kind: 'identity' } }, y: { kind: 'identity' } }, '/compression/x'],
  ])('dpsgd with %s is refused too', (_what, compression, path) => {
    const err = failure(minimal({ algorithm: { name: 'dpsgd', eta: 0.1 }, compression }));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(err.message).toMatch(new RegExp(`^config ${path}: algorithm dpsgd sends uncompressed messages`));
  });

  it('no block, or an explicit identity block (what the paper configs write), is accepted', () => {
    expect(loadConfig(minimal()).compression).toEqual({
      x: { kind: 'identity', precision: 'f64' },
      y: { kind: 'identity', precision: 'f64' },
    });
    expect(() =>
      loadConfig(minimal({ compression: { x: { kind: 'identity' }, y: { kind: 'identity', precision: 'f64' } } })),
    ).not.toThrow();
  });

  it.each(['cdproxsgt', 'choco', 'beer'])('%s keeps its compressors', (name) => {
    const c = loadConfig(minimal({ algorithm: { name, eta: 0.1 }, compression: { x: { kind: 'topk', ratio: 0.1 }, y: { kind: 'sign' } } }));
    expect(c.compression.x.kind).toBe('topk');
  });

  it('every example and paper config still loads', () => {
    const files = [
      ...readdirSync(join(ROOT, 'examples'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(ROOT, 'examples', f)),
      ...readdirSync(join(ROOT, 'examples/paper'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(ROOT, 'examples/paper', f)),
    ];
    expect(files.length).toBeGreaterThanOrEqual(13);
    for (const f of files) expect(() => loadConfig(f), f).not.toThrow();
  });
});

describe('evalEvery defaults to min(100, iterations)', () => {
  it.each([
    [10, 10],
    [1, 1],
    [100, 100],
    [250, 100],
  ])('iterations: %i alone → evalEvery %i', (iterations, want) => {
    expect(loadConfig(minimal({ iterations })).evalEvery).toBe(want);
  });

  it('no iterations: both defaults (1000, 100)', () => {
    const c = loadConfig(minimal());
    expect([c.iterations, c.evalEvery]).toEqual([1000, 100]);
  });

  it('an evalEvery the user gives is never changed: above iterations it is still an error', () => {
    expect(loadConfig(minimal({ iterations: 10, evalEvery: 5 })).evalEvery).toBe(5);
    const err = failure(minimal({ iterations: 10, evalEvery: 100 }));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(err.message).toBe('config /evalEvery: must be ≤ iterations (10) (got 100)');
  });

  it('a bad iterations value is reported as itself, not through the default', () => {
    const err = failure(minimal({ iterations: 'ten' }));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG');
    expect(err.message).toBe('config /iterations: must be integer ≥ 1 (got "ten")');
  });
});

describe('unknown keys suggest the nearest allowed key at their level', () => {
  it.each([
    [
      "algorithm: 'gama'",
      (c: any) => {
        c.algorithm = { name: 'cdproxsgt', eta: 0.1, gama: 0.2 };
      },
      "config /algorithm: unknown key 'gama', did you mean 'gammaX'? (allowed: name, eta, etaSchedule, gammaX, gammaY, beta, initBatches, stepTracker, clipNorm)",
    ],
    [
      "top level: 'itertions'",
      (c: any) => {
        c.itertions = 5;
      },
      "config /: unknown key 'itertions', did you mean 'iterations'? (allowed: seed, iterations, evalEvery, batchSize, algorithm, compression, problem, partition, topology, init, output, checkpointEvery, metrics, evaluation, plugins, network)",
    ],
    [
      "top level, wrong case: 'evalevery'",
      (c: any) => {
        c.evalevery = 5;
      },
      /^config \/: unknown key 'evalevery', did you mean 'evalEvery'\?/,
    ],
    [
      "transposition: 'nodse'",
      (c: any) => {
        c.topology.nodse = 4;
      },
      /^config \/topology: unknown key 'nodse', did you mean 'nodes'\?/,
    ],
    [
      "inside a union branch: 'ratoi'",
      (c: any) => {
        c.algorithm = { name: 'choco', eta: 0.1 };
        c.compression = { x: { kind: 'topk', ratoi: 0.1 }, y: { kind: 'identity' } };
      },
      /^config \/compression\/x: unknown key 'ratoi', did you mean 'ratio'\? \(allowed: kind, ratio, k, scope, precision\)$/m,
    ],
    [
      "nested level only: 'eta' at the top is not matched against algorithm.eta",
      (c: any) => {
        c.eta = 0.1;
      },
      /^config \/: unknown key 'eta' \(allowed: seed,/,
    ],
    [
      "nothing close: 'zzzzzz'",
      (c: any) => {
        c.problem.zzzzzz = 1;
      },
      /^config \/problem: unknown key 'zzzzzz' \(allowed: dataset, model, regularizer, precision\)$/,
    ],
  ])('%s', (_what, patch, want) => {
    const c = minimal();
    patch(c);
    const err = failure(c);
    expect(err.code).toBe('PROXMESH_ERR_CONFIG');
    if (typeof want === 'string') expect(err.message).toBe(want);
    else expect(err.message).toMatch(want);
  });

  it('editDistance: insertions, deletions, substitutions, adjacent transpositions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('gama', 'gammaX')).toBe(2);
    expect(editDistance('nodse', 'nodes')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ca', 'abc')).toBe(3); // OSA, not unrestricted Damerau (which gives 2)
  });

  it('nearestKey: ties go to the longer common prefix, then schema order; the limit grows with the key length', () => {
    expect(nearestKey('gama', ['name', 'gammaX'])).toBe('gammaX');
    expect(nearestKey('gamma', ['gammaX', 'gammaY'])).toBe('gammaX');
    expect(nearestKey('gamma', ['gammaY', 'gammaX'])).toBe('gammaY');
    expect(nearestKey('ab', ['xy'])).toBe('xy'); // 2 edits: within the floor of 2
    expect(nearestKey('abc', ['xyz'])).toBeUndefined();
    expect(nearestKey('trainsamplesprnode', ['trainSamplesPerNode'])).toBe('trainSamplesPerNode');
    expect(nearestKey('x', [])).toBeUndefined();
  });
});

describe('algorithm.stepTracker (the tracker of the DProxSGT step)', () => {
  it.each(['dproxsgt', 'proxgtsa'])('%s takes mixed and unmixed, and leaves the key absent by default', (name) => {
    expect(loadConfig(minimal({ algorithm: { name, eta: 0.1, stepTracker: 'unmixed' } })).algorithm).toMatchObject({
      name,
      stepTracker: 'unmixed',
    });
    expect(loadConfig(minimal({ algorithm: { name, eta: 0.1, stepTracker: 'mixed' } })).algorithm).toMatchObject({
      name,
      stepTracker: 'mixed',
    });
    // Absent stays absent, so configs without it resolve (and write config.json) as before.
    expect('stepTracker' in loadConfig(minimal({ algorithm: { name, eta: 0.1 } })).algorithm).toBe(false);
  });

  for (const name of ['cdproxsgt', 'beer', 'choco', 'deepstorm', 'allreduce', 'dpsgd']) {
    it(`${name}: PROXMESH_ERR_CONFIG_INCONSISTENT naming the field and the fix`, () => {
      const err = failure(minimal({ algorithm: { name, eta: 0.1, stepTracker: 'mixed' } }));
      expect(err.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
      expect(err.message).toBe(
        `config /algorithm/stepTracker: only dproxsgt and proxgtsa take stepTracker (algorithm ${name} would ignore it); remove the key`,
      );
      expect(err.detail).toMatchObject({ path: '/algorithm/stepTracker', algorithm: name, got: 'mixed' });
    });
  }

  it('refuses another value with the allowed ones', () => {
    const err = failure(minimal({ algorithm: { name: 'dproxsgt', eta: 0.1, stepTracker: 'half' } }));
    expect(err.code).toBe('PROXMESH_ERR_CONFIG');
    expect(err.message).toMatch(/^config \/algorithm\/stepTracker: /m);
  });
});
