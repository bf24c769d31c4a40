import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildProblem } from '../../node/problem/build.ts';
import { PartitionSpecSchema, ProblemSpecSchema } from '../../node/problem/spec.ts';

const ajv = new Ajv({ strict: false, allErrors: true });
const checkProblem = ajv.compile(ProblemSpecSchema);
const checkPartition = ajv.compile(PartitionSpecSchema);

/** Every object schema is closed and every property carries a description (docs/config.md is generated from them). */
function walk(schema: unknown, path: string, out: string[]): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Record<string, unknown>;
  if (s.type === 'object' && s.properties) {
    if (s.additionalProperties !== false) out.push(`${path}: not closed`);
    for (const [k, v] of Object.entries(s.properties as Record<string, Record<string, unknown>>)) {
      if (typeof v.description !== 'string') out.push(`${path}.${k}: no description`);
      walk(v, `${path}.${k}`, out);
    }
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    if (Array.isArray(s[key])) for (const [i, x] of (s[key] as unknown[]).entries()) walk(x, `${path}/${key}[${i}]`, out);
  if (s.items) walk(s.items, `${path}[]`, out);
}

describe('spec schemas', () => {
  it('closed objects with descriptions everywhere', () => {
    const problems: string[] = [];
    walk(ProblemSpecSchema, 'problem', problems);
    walk(PartitionSpecSchema, 'partition', problems);
    expect(problems.filter((p) => !p.startsWith('problem.regularizer'))).toEqual([]);
  });

  it('accepts the documented shapes', () => {
    for (const p of [
      { dataset: { name: 'a9a' }, model: { kind: 'logistic', intercept: true }, regularizer: { kind: 'l1', lambda: 1e-4 } },
      { dataset: { name: 'digits', testFraction: 0.3 }, model: { kind: 'mlp', hidden: [64] }, regularizer: { kind: 'none' } },
      {
        dataset: { path: 'x.svm', format: 'libsvm', nFeatures: 123, testPath: 'y.svm' },
        model: { kind: 'softmax' },
        regularizer: { kind: 'none' },
      },
      {
        dataset: { path: 'i.gz', format: 'idx', labelsPath: 'l.gz', normalize: 'mnist' },
        model: { kind: 'lenet5' },
        regularizer: { kind: 'none' },
      },
    ])
      expect(checkProblem(p), JSON.stringify(checkProblem.errors)).toBe(true);
    for (const p of [
      { kind: 'iid' },
      { kind: 'sorted' },
      {
        kind: 'labels',
        labels: [
          [0, 9],
          [1, 8],
        ],
      },
      { kind: 'dirichlet', alpha: 0.1 },
      { kind: 'quantity' },
    ]) {
      expect(checkPartition(p), JSON.stringify(checkPartition.errors)).toBe(true);
    }
  });

  it('rejects unknown keys, unknown names and out-of-range values', () => {
    const reg = { kind: 'none' };
    expect(checkProblem({ dataset: { name: 'cifar' }, model: { kind: 'logistic' }, regularizer: reg })).toBe(false);
    expect(checkProblem({ dataset: { name: 'a9a', extra: 1 }, model: { kind: 'logistic' }, regularizer: reg })).toBe(false);
    expect(checkProblem({ dataset: { name: 'a9a', testFraction: 1 }, model: { kind: 'logistic' }, regularizer: reg })).toBe(false);
    expect(checkProblem({ dataset: { path: 'x', format: 'arff' }, model: { kind: 'logistic' }, regularizer: reg })).toBe(false);
    expect(checkProblem({ dataset: { name: 'a9a' }, model: { kind: 'mlp', hidden: [0] }, regularizer: reg })).toBe(false);
    expect(checkProblem({ dataset: { name: 'a9a' }, model: { kind: 'lenet5', hidden: [3] }, regularizer: reg })).toBe(false);
    expect(checkPartition({ kind: 'dirichlet', alpha: 0 })).toBe(false);
    expect(checkPartition({ kind: 'labels', labels: [[]] })).toBe(false);
    expect(checkPartition({ kind: 'sorted', alpha: 1 })).toBe(false);
  });
});

describe('buildProblem', () => {
  it('a9a, logistic, 8 sorted nodes: shards cover the training set; deterministic', () => {
    const p = buildProblem(
      { dataset: { name: 'a9a' }, model: { kind: 'logistic' } },
      { seed: 42, nodes: 8, partition: { kind: 'sorted' } },
    );
    expect(p.model.dim).toBe(124);
    expect(p.test!.features.rows).toBe(16281);
    expect(p.shards.map((s) => s.length)).toEqual([4071, 4070, 4070, 4070, 4070, 4070, 4070, 4070]);
    // sorted: the first 24,720 samples in label order are negatives → nodes 0..5 are all class 0
    for (let i = 0; i < 6; i++) expect(Array.from(p.shards[i]).every((k) => p.train.labels[k] === 0)).toBe(true);
    expect(Array.from(p.shards[7]).every((k) => p.train.labels[k] === 1)).toBe(true);
  });

  it('digits, softmax, label pairs over 5 nodes; iid is seeded from Rng.derive(seed, -1, "partition")', () => {
    const pairs = [
      [0, 9],
      [1, 8],
      [2, 7],
      [3, 6],
      [4, 5],
    ];
    const p = buildProblem(
      { dataset: { name: 'digits' }, model: { kind: 'softmax' } },
      { seed: 1, nodes: 5, partition: { kind: 'labels', labels: pairs } },
    );
    for (const [i, s] of p.shards.entries()) expect(new Set(Array.from(s, (k) => p.train.labels[k]))).toEqual(new Set(pairs[i]));
    expect(p.shards.reduce((t, s) => t + s.length, 0)).toBe(p.train.features.rows);
    const a = buildProblem({ dataset: { name: 'digits' }, model: { kind: 'softmax' } }, { seed: 1, nodes: 3, partition: { kind: 'iid' } });
    const b = buildProblem({ dataset: { name: 'digits' }, model: { kind: 'softmax' } }, { seed: 1, nodes: 3, partition: { kind: 'iid' } });
    expect(a.shards).toEqual(b.shards);
  });
});
