import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { algorithmFactory, algorithmUsesCompression } from '../../node/algo/registry.ts';
import { algoParamsFromSpec, ALGORITHM_NAMES, AlgorithmSpecSchema } from '../../node/algo/spec.ts';
import { PARAMS } from './fixtures/network.ts';

describe('algorithm registry', () => {
  it.each(ALGORITHM_NAMES)('%s builds an algorithm of that name with model/tracker/lastGradient', (name) => {
    const a = algorithmFactory(name)(PARAMS);
    expect(a.name).toBe(name);
    expect(a.phases.length).toBeGreaterThan(0);
    expect(typeof a.model).toBe('function');
  });

  it('says which algorithms use the configured compressors', () => {
    expect(ALGORITHM_NAMES.filter(algorithmUsesCompression)).toEqual(['cdproxsgt', 'choco', 'beer']);
  });

  it('rejects an unknown name with PROXMESH_ERR_CONFIG', () => {
    for (const bad of ['sgd', '', 'DProxSGT', 'toString', '__proto__']) {
      expect(() => algorithmFactory(bad)).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_CONFIG' }));
      expect(() => algorithmUsesCompression(bad)).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_CONFIG' }));
    }
  });
});

describe('AlgorithmSpecSchema', () => {
  it('fills defaults', () => {
    const spec = Value.Default(AlgorithmSpecSchema, { name: 'cdproxsgt', eta: 0.05 });
    expect(spec).toEqual({ name: 'cdproxsgt', eta: 0.05, gammaX: 1, gammaY: 1, beta: 0.8, initBatches: 25, clipNorm: null });
    expect(Value.Check(AlgorithmSpecSchema, spec)).toBe(true);
    expect(algoParamsFromSpec(spec as never)).toEqual({ eta: 0.05, gammaX: 1, gammaY: 1, beta: 0.8, initBatches: 25 });
  });

  it('accepts boundary values', () => {
    for (const ok of [{ gammaX: 1, gammaY: 1e-9, beta: 1, initBatches: 1, clipNorm: 10 }, { clipNorm: null }]) {
      expect(Value.Check(AlgorithmSpecSchema, Value.Default(AlgorithmSpecSchema, { name: 'deepstorm', eta: 1e-6, ...ok }))).toBe(true);
    }
  });

  it.each([
    ['eta 0', { eta: 0 }],
    ['eta negative', { eta: -1 }],
    ['eta missing', { eta: undefined }],
    ['gammaX 0', { gammaX: 0 }],
    ['gammaY > 1', { gammaY: 1.5 }],
    ['beta 0', { beta: 0 }],
    ['initBatches 0', { initBatches: 0 }],
    ['initBatches fractional', { initBatches: 2.5 }],
    ['clipNorm 0', { clipNorm: 0 }],
    ['unknown name', { name: 'sgd' }],
    ['extra key', { momentum: 0.9 }],
  ])('rejects %s', (_, patch) => {
    const spec: Record<string, unknown> = { name: 'dproxsgt', eta: 0.1, ...patch };
    for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
    expect(Value.Check(AlgorithmSpecSchema, Value.Default(AlgorithmSpecSchema, spec))).toBe(false);
  });

  it('documents every property', () => {
    for (const [key, prop] of Object.entries(AlgorithmSpecSchema.properties))
      expect((prop as { description?: string }).description, key).toBeTruthy();
  });
});
