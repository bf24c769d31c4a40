/** Compressor spec validation: every bad spec throws PROXMESH_ERR_COMPRESSOR naming field, value and range. */
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { compressorFactory, resolveCompressorSpec } from '../../node/compress/registry.ts';
import { CompressorSpecSchema } from '../../node/compress/spec.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { layersOf } from './helpers.ts';

function thrown(fn: () => unknown): ProxmeshError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProxmeshError);
    return e as ProxmeshError;
  }
  throw new Error('expected a throw');
}

// [label, spec, substrings the message must contain]
const BAD: Array<[string, unknown, string[]]> = [
  ['not an object', 'topk', ['compressor', "'topk'"]],
  ['null', null, ['compressor']],
  ['unknown kind', { kind: 'bogus' }, ['compressor.kind', "'bogus'", 'identity | topk']],
  ['neither ratio nor k', { kind: 'topk' }, ['compressor.ratio', 'exactly one of ratio or k']],
  ['both ratio and k', { kind: 'topk', ratio: 0.1, k: 3 }, ['compressor.k', 'exactly one of ratio or k']],
  ['ratio 0', { kind: 'topk', ratio: 0 }, ['compressor.ratio = 0', '(0, 1]']],
  ['ratio > 1', { kind: 'randk', ratio: 1.5 }, ['compressor.ratio = 1.5', '(0, 1]']],
  ['ratio < 0', { kind: 'topk', ratio: -0.1 }, ['compressor.ratio = -0.1']],
  ['ratio NaN', { kind: 'topk', ratio: Number.NaN }, ['compressor.ratio = NaN']],
  ['ratio string', { kind: 'topk', ratio: '0.1' }, ['compressor.ratio', "'0.1'"]],
  ['k 0', { kind: 'topk', k: 0 }, ['compressor.k = 0', 'integer ≥ 1']],
  ['k negative', { kind: 'randk', k: -2 }, ['compressor.k = -2']],
  ['k fractional', { kind: 'topk', k: 1.5 }, ['compressor.k = 1.5']],
  ['levels 0', { kind: 'qsgd', levels: 0 }, ['compressor.levels = 0', '1 ≤ s ≤']],
  ['levels missing', { kind: 'qsgd' }, ['compressor.levels = undefined']],
  ['levels fractional', { kind: 'qsgd', levels: 2.5 }, ['compressor.levels = 2.5']],
  ['levels too large', { kind: 'qsgd', levels: 2 ** 31 }, ['compressor.levels = 2147483648']],
  ['bad precision', { kind: 'identity', precision: 'f8' }, ['compressor.precision', "'f8'", 'f64 | f32 | f16']],
  ['bad scalePrecision', { kind: 'sign', scalePrecision: 'bf16' }, ['compressor.scalePrecision', "'bf16'"]],
  ['bad scope', { kind: 'topk', ratio: 0.1, scope: 'tensor' }, ['compressor.scope', "'tensor'", 'layer | global']],
  ['scaled not boolean', { kind: 'randk', ratio: 0.1, scaled: 'yes' }, ['compressor.scaled', 'true | false']],
  ['contractive not boolean', { kind: 'qsgd', levels: 4, contractive: 1 }, ['compressor.contractive']],
  ['unknown key', { kind: 'topk', ratio: 0.1, foo: 1 }, ['compressor.foo', 'no such property']],
  ['precision on qsgd', { kind: 'qsgd', levels: 4, precision: 'f32' }, ['compressor.precision', 'no such property']],
  ['empty chain', { kind: 'chain', steps: [] }, ['compressor.steps', 'non-empty array']],
  ['chain without steps', { kind: 'chain' }, ['compressor.steps']],
  [
    'levels before another step',
    {
      kind: 'chain',
      steps: [
        { kind: 'qsgd', levels: 4 },
        { kind: 'topk', ratio: 0.5 },
      ],
    },
    ['compressor.steps[0].kind', 'only the last chain step'],
  ],
  ['sign before another step', { kind: 'chain', steps: [{ kind: 'sign' }, { kind: 'identity' }] }, ['compressor.steps[0].kind']],
  [
    'ef inside chain',
    { kind: 'chain', steps: [{ kind: 'ef', inner: { kind: 'topk', ratio: 0.5 } }] },
    ['compressor.steps[0].kind', 'cannot be chain steps'],
  ],
  ['nested chain', { kind: 'chain', steps: [{ kind: 'chain', steps: [{ kind: 'identity' }] }] }, ['compressor.steps[0].kind']],
  [
    'bad step field',
    {
      kind: 'chain',
      steps: [
        { kind: 'topk', ratio: 0.5 },
        { kind: 'qsgd', levels: -1 },
      ],
    },
    ['compressor.steps[1].levels = -1'],
  ],
  ['ef of ef', { kind: 'ef', inner: { kind: 'ef', inner: { kind: 'identity' } } }, ['compressor.inner.kind', 'ef cannot wrap ef']],
  ['ef without inner', { kind: 'ef' }, ['compressor.inner']],
  ['ef inner bad ratio', { kind: 'ef', inner: { kind: 'topk', ratio: 2 } }, ['compressor.inner.ratio = 2']],
];

describe('compressorFactory rejects bad specs with PROXMESH_ERR_COMPRESSOR', () => {
  it.each(BAD)('%s', (_label, spec, parts) => {
    const e = thrown(() => compressorFactory(spec as never));
    expect(e.code).toBe('PROXMESH_ERR_COMPRESSOR');
    for (const p of parts) expect(e.message).toContain(p);
    expect(e.detail?.field).toBeTypeOf('string');
  });

  it('k > d of a layer is caught when the layers are given, naming the layer and the range', () => {
    const f = compressorFactory({ kind: 'topk', k: 4 }, { path: 'compression.x' }); // valid until layers are known
    const e = thrown(() => f(layersOf([10, 3]), Rng.derive(1)));
    expect(e.code).toBe('PROXMESH_ERR_COMPRESSOR');
    expect(e.message).toContain('compression.x.k = 4');
    expect(e.message).toContain("'L1'");
    expect(e.message).toContain('1 ≤ k ≤ 3');
    // the same k fits globally
    expect(() => compressorFactory({ kind: 'topk', k: 4, scope: 'global' })(layersOf([10, 3]), Rng.derive(1))).not.toThrow();
    const g = thrown(() => compressorFactory({ kind: 'randk', k: 14, scope: 'global' })(layersOf([10, 3]), Rng.derive(1)));
    expect(g.message).toContain('1 ≤ k ≤ 13');
    // inside a chain, the second step sees the carried layout (k_t = 3 and 1 per layer here)
    const h = thrown(() =>
      compressorFactory({
        kind: 'chain',
        steps: [
          { kind: 'topk', ratio: 0.3 },
          { kind: 'topk', k: 2 },
        ],
      })(layersOf([10, 3]), Rng.derive(1)),
    );
    expect(h.message).toContain('compressor.steps[1].k = 2');
  });

  it('empty layers never trigger the k check (n = 0)', () => {
    const c = compressorFactory({ kind: 'topk', k: 5 })(layersOf([0]), Rng.derive(1));
    const m = c.compress(new Float64Array(0), new Float64Array(0));
    expect(m.dim).toBe(0);
  });
});

describe('resolveCompressorSpec fills defaults', () => {
  it('leaf kinds', () => {
    expect(resolveCompressorSpec({ kind: 'identity' })).toEqual({ kind: 'identity', precision: 'f64' });
    expect(resolveCompressorSpec({ kind: 'topk', ratio: 0.1 })).toEqual({ kind: 'topk', ratio: 0.1, scope: 'layer', precision: 'f64' });
    expect(resolveCompressorSpec({ kind: 'randk', k: 3 })).toEqual({ kind: 'randk', k: 3, scope: 'layer', scaled: true, precision: 'f64' });
    expect(resolveCompressorSpec({ kind: 'qsgd', levels: 4 })).toEqual({
      kind: 'qsgd',
      levels: 4,
      scope: 'layer',
      contractive: false,
      scalePrecision: 'f64',
    });
    expect(resolveCompressorSpec({ kind: 'sign' })).toEqual({ kind: 'sign', scope: 'layer', scalePrecision: 'f64' });
  });
  it('nested', () => {
    expect(resolveCompressorSpec({ kind: 'ef', inner: { kind: 'chain', steps: [{ kind: 'topk', k: 1 }, { kind: 'sign' }] } })).toEqual({
      kind: 'ef',
      inner: {
        kind: 'chain',
        steps: [
          { kind: 'topk', k: 1, scope: 'layer', precision: 'f64' },
          { kind: 'sign', scope: 'layer', scalePrecision: 'f64' },
        ],
      },
    });
  });
});

describe('CompressorSpecSchema (TypeBox)', () => {
  const good = [
    { kind: 'identity' },
    { kind: 'topk', ratio: 0.1, scope: 'layer' },
    { kind: 'randk', k: 3, scaled: false, precision: 'f16' },
    { kind: 'qsgd', levels: 256, contractive: true },
    { kind: 'sign', scope: 'global' },
    { kind: 'ef', inner: { kind: 'topk', ratio: 0.3 } },
    {
      kind: 'ef',
      inner: {
        kind: 'chain',
        steps: [
          { kind: 'topk', ratio: 0.3 },
          { kind: 'qsgd', levels: 8 },
        ],
      },
    },
    {
      kind: 'chain',
      steps: [
        { kind: 'topk', ratio: 0.3 },
        { kind: 'qsgd', levels: 8 },
      ],
    },
  ];
  it.each(good)('accepts %j and so does compressorFactory', (spec) => {
    expect(Value.Check(CompressorSpecSchema, Value.Default(CompressorSpecSchema, structuredClone(spec)))).toBe(true);
    expect(() => compressorFactory(spec as never)).not.toThrow();
  });
  const structurallyBad = [
    { kind: 'topk', ratio: 0.1, foo: 1 },
    { kind: 'topk', ratio: 0 },
    { kind: 'qsgd', levels: 0 },
    { kind: 'chain', steps: [] },
    { kind: 'chain', steps: [{ kind: 'ef', inner: { kind: 'identity' } }] },
    { kind: 'ef', inner: { kind: 'ef', inner: { kind: 'identity' } } },
  ];
  it.each(structurallyBad)('rejects %j', (spec) => {
    expect(Value.Check(CompressorSpecSchema, spec)).toBe(false);
  });
  it('every property has a description (docs/config.md is generated from them)', () => {
    const missing: string[] = [];
    const walk = (s: TSchema, path: string) => {
      if (s.anyOf) for (const [i, t] of (s.anyOf as TSchema[]).entries()) walk(t, `${path}|${i}`);
      if (s.type === 'object') {
        for (const [k, p] of Object.entries(s.properties as Record<string, TSchema>)) {
          if (typeof p.description !== 'string' || p.description === '') missing.push(`${path}.${k}`);
          walk(p, `${path}.${k}`);
        }
        expect(s.additionalProperties).toBe(false);
      }
      if (s.type === 'array') walk(s.items as TSchema, `${path}[]`);
    };
    walk(CompressorSpecSchema, 'spec');
    expect(missing).toEqual([]);
  });
});
