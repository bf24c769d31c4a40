/**
 * Time-varying topologies (issue 13 item 1): every W_k symmetric and doubly stochastic for every
 * kind, the exact structure of each kind, the spectra `proxmesh topology` reports, the reductions
 * (a cycle of one graph = the static topology, dropout p = 0 = the base W), the tracking invariant
 * mean(y) = mean(g) for every schedule, and every bad input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { algorithmFactory } from '../../node/algo/registry.ts';
import { PARAMS } from '../algo/fixtures/network.ts';
import type { NodeContext } from '../../node/algo/types.ts';
import { compressorFactory } from '../../node/compress/registry.ts';
import { loadConfig } from '../../node/config/load.ts';
import type { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import { createLockstep } from '../../node/sim/lockstep.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { ScheduledMemoryNetwork } from '../../node/sim/scheduled-network.ts';
import { buildTopology, topologyRng } from '../../topologies/spec.ts';
import { mixingRow } from '../../topologies/mixing.ts';
import { buildSchedule, scheduleRng, scheduleRow, unionNeighbours, type TopologySchedule } from '../../topologies/schedule.ts';
import { periodProduct, roundToDense, scheduleSpectral } from '../../topologies/schedule-spectral.ts';
import { makeQuadratics, quadraticOracle } from '../algo/fixtures/quadratic.ts';

function schedule(topology: Record<string, unknown>, seed = 1): TopologySchedule {
  const spec = { weights: 'metropolis', lazy: false, ...topology } as never;
  const base = buildTopology(spec, topologyRng(seed));
  const s = buildSchedule(base.spec, base, scheduleRng(seed));
  if (s === null) throw new Error('no schedule');
  return s;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as ProxmeshError).code ?? String(e);
  }
  return 'ok';
}

const KINDS: Array<[string, Record<string, unknown>]> = [
  [
    'cycle ring → complete → star',
    { kind: 'ring', nodes: 6, schedule: { kind: 'cycle', then: [{ kind: 'complete' }, { kind: 'star', weights: 'max-degree' }] } },
  ],
  ['cycle lazy', { kind: 'ring', nodes: 5, lazy: true, schedule: { kind: 'cycle', then: [{ kind: 'path' }] } }],
  ['one-peer-exponential n = 8 (directed)', { kind: 'hypercube', nodes: 8, schedule: { kind: 'one-peer-exponential' } }],
  ['one-peer-exponential n = 6 (directed)', { kind: 'ring', nodes: 6, schedule: { kind: 'one-peer-exponential' } }],
  [
    'one-peer-exponential n = 16 symmetric lazy',
    { kind: 'hypercube', nodes: 16, lazy: true, schedule: { kind: 'one-peer-exponential', form: 'symmetric' } },
  ],
  ['random-matching n = 6', { kind: 'complete', nodes: 6, schedule: { kind: 'random-matching', period: 5 } }],
  ['random-matching n = 7 (odd)', { kind: 'complete', nodes: 7, schedule: { kind: 'random-matching', period: 5 } }],
  ['dropout p = 0.5 on a torus', { kind: 'torus', nodes: 9, schedule: { kind: 'dropout', p: 0.5, period: 6 } }],
  ['dropout p = 0.9 on erdos-renyi', { kind: 'erdos-renyi', nodes: 10, p: 0.5, schedule: { kind: 'dropout', p: 0.9, period: 6 } }],
];

describe.each(KINDS)('%s', (_l, topo) => {
  const s = schedule(topo);
  it('every W_k is nonnegative, doubly stochastic, and symmetric unless the round is directed', () => {
    for (const r of s.rounds) {
      const W = roundToDense(r, s.n);
      for (let i = 0; i < s.n; i++) {
        let row = 0,
          col = 0;
        if (r.sends !== undefined) {
          // directed: i receives from j ⇔ j sends to i
          for (let j = 0; j < s.n; j++) if (j !== i) expect(W[i * s.n + j] > 0).toBe(Array.from(r.sends[j]).includes(i));
        }
        for (let j = 0; j < s.n; j++) {
          expect(W[i * s.n + j]).toBeGreaterThanOrEqual(0);
          if (r.sends === undefined) expect(W[i * s.n + j]).toBe(W[j * s.n + i]);
          row += W[i * s.n + j];
          col += W[j * s.n + i];
        }
        expect(Math.abs(row - 1)).toBeLessThanOrEqual(4e-16);
        expect(Math.abs(col - 1)).toBeLessThanOrEqual(4e-16);
      }
    }
  });
  it('rows cover the round index cyclically; the union of neighbours holds every round’s peers', () => {
    for (let k = -1; k < 3 * s.period; k++) {
      for (let i = 0; i < s.n; i++) {
        const row = scheduleRow(s, k, i);
        expect(row).toBe(s.rounds[k < 0 ? 0 : k % s.period].rows[i]);
        for (const j of row.ids) if (j !== i) expect(unionNeighbours(s, i)).toContain(j);
      }
    }
  });
  it('same seed → the same schedule', () => {
    const t = schedule(topo);
    expect(t.rounds.map((r) => r.rows.map((x) => [Array.from(x.ids), Array.from(x.weights)]))).toEqual(
      s.rounds.map((r) => r.rows.map((x) => [Array.from(x.ids), Array.from(x.weights)])),
    );
  });
});

describe('kinds: exact structure and spectra', () => {
  it('one-peer exponential, directed (Ying et al.): round t, i sends to i + 2^t and mixes (x_i + x_{i−2^t})/2; Π = J for n = 8', () => {
    for (const n of [8, 6, 5]) {
      const s = schedule({ kind: 'ring', nodes: n, schedule: { kind: 'one-peer-exponential' } });
      expect(s.period).toBe(Math.ceil(Math.log2(n)));
      s.rounds.forEach((r, t) => {
        const h = 2 ** t;
        r.rows.forEach((row, i) => {
          expect(Array.from(row.ids)).toEqual([i, (i - h + n) % n].sort((a, b) => a - b));
          expect(Array.from(row.weights)).toEqual([0.5, 0.5]);
          expect(Array.from(r.sends![i])).toEqual([(i + h) % n]);
        });
      });
      const sp = scheduleSpectral(s);
      // W_t = (I + P_h)/2 is circulant (normal): ‖W_t − J‖₂ = max_{m=1..n−1} |cos(π m h / n)|.
      sp.rhos.forEach((rho, t) => {
        let want = 0;
        for (let m = 1; m < n; m++) want = Math.max(want, Math.abs(Math.cos((Math.PI * m * 2 ** t) / n)));
        expect(rho).toBeCloseTo(want, 12);
      });
      if (n === 8) {
        for (const v of periodProduct(s)) expect(v).toBe(1 / 8);
        expect(sp.productRho).toBeLessThan(1e-12);
      } else {
        expect(sp.productRho).toBeGreaterThan(1e-3); // not a power of 2: no exact averaging in one period
        expect(sp.productRho).toBeLessThan(1);
      }
    }
  });

  it('one-peer exponential, symmetric: round t pairs i with i XOR 2^t at weight 1/2; ρ_t = 1; Π_t W_t = J exactly (ρ_Π = 0)', () => {
    const s = schedule({ kind: 'hypercube', nodes: 8, schedule: { kind: 'one-peer-exponential', form: 'symmetric' } });
    expect(s.period).toBe(3);
    s.rounds.forEach((r, t) => {
      r.rows.forEach((row, i) => {
        const partner = i ^ (1 << t);
        expect(Array.from(row.ids)).toEqual([i, partner].sort((a, b) => a - b));
        expect(Array.from(row.weights)).toEqual([0.5, 0.5]);
      });
    });
    for (const v of periodProduct(s)) expect(v).toBe(1 / 8);
    const sp = scheduleSpectral(s);
    for (const rho of sp.rhos) expect(rho).toBeCloseTo(1, 12);
    expect(sp.productRho).toBeLessThan(1e-12);
  });

  it('random matching: n even → exactly one peer each; n odd → exactly one idle node (row [1]); rounds differ', () => {
    const even = schedule({ kind: 'complete', nodes: 6, schedule: { kind: 'random-matching', period: 4 } });
    for (const r of even.rounds)
      for (const [i, row] of r.rows.entries()) {
        expect(row.ids.length).toBe(2);
        expect(Array.from(row.weights)).toEqual([0.5, 0.5]);
        const j = row.ids[0] === i ? row.ids[1] : row.ids[0];
        expect(Array.from(r.rows[j].ids)).toContain(i);
      }
    const keys = new Set(even.rounds.map((r) => r.rows.map((x) => Array.from(x.ids).join('-')).join('|')));
    expect(keys.size).toBeGreaterThan(1);
    const odd = schedule({ kind: 'complete', nodes: 7, schedule: { kind: 'random-matching', period: 4 } });
    for (const r of odd.rounds) expect(r.rows.filter((x) => x.ids.length === 1 && x.weights[0] === 1)).toHaveLength(1);
  });

  it('dropout p = 0 reproduces the base Metropolis W in every round (exact)', () => {
    const topo = { kind: 'erdos-renyi', nodes: 9, p: 0.4 };
    const base = buildTopology({ weights: 'metropolis', lazy: false, ...topo } as never, topologyRng(1));
    const s = schedule({ ...topo, schedule: { kind: 'dropout', p: 0, period: 3 } });
    for (const r of s.rounds) {
      r.rows.forEach((row, i) => {
        const ref = mixingRow(base.mixing, i);
        expect(Array.from(row.ids)).toEqual(Array.from(ref.ids));
        expect(Array.from(row.weights)).toEqual(Array.from(ref.weights)); // bit for bit (same diagonal formula)
      });
    }
  });

  it('dropout p = 0.5: survivors are base edges, weighted 1/(1 + max(d_i, d_j)) on the survivors’ degrees', () => {
    const s = schedule({ kind: 'ring', nodes: 8, schedule: { kind: 'dropout', p: 0.5, period: 8 } });
    let dropped = 0;
    for (const r of s.rounds) {
      const deg = r.rows.map((x) => x.ids.length - 1);
      r.rows.forEach((row, i) => {
        row.ids.forEach((j, p) => {
          if (j === i) return;
          expect([(i + 1) % 8, (i + 7) % 8]).toContain(j);
          expect(row.weights[p]).toBe(1 / (1 + Math.max(deg[i], deg[j])));
        });
        dropped += 2 - deg[i];
      });
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it('cycle: round 0 is the base, then the given graphs in order; inherits weights and lazy', () => {
    const s = schedule({ kind: 'ring', nodes: 5, schedule: { kind: 'cycle', then: [{ kind: 'complete' }] } });
    expect(s.period).toBe(2);
    expect(Array.from(s.rounds[0].rows[0].weights)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    for (const row of s.rounds[1].rows) expect(Array.from(row.weights)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    const sp = scheduleSpectral(s);
    expect(sp.rhos[1]).toBeLessThan(1e-15); // W = J
    expect(sp.productRho).toBeLessThan(1e-15); // W_ring · J = J
    expect(sp.rhos[0]).toBeCloseTo((1 + 2 * Math.cos((2 * Math.PI) / 5)) / 3, 12); // the 5-ring's ρ = 0.5393 (paper-spec §1.3)
  });
});

describe('reductions through the simulator (byte-identical metrics.ndjson)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const run = async (topology: Record<string, unknown>, algorithm: Record<string, unknown> = { name: 'dproxsgt', eta: 0.05 }) => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-sched-'));
    dirs.push(dir);
    await runSimulation(
      loadConfig({
        seed: 4,
        iterations: 10,
        evalEvery: 5,
        batchSize: 8,
        algorithm,
        problem: {
          dataset: { name: 'breast-cancer', testFraction: 0.2 },
          model: { kind: 'logistic', intercept: true },
          regularizer: { kind: 'l1', lambda: 1e-3 },
        },
        topology,
      }),
      { outDir: dir },
    );
    return readFileSync(join(dir, 'metrics.ndjson'), 'utf8');
  };
  it('a cycle of one graph is the static topology; dropout p = 0 on a ring is the static ring', async () => {
    const plain = await run({ kind: 'ring', nodes: 5 });
    expect(await run({ kind: 'ring', nodes: 5, schedule: { kind: 'cycle', then: [] } })).toBe(plain);
    expect(await run({ kind: 'ring', nodes: 5, schedule: { kind: 'dropout', p: 0, period: 2 } })).toBe(plain);
    expect(await run({ kind: 'ring', nodes: 5, schedule: { kind: 'cycle', then: [{ kind: 'complete' }] } })).not.toBe(plain);
  });
  it('summary.json names the schedule beside the base graph', async () => {
    const cfg = (topology: Record<string, unknown>) =>
      loadConfig({
        iterations: 2,
        evalEvery: 1,
        algorithm: { name: 'dproxsgt', eta: 0.05 },
        problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' } },
        topology,
      });
    expect(
      (await runSimulation(cfg({ kind: 'ring', nodes: 4, schedule: { kind: 'one-peer-exponential' } }), { outDir: null })).summary.topology,
    ).toBe('ring(n=4), schedule one-peer-exponential(2 rounds)');
    expect((await runSimulation(cfg({ kind: 'ring', nodes: 4 }), { outDir: null })).summary.topology).toBe('ring(n=4)');
  });
  it('deepstorm and dpsgd: a cycle of one graph is the static topology', async () => {
    for (const algorithm of [
      { name: 'deepstorm', eta: 0.05, initBatches: 2 },
      { name: 'dpsgd', eta: 0.05 },
    ]) {
      expect(await run({ kind: 'ring', nodes: 4, schedule: { kind: 'cycle', then: [] } }, algorithm)).toBe(
        await run({ kind: 'ring', nodes: 4 }, algorithm),
      );
    }
  });
});

describe('tracking invariant mean(y) = mean(g) for every schedule (DProxSGT) and mean(y) = mean(d) (DEEPSTORM)', () => {
  const d = 5;
  it.each(
    KINDS.flatMap(
      ([label, topo]) =>
        [
          [`dproxsgt, ${label}`, topo, 'dproxsgt'],
          [`deepstorm, ${label}`, topo, 'deepstorm'],
        ] as const,
    ),
  )('%s', async (_l, topo, name) => {
    const s = schedule(topo);
    const n = s.n;
    const q = makeQuadratics({ n, d, m: 4, seed: 9 });
    const net = new ScheduledMemoryNetwork({ schedule: s, byteLength: () => 8 });
    const layers = [{ name: 'w', offset: 0, length: d, shape: [d] }];
    const contexts = Array.from(
      { length: n },
      (_, i): NodeContext => ({
        id: i,
        n,
        peers: scheduleRow(s, 0, i),
        peersAt: (k) => scheduleRow(s, k, i),
        dim: d,
        layers,
        oracle: quadraticOracle(q, i, { noise: 1, seed: 3 }),
        prox: proxFromSpec({ kind: 'l1', lambda: 0.1 })(layers),
        compressX: compressorFactory({ kind: 'identity' })(layers, Rng.derive(1, i, 'compress-x')),
        compressY: compressorFactory({ kind: 'identity' })(layers, Rng.derive(1, i, 'compress-y')),
        comm: net.communicator(i),
      }),
    );
    const algorithm = algorithmFactory(name)({ ...PARAMS, eta: 0.05 });
    const x0 = Array.from({ length: n }, (_, i) => Float64Array.from({ length: d }, (_, j) => Math.sin(i + 2 * j)));
    const ls = createLockstep({ algorithm, contexts, x0 });
    await ls.init();
    let worst = 0;
    for (let k = 0; k < 3 * s.period + 2; k++) {
      await ls.step(k);
      const states = ls.states();
      for (let j = 0; j < d; j++) {
        let my = 0,
          mg = 0;
        for (const st of states) {
          my += algorithm.tracker(st)![j] / n;
          mg += algorithm.lastGradient(st)![j] / n;
        }
        worst = Math.max(worst, Math.abs(my - mg));
      }
    }
    expect(worst).toBeLessThan(1e-10);
    expect(net.pending()).toBe(0);
  });
});

describe('bad inputs', () => {
  const raw = (topology: Record<string, unknown>, algorithm = 'dproxsgt') => ({
    iterations: 10,
    evalEvery: 5,
    algorithm: { name: algorithm, eta: 0.1 },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' } },
    topology,
  });
  it.each([
    ['p = 1', { kind: 'dropout', p: 1 }],
    ['p < 0', { kind: 'dropout', p: -0.1 }],
    ['p missing', { kind: 'dropout' }],
    ['period 0', { kind: 'random-matching', period: 0 }],
    ['period 1.5', { kind: 'random-matching', period: 1.5 }],
    ['unknown kind', { kind: 'gossip' }],
    ['unknown key', { kind: 'one-peer-exponential', period: 3 }],
    ['unknown form', { kind: 'one-peer-exponential', form: 'ring' }],
    ['cycle without then', { kind: 'cycle' }],
    ['then item without kind', { kind: 'cycle', then: [{ nodes: 4 }] }],
  ])('schema: %s → PROXMESH_ERR_CONFIG', (_l, sched) => {
    expect(codeOf(() => loadConfig(raw({ kind: 'ring', nodes: 4, schedule: sched })))).toBe('PROXMESH_ERR_CONFIG');
  });

  it.each(['cdproxsgt', 'beer', 'choco', 'allreduce'])(
    '%s with a schedule → PROXMESH_ERR_CONFIG_INCONSISTENT naming /topology/schedule',
    (algorithm) => {
      let err: ProxmeshError | null = null;
      try {
        loadConfig(raw({ kind: 'ring', nodes: 4, schedule: { kind: 'cycle', then: [] } }, algorithm));
      } catch (e) {
        err = e as ProxmeshError;
      }
      expect(err?.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
      expect(err?.message).toContain('/topology/schedule');
      expect(err?.message).toContain('dproxsgt, proxgtsa, dpsgd, deepstorm');
    },
  );
  it.each(['dproxsgt', 'proxgtsa', 'dpsgd', 'deepstorm'])('%s with a schedule loads', (algorithm) => {
    expect(codeOf(() => loadConfig(raw({ kind: 'ring', nodes: 4, schedule: { kind: 'random-matching' } }, algorithm)))).toBe('ok');
  });

  it.each([
    [
      'symmetric one-peer-exponential on 6 nodes',
      { kind: 'ring', nodes: 6, schedule: { kind: 'one-peer-exponential', form: 'symmetric' } },
      'power of 2',
    ],
    [
      'symmetric one-peer-exponential on 1 node',
      { kind: 'complete', nodes: 1, schedule: { kind: 'one-peer-exponential', form: 'symmetric' } },
      'power of 2',
    ],
    ['directed one-peer-exponential on 1 node', { kind: 'complete', nodes: 1, schedule: { kind: 'one-peer-exponential' } }, 'nodes ≥ 2'],
    [
      'then item with other nodes',
      { kind: 'ring', nodes: 4, schedule: { kind: 'cycle', then: [{ kind: 'ring', nodes: 5 }] } },
      'then[0].nodes',
    ],
    ['then item of unknown kind', { kind: 'ring', nodes: 4, schedule: { kind: 'cycle', then: [{ kind: 'moebius' }] } }, 'then[0]'],
    [
      'then item with a bad parameter',
      { kind: 'ring', nodes: 4, schedule: { kind: 'cycle', then: [{ kind: 'ring', degree: 3 }] } },
      'then[0]',
    ],
    [
      'then item with its own schedule',
      { kind: 'ring', nodes: 4, schedule: { kind: 'cycle', then: [{ kind: 'ring', schedule: { kind: 'cycle', then: [] } }] } },
      'then[0]',
    ],
  ])('build: %s → PROXMESH_ERR_TOPOLOGY', (_l, topo, part) => {
    let err: ProxmeshError | null = null;
    try {
      schedule(topo);
    } catch (e) {
      err = e as ProxmeshError;
    }
    expect(err?.code).toBe('PROXMESH_ERR_TOPOLOGY');
    expect(err?.message).toContain(part);
  });
});
