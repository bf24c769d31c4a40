import { describe, expect, it } from 'vitest';
import { axisGroups, canonicalJson, cellId, cellSlug, diffHash, expandGrid, gridSize, slugValue } from '../../node/sweep/grid.ts';
import { ProxmeshError } from '../../node/errors.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProxmeshError ? err.code : 'not a ProxmeshError';
  }
  return undefined;
}

describe('grid expansion', () => {
  it('crosses axes: size is the product, last axis (seeds) fastest, every combination once', () => {
    const groups = axisGroups({
      axes: { 'algorithm.name': ['cdproxsgt', 'choco'], 'topology.kind': ['ring', 'torus', 'path'] },
      seeds: [1, 2],
    });
    expect(gridSize(groups)).toBe(12);
    const cells = expandGrid(groups);
    expect(cells).toHaveLength(12);
    expect(cells[0].diff).toEqual({ 'algorithm.name': 'cdproxsgt', 'topology.kind': 'ring', seed: 1 });
    expect(cells[1].diff).toEqual({ 'algorithm.name': 'cdproxsgt', 'topology.kind': 'ring', seed: 2 });
    expect(cells[2].diff).toEqual({ 'algorithm.name': 'cdproxsgt', 'topology.kind': 'torus', seed: 1 });
    expect(cells[11].diff).toEqual({ 'algorithm.name': 'choco', 'topology.kind': 'path', seed: 2 });
    expect(new Set(cells.map((c) => canonicalJson(c.diff))).size).toBe(12);
    expect(cells.map((c) => c.index)).toEqual([...Array(12).keys()]);
  });

  it('zipped axes vary together instead of crossing', () => {
    const top = { kind: 'topk', ratio: 0.05 };
    const q = { kind: 'qsgd', levels: 15 };
    const groups = axisGroups({
      axes: { 'compression.x': [top, q], 'algorithm.name': ['cdproxsgt', 'choco', 'beer'], 'compression.y': [top, q] },
      zip: [['compression.x', 'compression.y']],
    });
    expect(groups.map((g) => g.paths)).toEqual([['compression.x', 'compression.y'], ['algorithm.name']]);
    const cells = expandGrid(groups);
    expect(cells).toHaveLength(6); // 2 (zipped) × 3, not 2 × 3 × 2
    for (const c of cells) expect(c.diff['compression.x']).toEqual(c.diff['compression.y']);
  });

  it('seeds go last even when other axes come after them in the file', () => {
    const groups = axisGroups({ axes: { 'algorithm.eta': [0.1, 0.2] }, seeds: [7, 8, 9] });
    expect(groups.map((g) => g.paths[0])).toEqual(['algorithm.eta', 'seed']);
    expect(expandGrid(groups).map((c) => c.diff.seed)).toEqual([7, 8, 9, 7, 8, 9]);
  });

  it('no axes: one base cell', () => {
    const cells = expandGrid(axisGroups({ axes: {} }));
    expect(cells).toHaveLength(1);
    expect(cells[0].diff).toEqual({});
    expect(cells[0].id).toMatch(/^base-[0-9a-f]{8}$/);
  });

  it('ids: readable slug + 8-hex hash of the canonical diff, stable, unique, filesystem-safe', () => {
    const diff = { 'algorithm.name': 'cdproxsgt', 'compression.x.ratio': 0.05, seed: 2 };
    expect(cellSlug(diff)).toBe('algorithm.name=cdproxsgt,compression.x.ratio=0.05,seed=2');
    // The hash ignores key order (canonical JSON) and is a known sha256 prefix.
    expect(diffHash(diff)).toBe(diffHash({ seed: 2, 'compression.x.ratio': 0.05, 'algorithm.name': 'cdproxsgt' }));
    expect(diffHash(diff)).toMatch(/^[0-9a-f]{8}$/);
    expect(cellId(diff)).toBe(`${cellSlug(diff)}-${diffHash(diff)}`);
    expect(cellId(diff)).toBe(cellId({ ...diff })); // stable
    const top = { kind: 'topk', ratio: 0.05 };
    expect(cellSlug({ 'compression.x': top, 'compression.y': top, 'algorithm.gammaX': 0.2, 'algorithm.gammaY': 0.2, seed: 1 })).toBe(
      'compression.x+y=topk-ratio0.05,algorithm.gammaX+gammaY=0.2,seed=1',
    );
    expect(cellSlug({ 'compression.x': top, 'compression.y': { kind: 'sign' } })).toBe('compression.x=topk-ratio0.05,compression.y=sign');
    const odd = { 'problem.dataset.path': '/data/my file:v2?.csv', 'compression.x': { kind: 'ef', inner: { kind: 'topk', ratio: 0.1 } } };
    const id = cellId(odd);
    expect(id).toMatch(/^[A-Za-z0-9._=,+()-]+$/);
    expect(slugValue(odd['compression.x'])).toBe('ef-inner(topk-ratio0.1)');
    const long = { 'problem.dataset.path': 'x'.repeat(500) };
    expect(cellId(long).length).toBe(160 + 9);
  });

  it('ids of a whole grid are unique and do not depend on the other axes', () => {
    const a = expandGrid(axisGroups({ axes: { 'algorithm.eta': [0.1, 0.2, 0.3] }, seeds: [1, 2] }));
    const b = expandGrid(axisGroups({ axes: { 'algorithm.eta': [0.3, 0.2, 0.1, 0.4] }, seeds: [2, 1] }));
    expect(new Set(a.map((c) => c.id)).size).toBe(6);
    const idsB = new Set(b.map((c) => c.id));
    for (const c of a) expect(idsB.has(c.id)).toBe(true);
  });

  it('rejects bad grids with PROXMESH_ERR_CONFIG', () => {
    expect(codeOf(() => axisGroups({ axes: { seed: [1] }, seeds: [2] }))).toBe('PROXMESH_ERR_CONFIG');
    expect(codeOf(() => axisGroups({ axes: { 'compression.x': [1] }, zip: [['compression.x', 'compression.y']] }))).toBe(
      'PROXMESH_ERR_CONFIG',
    );
    expect(codeOf(() => axisGroups({ axes: { a: [1, 2], b: [1] }, zip: [['a', 'b']] }))).toBe('PROXMESH_ERR_CONFIG');
    expect(
      codeOf(() =>
        axisGroups({
          axes: { a: [1], b: [1], c: [1] },
          zip: [
            ['a', 'b'],
            ['b', 'c'],
          ],
        }),
      ),
    ).toBe('PROXMESH_ERR_CONFIG');
    expect(codeOf(() => expandGrid(axisGroups({ axes: { 'algorithm.eta': [0.1, 0.1] } })))).toBe('PROXMESH_ERR_CONFIG');
  });
});
