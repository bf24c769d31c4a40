/**
 * Registrations made in this process through the API (no plug-in file): a model (least squares on
 * ±1 labels, dense features), a regularizer (a box) and a compressed algorithm, each validated by
 * the composed config schema and run by the simulator. The run is checked against the maths, not
 * against recorded numbers: the box holds every node's iterate, and the registered compressor is
 * the one the algorithm's messages went through.
 */
import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { registries } from '../../node/api/registries.ts';
import { loadConfig } from '../../node/config/load.ts';
import { registerAlgorithm, registerCompressor, registerModel, registerRegularizer } from '../../node/plugins/registry.ts';
import type { Dataset } from '../../node/problem/types.ts';
import type { LayerMap } from '../../node/linalg/layers.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { dpsgd } from '../../node/algo/dpsgd.ts';
import { decodeMessage } from '../../node/compress/decode.ts';
import { codeOf } from '../support/error-code.ts';

/** f(w) = mean_i ½(a_iᵀw − y_i)², y_i = ±1; ∇f = mean_i (a_iᵀw − y_i) a_i. */
function leastSquares(spec: { scale: number }, data: Dataset) {
  const X = data.features;
  if (X.kind !== 'dense') throw new Error('dense only');
  const d = X.cols;
  const layers: LayerMap = [{ name: 'w', offset: 0, length: d, shape: [d] }];
  const rows = (idx: Int32Array | null) => (idx === null ? Int32Array.from({ length: X.rows }, (_, i) => i) : idx);
  const residual = (w: Float64Array, i: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[i * d + j] * w[j];
    return s - (data.labels[i] === 1 ? 1 : -1);
  };
  return {
    kind: 'least-squares',
    dim: d,
    layers,
    nClasses: 2,
    loss(w: Float64Array, _data: Dataset, idx: Int32Array | null) {
      const r = rows(idx);
      let s = 0;
      for (const i of r) s += 0.5 * residual(w, i) ** 2;
      return s / r.length;
    },
    lossGrad(w: Float64Array, _data: Dataset, idx: Int32Array | null, grad: Float64Array) {
      const r = rows(idx);
      grad.fill(0);
      let s = 0;
      for (const i of r) {
        const e = residual(w, i);
        s += 0.5 * e * e;
        for (let j = 0; j < d; j++) grad[j] += (e * X.data[i * d + j]) / r.length;
      }
      return s / r.length;
    },
    accuracy(w: Float64Array, _data: Dataset, idx: Int32Array | null) {
      const r = rows(idx);
      let ok = 0;
      for (const i of r) ok += residual(w, i) + (data.labels[i] === 1 ? 1 : -1) > 0 === (data.labels[i] === 1) ? 1 : 0;
      return ok / r.length;
    },
    initRandom(rng: { normal(): number }, out: Float64Array) {
      for (let j = 0; j < d; j++) out[j] = spec.scale * rng.normal();
      return out;
    },
  };
}

let compressCalls = 0;
registerModel(
  'least-squares',
  (spec, data) => leastSquares(spec as { scale: number }, data),
  Type.Object({
    scale: Type.Number({ exclusiveMinimum: 0, default: 0.1, description: 'Standard deviation of the random initial point.' }),
  }),
);
registerRegularizer(
  'box-sym',
  (spec) => () => ({
    name: `box-sym(c=${spec.c})`,
    value: (x) => (x.every((v) => Math.abs(v) <= (spec.c as number)) ? 0 : Infinity),
    apply(v, _eta, out) {
      const c = spec.c as number;
      for (let j = 0; j < v.length; j++) out[j] = Math.min(c, Math.max(-c, v[j]));
      return out;
    },
  }),
  Type.Object({ c: Type.Number({ exclusiveMinimum: 0, description: 'Half-width c of the box [−c, c]^d.' }) }),
);
// f32 rounding of every value, counted: shows the compressed algorithm's messages go through it.
registerCompressor(
  'round32',
  (_spec, layers) => {
    const dim = layers.reduce((s, l) => Math.max(s, l.offset + l.length), 0);
    return {
      info: { name: 'round32()', alpha2: null, unbiased: false, omega: null, random: false },
      compress(x, decoded) {
        compressCalls++;
        const m = {
          dim,
          indices: null,
          values: { kind: 'float' as const, precision: 'f32' as const, data: Float64Array.from(x, Math.fround) },
        };
        decodeMessage(m, decoded);
        return m;
      },
    };
  },
  Type.Object({}),
);
// D-PSGD declared as compressed: its x messages go through Q_x.
registerAlgorithm('dpsgd-q', (params) => ({ ...dpsgd(params), name: 'dpsgd-q' }), Type.Object({}), { compressed: true });

const BASE = {
  seed: 9,
  iterations: 30,
  evalEvery: 10,
  batchSize: 16,
  problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'least-squares' }, regularizer: { kind: 'box-sym', c: 0.02 } },
  partition: { kind: 'iid' },
  topology: { kind: 'ring', nodes: 4 },
  init: { kind: 'random', scale: 1 },
};

describe('in-process registrations', () => {
  it('are listed by the registries after the built-ins', () => {
    expect(registries.models.names().slice(-1)).toEqual(['least-squares']);
    expect(registries.regularizers.names()).toContain('box-sym');
    expect(registries.algorithms.usesCompression('dpsgd-q')).toBe(true);
  });

  it('a registered model and regularizer run; the prox keeps every iterate in the box', async () => {
    const config = loadConfig({ ...BASE, algorithm: { name: 'dproxsgt', eta: 0.05 } });
    expect(config.problem.model).toEqual({ kind: 'least-squares', scale: 0.1 });
    const r = await runSimulation(config, { outDir: null });
    const last = r.rows.at(-1)!;
    // r is the box's indicator: finite (0) means x̄ is inside it, and f fell from its value at x⁰.
    expect(last.r).toBe(0);
    expect(last.f).toBeLessThan(r.rows[0].f);
    expect(r.summary).toMatchObject({ dim: 30 });
  }, 180_000);

  it('a compressed plug-in algorithm sends through the configured plug-in compressor', async () => {
    compressCalls = 0;
    const config = loadConfig({
      ...BASE,
      algorithm: { name: 'dpsgd-q', eta: 0.05 },
      compression: { x: { kind: 'round32' }, y: { kind: 'round32' } },
    });
    const r = await runSimulation(config, { outDir: null });
    expect(r.summary).toMatchObject({ algorithm: 'dpsgd-q', compressorX: 'round32()' });
    // One x message per node per iteration.
    expect(compressCalls).toBe(4 * 30);
    // An uncompressed built-in with a plug-in compressor is refused (the block would be ignored).
    expect(
      codeOf(() =>
        loadConfig({
          ...BASE,
          algorithm: { name: 'dproxsgt', eta: 0.05 },
          compression: { x: { kind: 'round32' }, y: { kind: 'identity' } },
        }),
      ),
    ).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
  });

  it('plug-in keys are validated: a missing required key is a config error naming it', () => {
    expect(() =>
      loadConfig({ ...BASE, algorithm: { name: 'dproxsgt', eta: 0.05 }, problem: { ...BASE.problem, regularizer: { kind: 'box-sym' } } }),
    ).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_CONFIG', message: expect.stringMatching(/problem\/regularizer.*'c'/) }));
  });
});
