/** RegularizerSpecSchema: accepts the documented forms, rejects unknown keys, documents every property. */
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { RegularizerSpecSchema } from '../../node/prox/spec.ts';

describe('RegularizerSpecSchema', () => {
  it.each([
    { kind: 'none' },
    { kind: 'l1', lambda: 1e-4 },
    { kind: 'l2sq', lambda: 0.1 },
    { kind: 'elasticnet', l1: 0.1, l2: 0.2 },
    { kind: 'box', lower: -1, upper: 1 },
    { kind: 'nonneg' },
    { kind: 'grouplasso', lambda: 0.1 },
  ])('accepts %j (after defaults)', (spec) => {
    expect(Value.Check(RegularizerSpecSchema, Value.Default(RegularizerSpecSchema, structuredClone(spec)))).toBe(true);
  });
  it.each([
    { kind: 'l1', lambda: -1 },
    { kind: 'l1', lambda: 1, extra: 2 },
    { kind: 'ridge' },
    { kind: 'grouplasso', lambda: 1, weights: 'x' },
  ])('rejects %j', (spec) => {
    expect(Value.Check(RegularizerSpecSchema, spec)).toBe(false);
  });
  it('every property has a description and objects are closed', () => {
    const missing: string[] = [];
    for (const s of RegularizerSpecSchema.anyOf as TSchema[]) {
      expect(s.additionalProperties).toBe(false);
      for (const [k, p] of Object.entries(s.properties as Record<string, TSchema>))
        if (!p.description) missing.push(`${s.properties.kind.const}.${k}`);
    }
    expect(missing).toEqual([]);
  });
});
