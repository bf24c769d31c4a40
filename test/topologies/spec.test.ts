import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { Rng } from '../../node/linalg/rng.ts';
import { buildTopology, TopologySpecSchema, topologyRng, type TopologySpec } from '../../topologies/spec.ts';
import { TOPOLOGY_KINDS } from '../../topologies/generators.ts';
import { degrees, edgeList } from '../../topologies/graph.ts';
import { expectCode } from './helpers.ts';

describe('TopologySpecSchema', () => {
  it('fills defaults (weights metropolis, lazy false) and accepts the brief example', () => {
    const spec = Value.Default(TopologySpecSchema, { kind: 'ring', nodes: 8 }) as TopologySpec;
    expect(spec).toEqual({ kind: 'ring', nodes: 8, weights: 'metropolis', lazy: false });
    expect(Value.Check(TopologySpecSchema, spec)).toBe(true);
    expect(Value.Check(TopologySpecSchema, { kind: 'erdos-renyi', nodes: 10, weights: 'uniform', lazy: true, p: 0.3 })).toBe(true);
  });

  it('rejects unknown keys, unknown kinds and out-of-range values', () => {
    const base = { kind: 'ring', nodes: 8, weights: 'metropolis', lazy: false };
    expect(Value.Check(TopologySpecSchema, { ...base, extra: 1 })).toBe(false);
    expect(Value.Check(TopologySpecSchema, { ...base, kind: 'moebius' })).toBe(false);
    expect(Value.Check(TopologySpecSchema, { ...base, nodes: 0 })).toBe(false);
    expect(Value.Check(TopologySpecSchema, { ...base, p: 1.5 })).toBe(false);
    expect(Value.Check(TopologySpecSchema, { ...base, weights: 'hamilton' })).toBe(false);
  });

  it('has a description on every property and lists every kind', () => {
    for (const [key, prop] of Object.entries(TopologySpecSchema.properties)) {
      expect((prop as { description?: string }).description, key).toBeTruthy();
    }
    expect(TopologySpecSchema.additionalProperties).toBe(false);
    expect(TopologySpecSchema.properties.kind.anyOf.map((s: { const: string }) => s.const)).toEqual([...TOPOLOGY_KINDS]);
  });
});

describe('buildTopology', () => {
  it('builds graph, validated W and spectrum; defaults weights/lazy', () => {
    const b = buildTopology({ kind: 'ring', nodes: 5 }, topologyRng(42));
    expect(b.graph.name).toBe('ring(n=5)');
    expect(b.mixing.name).toBe('metropolis');
    expect(b.spec).toEqual({ kind: 'ring', nodes: 5, weights: 'metropolis', lazy: false });
    expect(b.spectral.rho).toBeCloseTo((1 + 2 * Math.cos((2 * Math.PI) / 5)) / 3, 14);
    const lazy = buildTopology({ kind: 'ring', nodes: 5, weights: 'uniform', lazy: true }, topologyRng(42));
    expect(lazy.mixing.name).toBe('lazy(uniform)');
    expect(lazy.spectral.rho).toBeCloseTo((1 + (1 + 2 * Math.cos((2 * Math.PI) / 5)) / 3) / 2, 14);
  });

  it('grid/torus shapes from nodes, rows, cols', () => {
    expect(buildTopology({ kind: 'grid', nodes: 12 }, topologyRng(1)).graph.name).toBe('grid(3x4)');
    expect(buildTopology({ kind: 'torus', nodes: 12, rows: 2 }, topologyRng(1)).graph.name).toBe('torus(2x6)');
    expect(buildTopology({ kind: 'grid', nodes: 12, cols: 6 }, topologyRng(1)).graph.name).toBe('grid(2x6)');
    expectCode(
      () => buildTopology({ kind: 'grid', nodes: 12, rows: 3, cols: 3 }, topologyRng(1)),
      'PROXMESH_ERR_TOPOLOGY',
      /does not equal nodes = 12/,
    );
  });

  it('kind-specific parameters reach the generator', () => {
    const r = buildTopology({ kind: 'regular', nodes: 12, degree: 5, weights: 'uniform' }, topologyRng(3));
    expect(Array.from(degrees(r.graph))).toEqual(new Array(12).fill(5));
    const sw = buildTopology({ kind: 'small-world', nodes: 12, k: 4, beta: 0 }, topologyRng(3));
    expect(Array.from(degrees(sw.graph))).toEqual(new Array(12).fill(4));
    const er = buildTopology({ kind: 'erdos-renyi', nodes: 6, p: 1 }, topologyRng(3));
    expect(er.spectral.rho).toBeLessThan(1e-14); // complete graph, metropolis = J
  });

  it('errors: unknown kind, parameter of another kind, bad weights, uniform on irregular, bad lazy', () => {
    expectCode(
      () => buildTopology({ kind: 'moebius' as never, nodes: 4 }, topologyRng(1)),
      'PROXMESH_ERR_TOPOLOGY',
      /unknown kind "moebius"; expected one of ring \| path/,
    );
    const e = expectCode(
      () => buildTopology({ kind: 'ring', nodes: 4, p: 0.5 }, topologyRng(1)),
      'PROXMESH_ERR_TOPOLOGY',
      /parameter p does not apply to this kind \(it is used by erdos-renyi\)/,
    );
    expect(e.detail).toMatchObject({ param: 'p' });
    expectCode(
      () => buildTopology({ kind: 'grid', nodes: 4, beta: 0.5 }, topologyRng(1)),
      'PROXMESH_ERR_TOPOLOGY',
      /parameter beta does not apply/,
    );
    expectCode(
      () => buildTopology({ kind: 'ring', nodes: 4, weights: 'hamilton' as never }, topologyRng(1)),
      'PROXMESH_ERR_TOPOLOGY',
      /weights/,
    );
    expectCode(
      () => buildTopology({ kind: 'star', nodes: 4, weights: 'uniform' }, topologyRng(1)),
      'PROXMESH_ERR_MIXING',
      /use weights: metropolis/,
    );
    expectCode(() => buildTopology({ kind: 'ring', nodes: 4, lazy: 'yes' as never }, topologyRng(1)), 'PROXMESH_ERR_TOPOLOGY', /lazy/);
    expectCode(() => buildTopology({ kind: 'hypercube', nodes: 6 }, topologyRng(1)), 'PROXMESH_ERR_TOPOLOGY', /power of 2/);
  });

  it('deterministic under the seed: topologyRng(seed) = Rng.derive(seed, −1, "topology")', () => {
    const spec = { kind: 'erdos-renyi', nodes: 25, p: 0.3 } as const;
    const a = buildTopology(spec, topologyRng(9));
    const b = buildTopology(spec, Rng.derive(9, -1, 'topology'));
    const c = buildTopology(spec, topologyRng(10));
    expect(Array.from(edgeList(a.graph))).toEqual(Array.from(edgeList(b.graph)));
    expect(a.spectral.rho).toBe(b.spectral.rho);
    expect(Array.from(edgeList(a.graph))).not.toEqual(Array.from(edgeList(c.graph)));
  });
});
