import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../node/compress/types.ts';
import { decodePayload, encodePayload, payloadByteLength, payloadCodec, validatePayload } from '../../node/codec/payload.ts';
import { informationBoundBits, log2Binomial } from '../../node/codec/information-bound.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { allForms, fromHex, hex, randomMessage } from './random-message.ts';
import { codeOf } from '../support/error-code.ts';

/** Field-by-field equality, floats compared by bits (so −0 ≠ 0). */
function expectSameMessage(a: Message, b: Message): void {
  expect(b.dim).toBe(a.dim);
  expect(b.indices === null ? null : Array.from(b.indices)).toEqual(a.indices === null ? null : Array.from(a.indices));
  expect(b.values.kind).toBe(a.values.kind);
  const bits = (x: Float64Array) => hex(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  if (a.values.kind === 'float' && b.values.kind === 'float') {
    expect(b.values.precision).toBe(a.values.precision);
    expect(bits(b.values.data)).toBe(bits(a.values.data));
  } else if (a.values.kind === 'levels' && b.values.kind === 'levels') {
    expect(b.values.s).toBe(a.values.s);
    expect(b.values.scalePrecision).toBe(a.values.scalePrecision);
    expect(Array.from(b.values.blockStarts)).toEqual(Array.from(a.values.blockStarts));
    expect(bits(b.values.scales)).toBe(bits(a.values.scales));
    expect(Array.from(b.values.levels)).toEqual(Array.from(a.values.levels));
  }
}

const f = (precision: 'f64' | 'f32' | 'f16', ...v: number[]) => ({ kind: 'float' as const, precision, data: Float64Array.from(v) });

/** Hand-verified encodings (layout in node/codec/payload.ts). */
const FIXTURES: Array<{ name: string; m: Message; hex: string }> = [
  {
    name: 'dense f32', // tag 08 (f32), dim 3, 1.0 = 3f800000, −2 = c0000000, 0.5 = 3f000000 (LE)
    m: { dim: 3, indices: null, values: f('f32', 1, -2, 0.5) },
    hex: '08 03 0000803f 000000c0 0000003f',
  },
  {
    name: 'dense f64 with −0', // tag 00, dim 2, 1.0 = 3ff0…, −0 = 8000…
    m: { dim: 2, indices: null, values: f('f64', 1, -0) },
    hex: '00 02 000000000000f03f 0000000000000080',
  },
  {
    name: 'sparse f16, delta indices', // tag 11, dim 300 = ac 02, k 2, idx 5, gap 195 = c3 01; 1.0 = 3c00, −65504 = fbff
    m: { dim: 300, indices: Uint32Array.of(5, 200), values: f('f16', 1, -65504) },
    hex: '11 ac02 02 05 c301 003c fffb',
  },
  {
    name: 'sparse f64, bitmap indices', // tag 05, dim 10, k 3, bitmap 00001001 00000010 (bitmap 2 B < delta 3 B)
    m: { dim: 10, indices: Uint32Array.of(0, 3, 9), values: f('f64', 2, 0.25, -1) },
    hex: '05 0a 03 09 02 0000000000000040 000000000000d03f 000000000000f0bf',
  },
  {
    name: 'sparse f32, tie → bitmap', // dim 16: delta (0, 1) = 2 B = bitmap 2 B; tag 0d
    m: { dim: 16, indices: Uint32Array.of(0, 1), values: f('f32', 1, 1) },
    hex: '0d 10 02 0300 0000803f 0000803f',
  },
  {
    name: 'dense levels, s = 1', // tag 0a (levels, f32 scale), dim 4, s 1, B 1, scale 0.5; 2-bit codes 2,0,1,2 → 0b10_01_00_10 = 92
    m: {
      dim: 4,
      indices: null,
      values: {
        kind: 'levels',
        s: 1,
        scalePrecision: 'f32',
        blockStarts: Int32Array.of(0),
        scales: Float64Array.of(0.5),
        levels: Int32Array.of(1, -1, 0, 1),
      },
    },
    hex: '0a 04 01 01 0000003f 92',
  },
  {
    // tag 37 = sparse|levels|bitmap|f16|sentinel; dim 20, k 3, bitmap 06 00 02 (tie 3 B vs 3 B);
    // s 2 (β = 3), B 2, block length 2, scales 1.0 = 3c00, 0.5 = 3800; codes 0,4,3 → bits 000 001 11|0 → e0 00
    name: 'sparse levels, two blocks with end sentinel',
    m: {
      dim: 20,
      indices: Uint32Array.of(1, 2, 17),
      values: {
        kind: 'levels',
        s: 2,
        scalePrecision: 'f16',
        blockStarts: Int32Array.of(0, 2, 3),
        scales: Float64Array.of(1, 0.5),
        levels: Int32Array.of(-2, 2, 1),
      },
    },
    hex: '37 14 03 060002 02 02 02 003c 0038 e000',
  },
  {
    name: 'sparse levels, delta indices', // tag 03, dim 1000 = e8 07, k 1, idx 999 = e7 07, s 1, B 1, scale 0.125 f64, code 0
    m: {
      dim: 1000,
      indices: Uint32Array.of(999),
      values: {
        kind: 'levels',
        s: 1,
        scalePrecision: 'f64',
        blockStarts: Int32Array.of(0),
        scales: Float64Array.of(0.125),
        levels: Int32Array.of(-1),
      },
    },
    hex: '03 e807 01 e707 01 01 000000000000c03f 00',
  },
];

describe('payload codec: fixtures', () => {
  for (const fx of FIXTURES) {
    it(`${fx.name}: exact bytes, length, decode`, () => {
      const bytes = encodePayload(fx.m);
      expect(hex(bytes)).toBe(fx.hex.replace(/\s+/g, ''));
      expect(payloadByteLength(fx.m)).toBe(bytes.length);
      expectSameMessage(fx.m, decodePayload(fromHex(fx.hex), fx.m.dim));
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
});

describe('payload codec: random round trips', () => {
  it('payloadByteLength = encoded length and decode reproduces the message, for every form', () => {
    const rng = Rng.derive(42, 0, 'codec-roundtrip');
    for (const form of allForms()) {
      for (let t = 0; t < 40; t++) {
        const m = randomMessage(rng, form);
        const bytes = payloadCodec.encodePayload(m);
        expect(payloadCodec.payloadByteLength(m)).toBe(bytes.length);
        expectSameMessage(m, payloadCodec.decodePayload(bytes, m.dim));
        validatePayload(bytes, m.dim);
      }
    }
  });

  it('picks the smaller index section (bitmap bit set iff bitmap ≤ delta)', () => {
    // dim 800: bitmap = 100 B. 50 indices spaced 16 apart: 50 B delta → delta. 200 indices spaced 4 → 200 B → bitmap.
    const sparse = (step: number, k: number): Message => ({
      dim: 800,
      indices: Uint32Array.from({ length: k }, (_, j) => j * step),
      values: f('f64', ...new Array(k).fill(1)),
    });
    const a = encodePayload(sparse(16, 50));
    expect(a[0] & 0x04).toBe(0);
    expect(a.length).toBe(1 + 2 + 1 + 50 + 400);
    const b = encodePayload(sparse(4, 200));
    expect(b[0] & 0x04).toBe(0x04);
    expect(b.length).toBe(1 + 2 + 2 + 100 + 1600);
  });

  it('sparse with k = 0 and dense with dim = 0 round-trip', () => {
    const empty: Message = { dim: 5, indices: new Uint32Array(0), values: f('f32') };
    expect(hex(encodePayload(empty))).toBe('090500'); // delta section 0 B < bitmap 1 B → delta (tag 09), k = 0
    expectSameMessage(empty, decodePayload(encodePayload(empty), 5));
    const none: Message = { dim: 0, indices: null, values: f('f64') };
    expectSameMessage(none, decodePayload(encodePayload(none), 0));
  });
});

describe('payload codec: validation', () => {
  const bad: Array<[string, string, number, string]> = [
    ['unknown tag bits', '40 02 0000000000000000 0000000000000000', 2, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['unknown precision 3', '18 01 00', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['bitmap bit on a dense payload', '0c 01 0000803f', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['end-sentinel bit on float values', '28 01 0000803f', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['dim ≠ expected', '08 03 0000803f 000000c0 0000003f', 4, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['non-minimal varint', '08 8300 0000803f 000000c0 0000003f', 3, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['varint over 2^32', '08 ffffffff1f', 3, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['k > dim', '09 02 03 00 01 01', 2, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['delta index ≥ dim', '09 0a 01 0a 0000803f', 10, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['delta indices not ascending (gap 0)', '09 0a 02 03 00 0000803f 0000803f', 10, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['delta index runs past dim', '09 0a 02 03 07 0000803f 0000803f', 10, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['bitmap bit beyond dim', '0d 0a 01 00 04 0000803f', 10, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['bitmap popcount ≠ k', '0d 0a 02 01 00 0000803f 0000803f', 10, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['level out of [−s, s] (code 5 > 2s = 4)', '12 01 02 01 003c 05', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['level padding bits not zero', '12 01 02 01 003c 0c', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['s = 0', '12 01 00 01 003c 00', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['no blocks', '12 01 01 00 00', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['block start > k', '12 01 01 02 05 003c 003c 00', 1, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['huge dense dim with few bytes', '00 ffffffff07', 2 ** 31 - 1, 'PROXMESH_ERR_FRAME_TRUNCATED'],
    ['huge k with few bytes', '01 ffffffff07 ffffff7f 00', 2 ** 31 - 1, 'PROXMESH_ERR_FRAME_TRUNCATED'],
    ['dim over the limit', '00 8080808008', 2 ** 31, 'PROXMESH_ERR_FRAME_MALFORMED'],
    ['empty', '', 1, 'PROXMESH_ERR_FRAME_TRUNCATED'],
  ];
  for (const [name, h, dim, code] of bad) {
    it(`rejects ${name} with ${code}`, () => {
      expect(codeOf(() => decodePayload(fromHex(h), dim))).toBe(code);
      expect(codeOf(() => validatePayload(fromHex(h), dim))).toBe(code);
    });
  }

  it('level codes up to 2s are accepted (s = 2: code 4 → level 2)', () => {
    const m = decodePayload(fromHex('12 01 02 01 003c 04'), 1);
    expect(m.values.kind === 'levels' && Array.from(m.values.levels)).toEqual([2]);
  });

  it('encode refuses inconsistent messages as internal bugs', () => {
    const cases: Message[] = [
      { dim: 2, indices: null, values: f('f32', 0.1, 1) }, // 0.1 is not an f32
      { dim: 2, indices: null, values: f('f16', 1e-8, 1) }, // not an f16
      { dim: 2, indices: null, values: f('f64', 1) }, // length mismatch
      { dim: 5, indices: Uint32Array.of(3, 3), values: f('f64', 1, 1) }, // not ascending
      { dim: 5, indices: Uint32Array.of(5), values: f('f64', 1) }, // index ≥ dim
      {
        dim: 1,
        indices: null,
        values: {
          kind: 'levels',
          s: 1,
          scalePrecision: 'f64',
          blockStarts: Int32Array.of(0),
          scales: Float64Array.of(1),
          levels: Int32Array.of(2),
        },
      },
      {
        dim: 1,
        indices: null,
        values: {
          kind: 'levels',
          s: 0,
          scalePrecision: 'f64',
          blockStarts: Int32Array.of(0),
          scales: Float64Array.of(1),
          levels: Int32Array.of(0),
        },
      },
      {
        dim: 1,
        indices: null,
        values: {
          kind: 'levels',
          s: 1,
          scalePrecision: 'f64',
          blockStarts: Int32Array.of(1),
          scales: Float64Array.of(1),
          levels: Int32Array.of(0),
        },
      },
    ];
    for (const m of cases) expect(codeOf(() => encodePayload(m))).toBe('PROXMESH_ERR_INTERNAL');
  });
});

describe('payload codec: fuzz (only ProxmeshError may escape)', () => {
  const onlyCoded = (fn: () => unknown): boolean => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ProxmeshError) || !err.code.startsWith('PROXMESH_ERR_FRAME_')) throw err;
    }
    return true;
  };

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.integer({ min: 0, max: 64 }), (bytes, dim) =>
        onlyCoded(() => decodePayload(bytes, dim)),
      ),
      { numRuns: 4000, seed: 1 },
    );
  });

  it('random mutations of valid payloads', () => {
    const rng = Rng.derive(42, 0, 'codec-fuzz');
    const samples = allForms().map((form) => {
      const m = randomMessage(rng, { ...form, maxDim: 40 });
      return { bytes: encodePayload(m), dim: m.dim };
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 4,
        }),
        (which, edits) => {
          const { bytes, dim } = samples[which];
          const b = Array.from(bytes);
          for (const [at, v, op] of edits) {
            const i = b.length === 0 ? 0 : at % b.length;
            if (op === 'set') b[i] = v;
            else if (op === 'insert') b.splice(i, 0, v);
            else b.splice(i, 1);
          }
          return onlyCoded(() => decodePayload(Uint8Array.from(b), dim));
        },
      ),
      { numRuns: 4000, seed: 2 },
    );
  });
});

describe('informationBoundBits', () => {
  it('dense floats: d · value bits', () => {
    expect(informationBoundBits({ dim: 10, indices: null, values: f('f32', ...new Array(10).fill(0)) })).toBe(320);
  });
  it('top-k: k · value bits + log2 C(d, k)', () => {
    expect(log2Binomial(4, 2)).toBeCloseTo(Math.log2(6), 12);
    expect(log2Binomial(10, 0)).toBe(0);
    expect(log2Binomial(52, 5)).toBeCloseTo(Math.log2(2598960), 9);
    const m: Message = { dim: 4, indices: Uint32Array.of(0, 3), values: f('f64', 1, 2) };
    expect(informationBoundBits(m)).toBeCloseTo(128 + Math.log2(6), 12);
    expect(payloadByteLength(m) * 8).toBeGreaterThanOrEqual(informationBoundBits(m));
  });
  it('levels: k · log2(2s+1) + B · scale bits', () => {
    const m: Message = {
      dim: 4,
      indices: null,
      values: {
        kind: 'levels',
        s: 1,
        scalePrecision: 'f32',
        blockStarts: Int32Array.of(0),
        scales: Float64Array.of(0.5),
        levels: Int32Array.of(1, -1, 0, 1),
      },
    };
    expect(informationBoundBits(m)).toBeCloseTo(4 * Math.log2(3) + 32, 12);
  });
});
