import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProxmeshError } from '../../node/errors.ts';
import { isKnownPath, suggestPaths } from '../../node/sweep/config-paths.ts';
import { loadStudy } from '../../node/sweep/load-study.ts';

const BASE = {
  iterations: 20,
  evalEvery: 10,
  batchSize: 8,
  algorithm: { name: 'cdproxsgt', eta: 0.1 },
  problem: {
    dataset: { name: 'breast-cancer', testFraction: 0.2 },
    model: { kind: 'logistic', intercept: true },
    regularizer: { kind: 'l1', lambda: 1e-4 },
  },
  partition: { kind: 'iid' },
  topology: { kind: 'ring', nodes: 4 },
};

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'proxmesh-sweep-load-'));
}

function studyFile(text: string, d = dir()): string {
  const f = join(d, 'study.yaml');
  writeFileSync(f, text);
  return f;
}

function failure(source: string | object): ProxmeshError {
  try {
    loadStudy(source);
  } catch (err) {
    if (err instanceof ProxmeshError) return err;
    throw err;
  }
  throw new Error('loadStudy did not throw');
}

describe('loadStudy', () => {
  it('resolves a study: base + axis values, validated and defaulted, with baseFile relative to the study file', () => {
    const d = dir();
    writeFileSync(join(d, 'base.json'), JSON.stringify(BASE));
    const f = studyFile(
      [
        'name: t1',
        'baseFile: base.json',
        'axes:',
        '  compression.x: [{ kind: topk, ratio: 0.1 }, { kind: sign }]',
        '  compression.y: [{ kind: topk, ratio: 0.1 }, { kind: sign }]',
        '  topology.kind: [ring, complete]',
        'zip: [[compression.x, compression.y]]',
        'seeds: [1, 2]',
        'targets: { objective: 0.3 }',
      ].join('\n'),
      d,
    );
    const s = loadStudy(f);
    expect(s.baseFile).toBe(join(d, 'base.json'));
    expect(s.cells).toHaveLength(8);
    const c = s.cells[0];
    expect(c.dir).toBe(`cells/${c.id}`);
    expect(c.config.compression.x).toEqual({ kind: 'topk', ratio: 0.1, scope: 'layer', precision: 'f64' });
    expect(c.config.seed).toBe(1);
    expect(c.config.topology.kind).toBe('ring');
    expect(s.cells[7].config).toMatchObject({
      seed: 2,
      topology: { kind: 'complete', nodes: 4 },
      compression: { x: { kind: 'sign' }, y: { kind: 'sign' } },
    });
    expect(s.targets).toEqual({ objective: 0.3 });
  });

  it('knows schema paths through unions and suggests close ones', () => {
    expect(isKnownPath('compression.x.ratio')).toBe(true);
    expect(isKnownPath('compression.y.inner.levels')).toBe(true);
    expect(isKnownPath('topology.rows')).toBe(true);
    expect(isKnownPath('seed')).toBe(true);
    expect(isKnownPath('compression.x.ration')).toBe(false);
    expect(isKnownPath('algorithm..eta')).toBe(false);
    expect(suggestPaths('compression.x.ration')[0]).toBe('compression.x.ratio');
    expect(suggestPaths('algoritm.name')).toContain('algorithm.name');
  });

  it('bad study files, each with its error code', () => {
    const cases: [string, string | object, string, RegExp][] = [
      ['YAML syntax', studyFile('name: x\naxes: [unclosed\n'), 'PROXMESH_ERR_CONFIG_PARSE', /line/],
      ['unknown top-level key', { name: 'x', base: BASE, axis: {} }, 'PROXMESH_ERR_CONFIG', /axis/],
      ['unknown key in targets', { name: 'x', base: BASE, targets: { loss: 1 } }, 'PROXMESH_ERR_CONFIG', /targets/],
      ['axis values not a list', { name: 'x', base: BASE, axes: { seed: 3 } }, 'PROXMESH_ERR_CONFIG', /axes/],
      ['parallel 0', { name: 'x', base: BASE, parallel: 0 }, 'PROXMESH_ERR_CONFIG', /parallel/],
      ['bad name', { name: 'a b/c', base: BASE }, 'PROXMESH_ERR_CONFIG', /name/],
      ['neither base nor baseFile', { name: 'x', axes: {} }, 'PROXMESH_ERR_CONFIG', /exactly one of base/],
      ['both base and baseFile', { name: 'x', base: BASE, baseFile: 'b.yaml' }, 'PROXMESH_ERR_CONFIG', /exactly one of base/],
      ['missing baseFile', { name: 'x', baseFile: '/nonexistent/base.yaml' }, 'PROXMESH_ERR_CONFIG_PARSE', /nonexistent/],
      [
        'misspelt axis path',
        { name: 'x', base: BASE, axes: { 'compression.x.ration': [0.1] } },
        'PROXMESH_ERR_CONFIG',
        /"compression.x.ration" is not a run-config path; did you mean "compression.x.ratio"/,
      ],
      ['axis path under a scalar', { name: 'x', base: BASE, axes: { 'seed.value': [1] } }, 'PROXMESH_ERR_CONFIG', /seed.value/],
      [
        'zip of a non-axis',
        { name: 'x', base: BASE, axes: { 'algorithm.eta': [0.1] }, zip: [['algorithm.eta', 'algorithm.gammaX']] },
        'PROXMESH_ERR_CONFIG',
        /algorithm.gammaX/,
      ],
      [
        'zip of unequal lengths',
        {
          name: 'x',
          base: BASE,
          axes: { 'algorithm.eta': [0.1, 0.2], 'algorithm.gammaX': [0.5] },
          zip: [['algorithm.eta', 'algorithm.gammaX']],
        },
        'PROXMESH_ERR_CONFIG',
        /equal numbers/,
      ],
      ['seeds and a seed axis', { name: 'x', base: BASE, axes: { seed: [1] }, seeds: [2] }, 'PROXMESH_ERR_CONFIG', /seeds/],
      ['duplicate axis value', { name: 'x', base: BASE, axes: { 'algorithm.eta': [0.1, 0.1] } }, 'PROXMESH_ERR_CONFIG', /same/],
      [
        'bad cell value',
        { name: 'x', base: BASE, axes: { 'algorithm.eta': [0.1, -1] } },
        'PROXMESH_ERR_CONFIG',
        /cell algorithm\.eta=-1-[0-9a-f]{8} \(algorithm\.eta=-1\): config \/algorithm\/eta/,
      ],
      [
        'ratio on the wrong compressor',
        { name: 'x', base: BASE, axes: { 'compression.x.ratio': [0.1] } },
        'PROXMESH_ERR_CONFIG',
        /\/compression\/x/,
      ],
      [
        'inconsistent cell',
        { name: 'x', base: BASE, axes: { iterations: [20, 5] } },
        'PROXMESH_ERR_CONFIG_INCONSISTENT',
        /cell iterations=5-[0-9a-f]{8}.*evalEvery/,
      ],
    ];
    for (const [what, source, code, message] of cases) {
      const err = failure(source);
      expect(err.code, what).toBe(code);
      expect(err.message, what).toMatch(message);
    }
  });

  it('a bad cell error names the cell and counts the other invalid cells', () => {
    const err = failure({ name: 'x', base: BASE, axes: { 'algorithm.eta': [-1, 0.1, -2] } });
    expect(err.detail).toMatchObject({ path: '/algorithm/eta', diff: { 'algorithm.eta': -1 }, invalidCells: 2 });
    expect(err.message).toMatch(/2 of 3 cells are invalid/);
  });
});
