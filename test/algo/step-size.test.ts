/**
 * Step-size schedules (issue 13 item 5): exact η(k) values of every kind, every bad input, every
 * algorithm reading η_k from the one function at its own k, and the constant schedule reproducing a
 * run without a schedule byte for byte.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { algorithmFactory } from '../../node/algo/registry.ts';
import { ALGORITHM_NAMES } from '../../node/algo/spec.ts';
import { etaAt, makeStepSize, type EtaScheduleInput } from '../../node/algo/step-size.ts';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { averagingRow } from '../../topologies/mixing.ts';
import { IDENTITY } from './fixtures/compressors.ts';
import { buildNet, oneLayer, PARAMS, started } from './fixtures/network.ts';
import { localGradient, makeQuadratics, quadraticOracle } from './fixtures/quadratic.ts';
import { rowsFromDense } from './fixtures/rows.ts';

const values = (eta: number, s: EtaScheduleInput | undefined, K: number, n: number) => {
  const f = makeStepSize(eta, s, K);
  return Array.from({ length: n }, (_, k) => f(k));
};

describe('η(k): exact values', () => {
  it('no schedule and constant return the very number η at every k', () => {
    for (const s of [undefined, { kind: 'constant' } as const, { kind: 'constant', warmup: 0 } as const]) {
      const f = makeStepSize(0.1, s, 100);
      for (let k = 0; k < 1000; k++) expect(Object.is(f(k), 0.1)).toBe(true);
    }
    expect(etaAt({ eta: 0.3 }, 7)).toBe(0.3);
    expect(etaAt({ eta: 0.3, stepSize: (k) => k }, 7)).toBe(7);
  });

  it('step decay η·factor^⌊k/every⌋', () => {
    expect(values(0.8, { kind: 'step', factor: 0.5, every: 3 }, 10, 10)).toEqual([0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1]);
    expect(values(1, { kind: 'step', factor: 1, every: 1 }, 10, 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it('cosine from η to η_min over T = horizon (default K), flat after T', () => {
    expect(values(1, { kind: 'cosine', horizon: 4 }, 100, 7)).toEqual([
      1,
      (1 + Math.cos(Math.PI / 4)) / 2,
      0.5,
      (1 + Math.cos((3 * Math.PI) / 4)) / 2,
      0,
      0,
      0,
    ]);
    expect(values(1, { kind: 'cosine', horizon: 4 }, 100, 3)[1]).toBeCloseTo(0.8535533905932737, 15);
    expect(values(2, { kind: 'cosine', etaMin: 0.5 }, 2, 4)).toEqual([2, 1.25, 0.5, 0.5]); // T = K = 2
  });

  it('linear warm-up multiplies by (k + 1)/W for k < W, then leaves the base schedule unchanged', () => {
    expect(values(1, { kind: 'constant', warmup: 4 }, 10, 6)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    expect(values(1, { kind: 'step', factor: 0.5, every: 2, warmup: 2 }, 10, 5)).toEqual([0.5, 1, 0.5, 0.5, 0.25]);
    expect(values(1, { kind: 'cosine', horizon: 2, warmup: 2 }, 10, 3)).toEqual([0.5, 0.5, 0]);
  });
});

describe('η(k): bad inputs → PROXMESH_ERR_CONFIG_INCONSISTENT naming the field', () => {
  const BAD: Array<[string, number, EtaScheduleInput, string]> = [
    ['η_min > η', 0.1, { kind: 'cosine', etaMin: 0.2 }, 'etaSchedule/etaMin'],
    ['η_min < 0', 0.1, { kind: 'cosine', etaMin: -1 }, 'etaSchedule/etaMin'],
    ['horizon 0', 0.1, { kind: 'cosine', horizon: 0 }, 'etaSchedule/horizon'],
    ['horizon 1.5', 0.1, { kind: 'cosine', horizon: 1.5 }, 'etaSchedule/horizon'],
    ['factor 0', 0.1, { kind: 'step', factor: 0, every: 1 }, 'etaSchedule/factor'],
    ['factor 1.5', 0.1, { kind: 'step', factor: 1.5, every: 1 }, 'etaSchedule/factor'],
    ['factor NaN', 0.1, { kind: 'step', factor: Number.NaN, every: 1 }, 'etaSchedule/factor'],
    ['every 0', 0.1, { kind: 'step', factor: 0.5, every: 0 }, 'etaSchedule/every'],
    ['every 2.5', 0.1, { kind: 'step', factor: 0.5, every: 2.5 }, 'etaSchedule/every'],
    ['warmup −1', 0.1, { kind: 'constant', warmup: -1 }, 'etaSchedule/warmup'],
    ['warmup 0.5', 0.1, { kind: 'constant', warmup: 0.5 }, 'etaSchedule/warmup'],
    ['unknown kind', 0.1, { kind: 'exp' } as never, 'etaSchedule/kind'],
    ['η = 0', 0, { kind: 'constant' }, 'etaSchedule/eta'],
  ];
  it.each(BAD)('%s', (_l, eta, s, field) => {
    let err: unknown;
    try {
      makeStepSize(eta, s, 10);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProxmeshError);
    expect((err as ProxmeshError).code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect((err as ProxmeshError).message).toContain(field);
  });

  const raw = (schedule: unknown) => ({
    iterations: 10,
    evalEvery: 5,
    algorithm: { name: 'dproxsgt', eta: 0.1, etaSchedule: schedule },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' } },
    topology: { kind: 'ring', nodes: 4 },
  });
  it('the config: schema errors for shapes, cross-field errors for η_min > η', () => {
    const code = (s: unknown) => {
      try {
        loadConfig(raw(s));
        return 'ok';
      } catch (e) {
        return (e as ProxmeshError).code;
      }
    };
    expect(code({ kind: 'cosine' })).toBe('ok');
    expect(code({ kind: 'step', factor: 0.5 })).toBe('PROXMESH_ERR_CONFIG'); // every missing
    expect(code({ kind: 'constant', bogus: 1 })).toBe('PROXMESH_ERR_CONFIG');
    expect(code({ kind: 'linear' })).toBe('PROXMESH_ERR_CONFIG');
    expect(code({ kind: 'cosine', etaMin: 0.5 })).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(loadConfig(raw({ kind: 'cosine' })).algorithm.etaSchedule).toEqual({ kind: 'cosine', etaMin: 0, warmup: 0 });
  });
});

describe('every algorithm uses η_k = stepSize(k) the same way', () => {
  // n = 1 (W = [1]): every algorithm but DEEPSTORM reduces to x^{k+1} = prox_{η_k r}(x^k − η_k ∇f(x^k))
  // (spec §9.3: y^k = g^k; the gossip terms (W − I) vanish). Choco and BEER have no prox: r = 0 here.
  const d = 4;
  const q = makeQuadratics({ n: 1, d, m: 6, seed: 3 });
  const schedule = makeStepSize(0.2, { kind: 'step', factor: 0.5, every: 2, warmup: 1 }, 8);
  const none = proxFromSpec({ kind: 'none' })(oneLayer(d));

  it.each(ALGORITHM_NAMES.filter((a) => a !== 'deepstorm'))('%s: n = 1 reproduces gradient descent with η_k, exactly', async (name) => {
    const calls: number[] = [];
    const stepSize = (k: number) => {
      calls.push(k);
      return schedule(k);
    };
    const rows = name === 'allreduce' ? [averagingRow(1, 0)] : rowsFromDense([[1]]);
    const { contexts } = buildNet({ rows, dim: d, oracles: [quadraticOracle(q, 0)], prox: none, compressX: IDENTITY });
    const x0 = Float64Array.of(1, -2, 0.5, 3);
    const ls = await started(algorithmFactory(name)({ ...PARAMS, stepSize }), contexts, [x0]);
    const x = Float64Array.from(x0);
    const g = new Float64Array(d);
    for (let k = 0; k < 8; k++) {
      await ls.step(k);
      localGradient(q, 0, x, g);
      const eta = schedule(k);
      for (let j = 0; j < d; j++) x[j] = x[j] - eta * g[j];
      const got = ls.models()[0];
      for (let j = 0; j < d; j++) expect(Math.abs(got[j] - x[j])).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(x[j])));
    }
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('deepstorm reads η_k once per step at its own k', async () => {
    const calls: number[] = [];
    const { contexts } = buildNet({
      rows: rowsFromDense([[1]]),
      dim: d,
      oracles: [quadraticOracle(q, 0)],
      prox: none,
      compressX: IDENTITY,
    });
    const ls = await started(
      algorithmFactory('deepstorm')({
        ...PARAMS,
        stepSize: (k) => {
          calls.push(k);
          return 0.1;
        },
      }),
      contexts,
      [new Float64Array(d)],
    );
    for (let k = 0; k < 5; k++) await ls.step(k);
    expect(calls).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('constant schedule ≡ no schedule, byte for byte (sim metrics.ndjson)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const run = async (algorithm: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-eta-'));
    dirs.push(dir);
    await runSimulation(
      loadConfig({
        seed: 3,
        iterations: 12,
        evalEvery: 4,
        batchSize: 8,
        algorithm,
        compression: { x: { kind: 'topk', ratio: 0.3 }, y: { kind: 'topk', ratio: 0.3 } },
        problem: {
          dataset: { name: 'breast-cancer', testFraction: 0.2 },
          model: { kind: 'logistic', intercept: true },
          regularizer: { kind: 'l1', lambda: 1e-3 },
        },
        topology: { kind: 'ring', nodes: 4 },
      }),
      { outDir: dir },
    );
    return readFileSync(join(dir, 'metrics.ndjson'), 'utf8');
  };
  it('cdproxsgt: none = constant = constant(warmup 0) = step(factor 1); cosine differs after k = 0', async () => {
    const base = { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 };
    const plain = await run(base);
    expect(await run({ ...base, etaSchedule: { kind: 'constant' } })).toBe(plain);
    expect(await run({ ...base, etaSchedule: { kind: 'constant', warmup: 0 } })).toBe(plain);
    expect(await run({ ...base, etaSchedule: { kind: 'step', factor: 1, every: 1 } })).toBe(plain);
    const cos = (await run({ ...base, etaSchedule: { kind: 'cosine' } })).trim().split('\n');
    const rows = plain.trim().split('\n');
    expect(cos[0]).toBe(rows[0]); // k = 0: nothing has stepped yet
    expect(cos[1]).not.toBe(rows[1]);
  });
});
