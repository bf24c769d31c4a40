/** `proxmesh topology … --schedule '{…}'`: per-round ρ and ρ of the period's product, text and JSON; bad options. */
import { describe, expect, it } from 'vitest';
import { runTopologyCommand } from '../../topologies/command.ts';
import type { ProxmeshError } from '../../node/errors.ts';

const base = { weights: 'metropolis', lazy: false, seed: 42 };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as ProxmeshError).code;
  }
  return 'ok';
}

describe('topology command with --schedule', () => {
  it('text: one line per round with ρ_k, then ρ of the product (one-peer exponential on 8: cos(π/8), 1, 1 and 0)', () => {
    const { stdout } = runTopologyCommand({ ...base, kind: 'hypercube', nodes: 8, schedule: '{"kind":"one-peer-exponential"}' });
    expect(stdout).toContain('schedule one-peer-exponential(3 rounds)');
    expect(stdout).toMatch(/round 0 +rho_k +0\.923880 +one-peer\(\+2\^0\)/);
    expect(stdout).toMatch(/round 2 +rho_k +1\.000000 +one-peer\(\+2\^2\)/);
    expect(stdout).toMatch(/rho\(W_0 \.\.\. W_\{P-1\}\) +0\.000000/);
  });

  it('JSON: schedule.rounds[k].rho, rows and productRho (cycle ring → complete: ρ = 0.5393…, 0; product 0)', () => {
    const { stdout } = runTopologyCommand({
      ...base,
      kind: 'ring',
      nodes: 5,
      json: true,
      schedule: '{"kind":"cycle","then":[{"kind":"complete"}]}',
    });
    const j = JSON.parse(stdout);
    expect(j.schedule.period).toBe(2);
    expect(j.schedule.rounds[0].rho).toBeCloseTo((1 + 2 * Math.cos((2 * Math.PI) / 5)) / 3, 12);
    expect(j.schedule.rounds[1].rho).toBeLessThan(1e-15);
    expect(j.schedule.rounds[1].rows[0]).toEqual({ ids: [0, 1, 2, 3, 4], weights: [0.2, 0.2, 0.2, 0.2, 0.2] });
    expect(j.schedule.productRho).toBeLessThan(1e-15);
    expect([j.kind, j.n, j.edgeCount]).toEqual(['ring', 5, 5]); // the static report is still there
  });

  it('without --schedule the output has no schedule section', () => {
    expect(runTopologyCommand({ ...base, kind: 'ring', nodes: 5 }).stdout).not.toContain('schedule');
    expect(JSON.parse(runTopologyCommand({ ...base, kind: 'ring', nodes: 5, json: true }).stdout).schedule).toBeUndefined();
  });

  it.each([
    ['not JSON', '{kind', 'PROXMESH_ERR_USAGE'],
    ['unknown kind', '{"kind":"gossip"}', 'PROXMESH_ERR_USAGE'],
    ['p out of range', '{"kind":"dropout","p":1}', 'PROXMESH_ERR_USAGE'],
    ['unknown key', '{"kind":"random-matching","bogus":1}', 'PROXMESH_ERR_USAGE'],
    ['an array', '[1]', 'PROXMESH_ERR_USAGE'],
  ])('%s → %s', (_l, schedule, code) => {
    expect(codeOf(() => runTopologyCommand({ ...base, kind: 'ring', nodes: 4, schedule }))).toBe(code);
  });

  it('symmetric one-peer exponential on 6 nodes → PROXMESH_ERR_TOPOLOGY (n must be a power of 2)', () => {
    expect(
      codeOf(() => runTopologyCommand({ ...base, kind: 'ring', nodes: 6, schedule: '{"kind":"one-peer-exponential","form":"symmetric"}' })),
    ).toBe('PROXMESH_ERR_TOPOLOGY');
  });
});
