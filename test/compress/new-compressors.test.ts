/**
 * The compressors of issue 13 item 4 beyond the shared conformance suite: natural compression,
 * random dithering / TernGrad ternary and low-rank (PowerSGD). Exact values where the maths gives
 * them, their wire forms byte for byte (fixtures, every truncation, every malformed field), the
 * codec round trip and the information bound for real messages, and bad specs.
 */
import { describe, expect, it } from 'vitest';
import { compressorFactory, resolveCompressorSpec } from '../../node/compress/registry.ts';
import type { CompressorSpecInput } from '../../node/compress/spec.ts';
import { decodeMessage } from '../../node/compress/decode.ts';
import type { Compressor, Message } from '../../node/compress/types.ts';
import { decodePayload, encodePayload, payloadByteLength } from '../../node/codec/payload.ts';
import { informationBoundBits } from '../../node/codec/information-bound.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';
import type { LayerMap } from '../../node/linalg/layers.ts';
import { dimOf, distSq, firstBitDiff, layersOf, matrixLayers, randomVector, snapshot, sumSq } from './helpers.ts';
import { codeOf } from '../support/error-code.ts';

function make(spec: CompressorSpecInput, layers: LayerMap, seed = 1): Compressor {
  return compressorFactory(spec)(layers, Rng.derive(seed, 0, 'compress-x'));
}

function compress(c: Compressor, x: Float64Array): { m: Message; d: Float64Array } {
  const d = new Float64Array(x.length);
  return { m: c.compress(x, d), d };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

describe('natural compression', () => {
  const flat = layersOf([9]);

  it('powers of two (and 0) pass unchanged; every value is one of the two powers of two around x_j', () => {
    const c = make({ kind: 'natural' }, flat);
    const x = Float64Array.of(1, -0.5, 0, 2 ** -1074, 2 ** 1023, -(2 ** -20), 3, -5.5, 1e-310);
    for (let t = 0; t < 50; t++) {
      const { d } = compress(c, x);
      for (let j = 0; j < 6; j++) expect(d[j]).toBe(x[j]);
      expect([2, 4]).toContain(d[6]);
      expect([-4, -8]).toContain(d[7]);
      expect(Math.abs(d[8]) === 2 ** -1030 || Math.abs(d[8]) === 2 ** -1029).toBe(true); // 1e-310 ∈ [2^−1030, 2^−1029)
    }
  });

  it('edge cases: ±∞ travel as ±∞, NaN as 0, |x| ≥ 2^1023 rounds down to 2^1023', () => {
    const c = make({ kind: 'natural' }, layersOf([4]));
    const x = Float64Array.of(Infinity, -Infinity, Number.NaN, 1.75 * 2 ** 1023);
    const { m, d } = compress(c, x);
    expect(Array.from(d)).toEqual([Infinity, -Infinity, 0, 2 ** 1023]);
    expect(firstBitDiff(decodeMessage(decodePayload(encodePayload(m), 4), new Float64Array(4)), d)).toBe(-1);
  });

  it('unbiased with the exact variance v²·p(1−p)/(1+p)²: 1/8 of v² at p = 1/3 (v = 4/3)', () => {
    const c = make({ kind: 'natural' }, layersOf([1]), 9);
    const x = Float64Array.of(4 / 3);
    const N = 20000;
    let s1 = 0,
      s2 = 0,
      up = 0;
    for (let t = 0; t < N; t++) {
      const { d } = compress(c, x);
      s1 += d[0];
      s2 += (d[0] - x[0]) ** 2;
      if (d[0] === 2) up++;
    }
    // Q ∈ {1, 2}, P(2) = 1/3: the count is Binomial(N, 1/3), sd = √(N·2/9) ≈ 66.7 — 5 sd bounds.
    expect(Math.abs(up - N / 3)).toBeLessThan(5 * Math.sqrt((N * 2) / 9));
    // Given the count, mean and variance are exact functions of it.
    expect(s1).toBeCloseTo(N + up, 9);
    expect(s2 / N).toBeCloseTo(((N - up) * (1 / 9) + up * (4 / 9)) / N, 12);
    expect(c.info).toMatchObject({ unbiased: true, omega: 1 / 8, alpha2: 1 / 8, random: true });
  });

  it('wire: sign + exponent, 1 + β bits per coordinate with β the bit length of the exponent span', () => {
    const c = make({ kind: 'natural' }, layersOf([1000]));
    const x = Float64Array.from({ length: 1000 }, (_, j) => (j % 2 ? -1 : 1) * 2 ** ((j % 7) - 3)); // exponents −3…3 → codes 1…7
    const { m, d } = compress(c, x);
    expect(firstBitDiff(d, x)).toBe(-1);
    // tag 1, dim varint 2, emin varint 2 (1071), β u8 1, then 1000·(1 + 3) bits = 500 bytes
    expect(payloadByteLength(m)).toBe(1 + 2 + 2 + 1 + 500);
    expect(informationBoundBits(m)).toBeCloseTo(1000 * Math.log2(15), 9);
  });
});

describe('random dithering / TernGrad ternary', () => {
  it('ternary (defaults s = 1, linf): values in {−‖v‖∞, 0, ‖v‖∞}; the max coordinate is always kept', () => {
    expect(resolveCompressorSpec({ kind: 'dither' })).toEqual({
      kind: 'dither',
      levels: 1,
      norm: 'linf',
      scope: 'layer',
      scalePrecision: 'f64',
    });
    const layers = layersOf([6, 3]);
    const c = make({ kind: 'dither' }, layers);
    const x = Float64Array.of(0.5, -2, 1, 0, 0.25, -1.5, 3, -3, 0.1);
    for (let t = 0; t < 50; t++) {
      const { m, d } = compress(c, x);
      expect(m.values.kind === 'levels' && m.values.s).toBe(1);
      for (let j = 0; j < 6; j++) expect([-2, 0, 2]).toContain(d[j]);
      for (let j = 6; j < 9; j++) expect([-3, 0, 3]).toContain(d[j]);
      expect(d[1]).toBe(-2);
      expect(d[3]).toBe(0);
      expect(d[6]).toBe(3);
      expect(d[7]).toBe(-3);
      for (let j = 0; j < 9; j++) expect(d[j] === 0 || Math.sign(d[j]) === Math.sign(x[j])).toBe(true);
    }
    // ω = min(d/4, √d) for the largest block (d = 6): 1.5 ≥ 1, so no α² is claimed.
    expect(c.info).toMatchObject({ unbiased: true, omega: 1.5, alpha2: null });
  });

  it('s levels with the l2 norm: |Q_j| is a multiple of ‖v‖₂/s next to |v_j|', () => {
    const c = make({ kind: 'dither', levels: 4, norm: 'l2', scope: 'global' }, layersOf([4]));
    const x = Float64Array.of(3, -4, 0, 0); // ‖v‖ = 5, scale 1.25
    for (let t = 0; t < 30; t++) {
      const { d } = compress(c, x);
      expect([2.5, 3.75]).toContain(d[0]); // 3 = 2.4 levels
      expect([-3.75, -5]).toContain(d[1]); // 4 = 3.2 levels
    }
    expect(c.info.omega).toBeCloseTo(Math.min(4 / 64, 2 / 4), 15);
  });
});

describe('low-rank (PowerSGD)', () => {
  it('a rank-1 matrix is reproduced after one power iteration (to f64 rounding); vectors pass raw', () => {
    const layers = matrixLayers([[6, 5], [5]]);
    const c = make({ kind: 'lowrank', rank: 1 }, layers);
    const u = [1, -2, 0.5, 3, 0, 1.5],
      v = [2, 1, -1, 0.25, 4];
    const x = new Float64Array(35);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) x[i * 5 + j] = u[i] * v[j];
    for (let j = 0; j < 5; j++) x[30 + j] = j - 2.5;
    const { m, d } = compress(c, x);
    expect(m.values.kind === 'lowrank' && Array.from(m.values.segments)).toEqual([6, 5, 1, 5, 1, 0]);
    expect(m.values.kind === 'lowrank' && m.values.data.length).toBe(6 + 5 + 5);
    expect(distSq(d, x)).toBeLessThan(1e-26 * sumSq(x));
    for (let j = 30; j < 35; j++) expect(d[j]).toBe(x[j]);
  });

  it('vectorRatio: layers that are not factored keep their top-k (ties to the lower index), the message becomes sparse', () => {
    const layers = matrixLayers([[6, 5], [5], [2, 2]]);
    const c = make({ kind: 'lowrank', rank: 1, vectorRatio: 0.4 }, layers);
    const x = new Float64Array(39);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) x[i * 5 + j] = (i + 1) * (j - 2); // rank 1
    x.set([0.5, -3, 1, 3, -0.25], 30); // top-2 of |·|: the two 3s (indices 31, 33)
    x.set([1, -1, 1, 2], 35); // 2×2 at rank 1 is not factored (1·4 ≥ 4): top-1 = index 38
    const { m, d } = compress(c, x);
    expect(Array.from(m.indices!)).toEqual([...Array.from({ length: 30 }, (_, j) => j), 31, 33, 38]);
    expect(m.values.kind === 'lowrank' && Array.from(m.values.segments)).toEqual([6, 5, 1, 2, 1, 0, 1, 1, 0]);
    expect(Array.from(d.subarray(30))).toEqual([0, -3, 0, 3, 0, 0, 0, 0, 2]);
    expect(distSq(d.subarray(0, 30), x.subarray(0, 30))).toBeLessThan(1e-26 * sumSq(x));
    expect(c.info.name).toBe('lowrank(rank=1,vectorRatio=0.4)');
  });

  it('matrices where r(m + n) ≥ m·n are sent raw, exactly (3×4 at rank 2; 1×7)', () => {
    const layers = matrixLayers([
      [3, 4],
      [1, 7],
      [0, 3],
    ]);
    const c = make({ kind: 'lowrank', rank: 2 }, layers);
    const x = randomVector(Rng.derive(3, 0, 'x'), 19);
    const { m, d } = compress(c, x);
    expect(m.values.kind === 'lowrank' && Array.from(m.values.segments)).toEqual([12, 1, 0, 7, 1, 0]);
    expect(firstBitDiff(d, x)).toBe(-1);
    expect(c.info.random).toBe(false);
  });

  it('projection: ‖x − Q(x)‖² ≤ ‖x‖² on every call (non-expansive), and the residual is orthogonal to Q(x)', () => {
    const layers = matrixLayers([
      [8, 6],
      [4, 9],
    ]);
    const c = make({ kind: 'lowrank', rank: 2 }, layers);
    const rng = Rng.derive(4, 0, 'x');
    for (let t = 0; t < 30; t++) {
      const x = randomVector(rng, dimOf(layers));
      const { d } = compress(c, x);
      expect(distSq(x, d)).toBeLessThanOrEqual(sumSq(x) * (1 + 1e-12));
      let dot = 0;
      for (let j = 0; j < x.length; j++) dot += (x[j] - d[j]) * d[j];
      expect(Math.abs(dot)).toBeLessThan(1e-12 * sumSq(x));
    }
  });

  it('the warm start makes repeated calls a power iteration: error → Σ_{i>r} σ_i² (Eckart–Young)', () => {
    // M = diag(5, 3, 1, 0.5, 0.1) padded to 6×5: singular values known, best rank-1 error 9 + 1 + 0.25 + 0.01.
    const x = new Float64Array(30);
    for (const [i, s] of [5, 3, 1, 0.5, 0.1].entries()) x[i * 5 + i] = s;
    const c = make({ kind: 'lowrank', rank: 1 }, matrixLayers([[6, 5]]));
    let err = Infinity;
    for (let t = 0; t < 60; t++) err = distSq(x, compress(c, x).d);
    expect(err).toBeCloseTo(10.26, 10);
    // A fresh instance each call (no warm start carried) stays at its first, worse error.
    const first = distSq(x, compress(make({ kind: 'lowrank', rank: 1 }, matrixLayers([[6, 5]])), x).d);
    expect(first).toBeGreaterThan(10.26 + 1e-3);
  });

  it('a zero input keeps the warm start (the next call still recovers the matrix)', () => {
    const layers = matrixLayers([[4, 4]]);
    const c = make({ kind: 'lowrank', rank: 1 }, layers);
    const { d: d0 } = compress(c, new Float64Array(16));
    expect(Array.from(d0)).toEqual(new Array(16).fill(0));
    const x = Float64Array.from({ length: 16 }, (_, k) => (Math.floor(k / 4) + 1) * ((k % 4) - 1.5));
    expect(distSq(compress(c, x).d, x)).toBeLessThan(1e-26 * sumSq(x));
  });
});

describe('new wire forms: round trip, byte length and information bound on real messages', () => {
  const specs: CompressorSpecInput[] = [
    { kind: 'natural' },
    { kind: 'chain', steps: [{ kind: 'topk', ratio: 0.3 }, { kind: 'natural' }] },
    { kind: 'dither' },
    { kind: 'dither', levels: 8, norm: 'l2', scalePrecision: 'f32' },
    { kind: 'lowrank', rank: 1 },
    { kind: 'lowrank', rank: 3, precision: 'f16' },
    { kind: 'lowrank', rank: 2, vectorRatio: 0.25, precision: 'f32' },
  ];
  const layers = matrixLayers([[20, 12], [12], [5, 5], [1]]);
  it.each(specs.map((s) => [JSON.stringify(s), s] as const))('%s', (_l, spec) => {
    const c = make(spec, layers);
    const rng = Rng.derive(21, 0, 'x');
    for (let t = 0; t < 10; t++) {
      const x = randomVector(rng, dimOf(layers), t + 1);
      const { m, d } = compress(c, x);
      const bytes = encodePayload(m);
      expect(bytes.length).toBe(payloadByteLength(m));
      const back = decodePayload(bytes, m.dim);
      expect(snapshot(back)).toEqual(snapshot(m));
      expect(firstBitDiff(decodeMessage(back, new Float64Array(m.dim)), d)).toBe(-1);
      const bound = informationBoundBits(m);
      expect(bound).toBeGreaterThan(0);
      expect(bound).toBeLessThanOrEqual(8 * bytes.length);
    }
  });
});

describe('new wire forms: fixtures, truncations, malformed input', () => {
  const FIXTURES: Array<{ name: string; m: Message; hex: string; decoded: number[] }> = [
    {
      name: 'pow2 dense: emin −1, codes [1, −3, 0, 2]',
      m: { dim: 4, indices: null, values: { kind: 'pow2', emin: -1, codes: Int32Array.of(1, -3, 0, 2) } },
      // tag 0x40 · dim 4 · emin − (−1074) = 1073 = b1 08 · β = 2 · fields 001, 111, 000, 010 LSB-first
      hex: '40 04 b108 02 3904',
      decoded: [0.5, -2, 0, 1],
    },
    {
      name: 'pow2 all zero (β = 0, no fields)',
      m: { dim: 3, indices: null, values: { kind: 'pow2', emin: 0, codes: Int32Array.of(0, 0, 0) } },
      hex: '40 03 b208 00',
      decoded: [0, 0, 0],
    },
    {
      name: 'low-rank f16: 2×2 rank 1 then a raw 2-vector',
      m: {
        dim: 6,
        indices: null,
        values: {
          kind: 'lowrank',
          precision: 'f16',
          segments: Int32Array.of(2, 2, 1, 2, 1, 0),
          data: Float64Array.of(1, 2, 0.5, -1, 3, 4),
        },
      },
      // tag 0x80 | f16 << 3 · dim 6 · S 2 · (2, 2, 1) (2, 1, 0) · P = 1, 2 · Q = 0.5, −1 · raw 3, 4
      hex: '90 06 02 020201 020100 003c 0040 0038 00bc 0042 0044',
      decoded: [0.5, -1, 1, -2, 3, 4],
    },
  ];
  for (const fx of FIXTURES) {
    it(`${fx.name}: exact bytes and decoding`, () => {
      const bytes = encodePayload(fx.m);
      expect(hex(bytes)).toBe(fx.hex.replace(/\s+/g, ''));
      expect(payloadByteLength(fx.m)).toBe(bytes.length);
      expect(snapshot(decodePayload(bytes, fx.m.dim))).toEqual(snapshot(fx.m));
      expect(Array.from(decodeMessage(fx.m, new Float64Array(fx.m.dim)))).toEqual(fx.decoded);
    });
    it(`${fx.name}: every truncation → TRUNCATED, a trailing byte → MALFORMED`, () => {
      const bytes = fromHex(fx.hex);
      for (let n = 0; n < bytes.length; n++)
        expect(codeOf(() => decodePayload(bytes.subarray(0, n), fx.m.dim))).toBe('PROXMESH_ERR_FRAME_TRUNCATED');
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(codeOf(() => decodePayload(longer, fx.m.dim))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
    });
  }

  const BAD: Array<[string, string, number]> = [
    ['value form 3', 'c0 04 b108 02 3904', 4],
    ['levels bit with form 1', '42 04 b108 02 3904', 4],
    ['precision bits on pow2', '48 04 b108 02 3904', 4],
    ['emin offset beyond 2^1024', '40 01 b310 01 01', 1],
    ['β = 13', '40 04 b108 0d 3904', 4],
    ['β not the bit length of the largest code (3 for max 3)', '40 04 b108 03 0000', 4],
    ['negative zero code', '40 01 b108 02 04', 1],
    ['code exponent above 1024', '40 01 b210 02 02', 1],
    ['pow2 padding bits set', '40 01 b108 02 09', 1],
    ['low-rank rank > min(rows, cols)', '90 04 01 020203 003c003c003c003c003c003c003c003c003c003c', 4],
    ['low-rank zero rows', '90 04 02 000101 040100 003c003c003c003c', 4],
    ['low-rank segments cover too few', '90 06 01 020201 003c 0040 0038 00bc', 6],
    ['low-rank segments cover too many', '90 03 01 020201 003c 0040 0038 00bc', 3],
  ];
  it.each(BAD)('%s → MALFORMED', (_l, h, dim) => {
    expect(codeOf(() => decodePayload(fromHex(h), dim))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
  });
});

describe('bad specs of the new kinds → PROXMESH_ERR_COMPRESSOR naming the field', () => {
  const BAD: Array<[string, unknown, string[]]> = [
    ['natural with a key', { kind: 'natural', levels: 2 }, ['compressor.levels', 'no such property']],
    ['dither levels 0', { kind: 'dither', levels: 0 }, ['compressor.levels = 0', '1 ≤ s ≤']],
    ['dither levels 1.5', { kind: 'dither', levels: 1.5 }, ['compressor.levels = 1.5']],
    ['dither norm l1', { kind: 'dither', norm: 'l1' }, ['compressor.norm', "'l1'", 'linf | l2']],
    ['lowrank without rank', { kind: 'lowrank' }, ['compressor.rank = undefined', '1 ≤ r ≤ 1024']],
    ['lowrank rank 0', { kind: 'lowrank', rank: 0 }, ['compressor.rank = 0']],
    ['lowrank rank 2.5', { kind: 'lowrank', rank: 2.5 }, ['compressor.rank = 2.5']],
    ['lowrank rank 2000', { kind: 'lowrank', rank: 2000 }, ['compressor.rank = 2000']],
    ['lowrank vectorRatio 0', { kind: 'lowrank', rank: 1, vectorRatio: 0 }, ['compressor.vectorRatio = 0', '(0, 1]']],
    ['lowrank vectorRatio 1.5', { kind: 'lowrank', rank: 1, vectorRatio: 1.5 }, ['compressor.vectorRatio = 1.5']],
    ['lowrank vectorRatio string', { kind: 'lowrank', rank: 1, vectorRatio: '0.1' }, ['compressor.vectorRatio', "'0.1'"]],
    ['lowrank bad precision', { kind: 'lowrank', rank: 1, precision: 'bf16' }, ['compressor.precision', "'bf16'"]],
    [
      'lowrank in a chain',
      {
        kind: 'chain',
        steps: [
          { kind: 'topk', ratio: 0.5 },
          { kind: 'lowrank', rank: 1 },
        ],
      },
      ['compressor.steps[1].kind', 'lowrank factors'],
    ],
    [
      'natural before another step',
      { kind: 'chain', steps: [{ kind: 'natural' }, { kind: 'topk', ratio: 0.5 }] },
      ['compressor.steps[0].kind', 'only the last chain step'],
    ],
    ['dither before another step', { kind: 'chain', steps: [{ kind: 'dither' }, { kind: 'identity' }] }, ['compressor.steps[0].kind']],
  ];
  it.each(BAD)('%s', (_l, spec, parts) => {
    let err: unknown;
    try {
      compressorFactory(spec as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProxmeshError);
    const e = err as ProxmeshError;
    expect(e.code).toBe('PROXMESH_ERR_COMPRESSOR');
    for (const p of parts) expect(e.message).toContain(p);
  });
});
