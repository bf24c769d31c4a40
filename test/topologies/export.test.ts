import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTopology, topologyRng } from '../../topologies/spec.ts';
import { topologyToDot, topologyToJson } from '../../topologies/export.ts';
import { topologyReport } from '../../topologies/report.ts';
import { runTopologyCommand } from '../../topologies/command.ts';
import { expectCode } from './helpers.ts';

const ring4 = () => buildTopology({ kind: 'ring', nodes: 4, weights: 'uniform' }, topologyRng(0));

describe('topologyToJson', () => {
  it('lists n, edges (i < j), degrees, W rows with ids/weights, ρ and gap', () => {
    const j = topologyToJson(ring4());
    expect(j.name).toBe('ring(n=4)');
    expect(j.kind).toBe('ring');
    expect(j.n).toBe(4);
    expect(j.edgeCount).toBe(4);
    expect(j.edges).toEqual([
      [0, 1],
      [0, 3],
      [1, 2],
      [2, 3],
    ]);
    expect(j.degrees).toEqual([2, 2, 2, 2]);
    expect(j.mixing).toBe('uniform');
    expect(j.W[0]).toEqual({ ids: [0, 1, 3], weights: [1 / 3, 1 / 3, 1 / 3] });
    expect(j.W[2].ids).toEqual([1, 2, 3]);
    expect(j.rho).toBeCloseTo(1 / 3, 14);
    expect(j.spectralGap).toBeCloseTo(2 / 3, 14);
    expect(j.eigenvalues).toHaveLength(4);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});

describe('topologyToDot', () => {
  it('writes one undirected edge line per edge with W_ij labels and W_ii on nodes', () => {
    const dot = topologyToDot(ring4());
    expect(dot.startsWith('graph "ring(n=4)" {\n')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    const edges = dot.split('\n').filter((l) => l.includes(' -- '));
    expect(edges).toEqual([
      '  0 -- 1 [label="0.333333"];',
      '  0 -- 3 [label="0.333333"];',
      '  1 -- 2 [label="0.333333"];',
      '  2 -- 3 [label="0.333333"];',
    ]);
    expect(dot).toContain('  0 [label="0\\nW_ii=0.333333"];');
  });
});

describe('topologyReport', () => {
  it('prints n, |E|, degree stats, ρ, gap and the full W for n ≤ 16', () => {
    const text = topologyReport(buildTopology({ kind: 'star', nodes: 5 }, topologyRng(0)));
    expect(text).toContain('topology star(n=5)');
    expect(text).toMatch(/nodes n\s+5\n/);
    expect(text).toMatch(/edges \|E\|\s+4\n/);
    expect(text).toMatch(/degree min\/mean\/max\s+1 \/ 1.600 \/ 4\n/);
    expect(text).toMatch(/rho = \|\|W - J\|\|_2\s+0.800000\n/);
    expect(text).toMatch(/spectral gap 1 - rho\s+0.200000\n/);
    expect(text).toContain('W (5x5):');
    expect(text).toContain('  0.2000 0.2000 0.2000 0.2000 0.2000\n');
    expect(text).toContain('  0.2000 0.8000 0      0      0     \n');
  });

  it('notes instead of printing W for n > 16', () => {
    const text = topologyReport(buildTopology({ kind: 'ring', nodes: 17 }, topologyRng(0)));
    expect(text).toContain('W (17x17) not printed (n > 16)');
    expect(text).not.toContain('0.3333 0.3333');
  });
});

describe('runTopologyCommand', () => {
  const base = { kind: 'torus', nodes: 9, weights: 'metropolis', lazy: false, seed: 42 };

  it('prints the report by default and JSON with json: true', () => {
    expect(runTopologyCommand(base).stdout).toContain('topology torus(3x3)');
    const j = JSON.parse(runTopologyCommand({ ...base, json: true }).stdout);
    expect(j.n).toBe(9);
    expect(j.degrees).toEqual(new Array(9).fill(4));
  });

  it('writes JSON and DOT files and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-topocmd-'));
    const outJson = join(dir, 't.json');
    const outDot = join(dir, 't.dot');
    const { stdout } = runTopologyCommand({ ...base, kind: 'regular', nodes: 10, degree: 3, outJson, outDot });
    expect(stdout).toContain(`wrote ${outJson}`);
    expect(stdout).toContain(`wrote ${outDot}`);
    const j = JSON.parse(readFileSync(outJson, 'utf8'));
    expect(j.degrees).toEqual(new Array(10).fill(3));
    expect(
      readFileSync(outDot, 'utf8')
        .split('\n')
        .filter((l) => l.includes(' -- ')),
    ).toHaveLength(15);
    // same seed → same file content
    const again = JSON.parse(runTopologyCommand({ ...base, kind: 'regular', nodes: 10, degree: 3, json: true }).stdout);
    expect(again.edges).toEqual(j.edges);
  });

  it('errors: bad seed (USAGE), unwritable output (IO), bad topology params (TOPOLOGY)', () => {
    expectCode(() => runTopologyCommand({ ...base, seed: -1 }), 'PROXMESH_ERR_USAGE', /seed/);
    expectCode(
      () => runTopologyCommand({ ...base, outJson: join(tmpdir(), 'no-such-dir-proxmesh', 'x', 't.json') }),
      'PROXMESH_ERR_IO',
      /cannot write/,
    );
    expectCode(() => runTopologyCommand({ ...base, kind: 'ring', p: 0.3 }), 'PROXMESH_ERR_TOPOLOGY', /parameter p does not apply/);
    expectCode(() => runTopologyCommand({ ...base, kind: 'erdos-renyi' }), 'PROXMESH_ERR_TOPOLOGY', /parameter p is required/);
  });
});
