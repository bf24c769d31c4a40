/**
 * The `network` section: per-edge files (good and bad input), seeded random links, seeded
 * stragglers, and config errors naming the field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeSeconds, stragglerIds } from '../../node/clock/compute.ts';
import { parseLinkFile } from '../../node/clock/link-file.ts';
import { buildLinks } from '../../node/clock/links.ts';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';

// A 3-node path 0–1–2: directed links 0→1, 1→0, 1→2, 2→1.
const path3 = [[1], [0, 2], [1]];
const HEADER = 'from,to,latency,bandwidth\n';

function networkError(fn: () => unknown): ProxmeshError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProxmeshError);
    return err as ProxmeshError;
  }
  throw new Error('accepted bad input');
}

describe('per-edge link file', () => {
  it('parses every directed link, in any order, with comments and blank lines', () => {
    const t = parseLinkFile(`# measured\n${HEADER}\n2,1,0.004,2e6\n0,1,0.001,1e7  # fast\n1,2,0.003,5e6\n1,0,0.002,1e6\n`, path3);
    expect(t.latency.map((a) => Array.from(a))).toEqual([[0.001], [0.002, 0.003], [0.004]]);
    expect(t.bandwidth.map((a) => Array.from(a))).toEqual([[1e7], [1e6, 5e6], [2e6]]);
  });

  const bad: [string, string, RegExp][] = [
    ['empty file', '', /empty/],
    ['no header', '0,1,0.001,1e6\n', /:1: the first line must be the header/],
    ['a missing link', `${HEADER}0,1,0.001,1e6\n1,0,0.001,1e6\n1,2,0.001,1e6\n`, /link 2 → 1 is missing/],
    ['a link not in the graph', `${HEADER}0,2,0.001,1e6\n`, /:2: 0 → 2 is not a link/],
    ['a duplicate', `${HEADER}0,1,0.001,1e6\n0,1,0.002,1e6\n`, /:3: link 0 → 1 appears twice/],
    ['three fields', `${HEADER}0,1,0.001\n`, /:2: expected 4 comma-separated fields/],
    ['a negative latency', `${HEADER}0,1,-1,1e6\n`, /:2: latency must be/],
    ['a zero bandwidth', `${HEADER}0,1,0.001,0\n`, /:2: bandwidth must be/],
    ['a non-numeric bandwidth', `${HEADER}0,1,0.001,fast\n`, /:2: bandwidth must be/],
    ['an out-of-range id', `${HEADER}0,7,0.001,1e6\n`, /:2: a node id is out of range \[0, 2\]/],
    ['a non-integer id', `${HEADER}0.5,1,0.001,1e6\n`, /:2: from and to must be non-negative integer/],
  ];
  it.each(bad)('%s is PROXMESH_ERR_NETWORK naming the file and line', (_name, text, message) => {
    const e = networkError(() => parseLinkFile(text, path3, 'links.csv'));
    expect(e.code).toBe('PROXMESH_ERR_NETWORK');
    expect(e.message).toMatch(/^network\.links file links\.csv/);
    expect(e.message).toMatch(message);
    expect(e.detail).toMatchObject({ path: '/network/links/path' });
  });

  it('a missing file is PROXMESH_ERR_NETWORK', () => {
    const e = networkError(() => buildLinks({ kind: 'file', path: join(tmpdir(), 'proxmesh-no-such-links.csv') }, path3, 1));
    expect(e.code).toBe('PROXMESH_ERR_NETWORK');
  });

  it('buildLinks reads the file named in the spec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-links-'));
    const file = join(dir, 'links.csv');
    writeFileSync(file, `${HEADER}0,1,0.1,1\n1,0,0.2,2\n1,2,0.3,3\n2,1,0.4,4\n`);
    const t = buildLinks({ kind: 'file', path: file }, path3, 1);
    expect(Array.from(t.bandwidth[1])).toEqual([2, 3]);
  });
});

describe('seeded random links', () => {
  const spec = { kind: 'random' as const, latency: { min: 0.001, max: 0.01 }, bandwidth: { min: 1e6, max: 1e9 } };
  it('same seed → same draws; every draw within [min, max]; another seed differs', () => {
    const a = buildLinks(spec, path3, 7);
    const b = buildLinks(spec, path3, 7);
    const c = buildLinks(spec, path3, 8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const row of a.latency) for (const v of row) expect(v >= 0.001 && v <= 0.01).toBe(true);
    for (const row of a.bandwidth) for (const v of row) expect(v >= 1e6 && v <= 1e9).toBe(true);
  });
  it('a link’s draw does not depend on the order of links in a row', () => {
    const a = buildLinks(spec, [[1], [0, 2], [1]], 7);
    const b = buildLinks(spec, [[1], [2, 0], [1]], 7);
    expect(b.latency[1][0]).toBe(a.latency[1][1]);
    expect(b.bandwidth[1][1]).toBe(a.bandwidth[1][0]);
  });
  it('min > max is PROXMESH_ERR_NETWORK naming the field', () => {
    const e = networkError(() => buildLinks({ ...spec, latency: { min: 0.1, max: 0.01 } }, path3, 1));
    expect(e.code).toBe('PROXMESH_ERR_NETWORK');
    expect(e.message).toMatch(/\/network\/links\/latency: min \(0\.1\) must be ≤ max \(0\.01\)/);
  });
});

describe('seeded stragglers', () => {
  it('round(fraction · n) nodes, fixed by the seed; c_i = b_i / s, stragglers b_i · slowdown / s', () => {
    const spec = { samplesPerSecond: 100, stragglers: { fraction: 0.1, slowdown: 4 } };
    const ids = stragglerIds(spec, 20, 11);
    expect(ids).toHaveLength(2);
    expect(stragglerIds(spec, 20, 11)).toEqual(ids);
    // Another seed picks other nodes for at least one of a few seeds (a fixed, deterministic check).
    expect([12, 13, 14, 15].some((s) => JSON.stringify(stragglerIds(spec, 20, s)) !== JSON.stringify(ids))).toBe(true);
    const c = computeSeconds(spec, new Array(20).fill(50), 11);
    for (let i = 0; i < 20; i++) expect(c[i]).toBe(ids.includes(i) ? 2 : 0.5);
  });
  it('no stragglers section, or fraction 0: every node at full speed', () => {
    expect(stragglerIds({ samplesPerSecond: 1 }, 10, 1)).toEqual([]);
    expect(stragglerIds({ samplesPerSecond: 1, stragglers: { fraction: 0, slowdown: 9 } }, 10, 1)).toEqual([]);
    expect(Array.from(computeSeconds({ samplesPerSecond: 4 }, [8, 2], 1))).toEqual([2, 0.5]);
  });
});

describe('network config section', () => {
  const base = {
    iterations: 4,
    algorithm: { name: 'dproxsgt', eta: 0.05 },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'none' } },
    topology: { kind: 'ring', nodes: 4 },
  };
  it('accepts the three link kinds', () => {
    for (const links of [
      { kind: 'uniform', latency: 0.001, bandwidth: 1e7 },
      { kind: 'random', latency: { min: 0, max: 0.01 }, bandwidth: { min: 1e6, max: 1e9 } },
      { kind: 'file', path: 'links.csv' },
    ]) {
      expect(loadConfig({ ...base, network: { links, compute: { samplesPerSecond: 1000 } } }).network?.links.kind).toBe(links.kind);
    }
  });
  it('rejects an unknown key, a zero bandwidth and a missing compute section (PROXMESH_ERR_CONFIG)', () => {
    for (const network of [
      { links: { kind: 'uniform', latency: 0.001, bandwidth: 1e7, jitter: 1 }, compute: { samplesPerSecond: 1 } },
      { links: { kind: 'uniform', latency: 0.001, bandwidth: 0 }, compute: { samplesPerSecond: 1 } },
      { links: { kind: 'uniform', latency: 0.001, bandwidth: 1e7 } },
    ]) {
      const e = networkError(() => loadConfig({ ...base, network }));
      expect(e.code).toBe('PROXMESH_ERR_CONFIG');
      expect(e.message).toMatch(/network/);
    }
  });
  it('random min > max is refused at load time', () => {
    const e = networkError(() =>
      loadConfig({
        ...base,
        network: {
          links: { kind: 'random', latency: { min: 0, max: 1 }, bandwidth: { min: 1e9, max: 1e6 } },
          compute: { samplesPerSecond: 1 },
        },
      }),
    );
    expect(e.code).toBe('PROXMESH_ERR_NETWORK');
    expect(e.message).toMatch(/\/network\/links\/bandwidth/);
  });
});
