import { describe, expect, it } from 'vitest';
import { encodeLabels } from '../../node/problem/datasets/labels.ts';
import { libsvmToCsr, parseLibsvm, readLibsvm } from '../../node/problem/datasets/libsvm.ts';
import { REPO_DATA_DIR } from '../../node/problem/datasets/paths.ts';
import { expectError, tempDir, writeTemp } from './helpers.ts';

const parse = (s: string) => parseLibsvm(Buffer.from(s, 'utf8'), 'mem.svm');

describe('parseLibsvm', () => {
  it('parses 1-based sparse rows into 0-based CSR with trailing spaces, CRLF, tabs and blank lines', () => {
    const raw = parse('+1 1:0.5 3:2 \r\n\n  -1\t2:1e-2  4:-3.25E+1\n\n-1\n');
    expect(raw.rows).toBe(3);
    expect(raw.maxIndex).toBe(4);
    expect(Array.from(raw.labels)).toEqual([1, -1, -1]);
    expect(Array.from(raw.indptr)).toEqual([0, 2, 4, 4]);
    expect(Array.from(raw.indices)).toEqual([0, 2, 1, 3]);
    expect(Array.from(raw.values)).toEqual([0.5, 2, 0.01, -32.5]);
  });

  it('parses values exactly like Number() (fast path and exponent path)', () => {
    const toks = ['0.1', '-0.3', '123456789012345', '1.234567890123456789', '9.86899159742946E-02', '.5', '5.', '+7'];
    const raw = parse(`1 ${toks.map((t, i) => `${i + 1}:${t}`).join(' ')}`);
    expect(Array.from(raw.values)).toEqual(toks.map(Number));
  });

  it('parses labels as floats: -1.0/1.0 and -1/+1 encode identically', () => {
    const a = parse('-1.0 1:1\n1.0 2:1\n');
    const b = parse('-1 1:1\n+1 2:1\n');
    expect(encodeLabels([a.labels]).labels[0]).toEqual(encodeLabels([b.labels]).labels[0]);
    expect(Array.from(encodeLabels([a.labels]).labels[0])).toEqual([0, 1]);
  });

  it('drops explicit zeros (a file with and without them gives the same CSR)', () => {
    const a = parse('1 1:0.0 2:3 5:0\n-1 3:0 4:1\n');
    const b = parse('1 2:3\n-1 4:1\n');
    expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr));
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(a.maxIndex).toBe(5); // the declared index still counts towards the width
  });

  it('ignores # comments', () => {
    const raw = parse('# header\n1 1:2 # trailing comment 9:9\n');
    expect(raw.rows).toBe(1);
    expect(Array.from(raw.indices)).toEqual([0]);
  });

  it.each([
    ['abc 1:1', /mem\.svm:1: the label \(first token of the line\) is not a finite number$/],
    ['1 1:1\n1 2-3', /mem\.svm:2: a feature is not of the form 'index:value'$/],
    ['1 0:1', /:1: a feature index is not an integer ≥ 1/],
    ['1 x:1', /:1: a feature index is not an integer ≥ 1/],
    ['1 -2:1', /:1: a feature index is not an integer ≥ 1/],
    ['1 3:1 2:1', /:1: feature indices must be strictly ascending$/],
    ['1 3:1 3:1', /:1: feature indices must be strictly ascending$/],
    ['1 1:abc', /:1: a feature value is not a finite number$/],
    ['1 1:', /:1: a feature value is not a finite number$/],
    ['1 1:nan', /not a finite number/],
    ['\n\n', /no samples/],
  ])('rejects %j with PROXMESH_ERR_DATASET naming file and line', (text, re) => {
    expectError(() => parse(text), 'PROXMESH_ERR_DATASET', re);
  });

  it('libsvmToCsr uses nFeatures and rejects indices beyond it', () => {
    const raw = parse('1 2:1\n');
    expect(libsvmToCsr(raw).cols).toBe(2);
    expect(libsvmToCsr(raw, 5).cols).toBe(5);
    expectError(() => libsvmToCsr(parse('1 7:1'), 5), 'PROXMESH_ERR_DATASET', /a feature index exceeds nFeatures = 5/);
  });
});

describe('encodeLabels', () => {
  it('binary: negative → 0, positive → 1, shared over train and test; {0,1} too', () => {
    const e = encodeLabels([Float64Array.of(1, -1, 1), Float64Array.of(-1)]);
    expect(e.nClasses).toBe(2);
    expect(Array.from(e.labels[0])).toEqual([1, 0, 1]);
    expect(Array.from(e.labels[1])).toEqual([0]);
    expect(Array.from(encodeLabels([Float64Array.of(0, 1, 0)]).labels[0])).toEqual([0, 1, 0]);
  });
  it('multi-class: sorted distinct values → 0..C−1', () => {
    const e = encodeLabels([Float64Array.of(7, 3, 5, 3), Float64Array.of(5, 7)]);
    expect(e.nClasses).toBe(3);
    expect(e.classValues).toEqual([3, 5, 7]);
    expect(Array.from(e.labels[0])).toEqual([2, 0, 1, 0]);
    expect(Array.from(e.labels[1])).toEqual([1, 2]);
  });
});

describe('readLibsvm', () => {
  it('reads gzip by magic (whatever the name) and plain text identically', () => {
    const dir = tempDir();
    const text = '1 1:1 2:0.5\n-1 3:2\n';
    const plain = readLibsvm(writeTemp(dir, 'a.txt.gz', text)); // plain despite the .gz name
    const gz = readLibsvm(writeTemp(dir, 'b.txt', text, true));
    expect(Array.from(gz.values)).toEqual(Array.from(plain.values));
    expect(gz.rows).toBe(2);
  });

  it('missing file: PROXMESH_ERR_DATASET naming the path and the known dataset names', () => {
    expectError(() => readLibsvm('/nonexistent/x.svm'), 'PROXMESH_ERR_DATASET', '/nonexistent/x.svm', /known dataset names: a9a, digits/);
  });

  it('corrupt gzip: PROXMESH_ERR_DATASET', () => {
    const dir = tempDir();
    const p = writeTemp(dir, 'bad.gz', Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
    expectError(() => readLibsvm(p), 'PROXMESH_ERR_DATASET', /bad\.gz: corrupt gzip/);
  });

  it('real a9a: 32,561 rows, 123 features, 24,720 negatives, all values 1', () => {
    const raw = readLibsvm(`${REPO_DATA_DIR}/a9a/a9a.gz`);
    expect(raw.rows).toBe(32561);
    expect(raw.maxIndex).toBe(123);
    let neg = 0;
    for (const l of raw.labels) if (l === -1) neg++;
    expect(neg).toBe(24720);
    expect(raw.values.every((v) => v === 1)).toBe(true);
    const t = readLibsvm(`${REPO_DATA_DIR}/a9a/a9a.t.gz`);
    expect(t.rows).toBe(16281);
    expect(t.maxIndex).toBe(122);
  });
});
