import { describe, expect, it } from 'vitest';
import { parseCsv, readCsv } from '../../node/problem/datasets/csv.ts';
import { idxImagesToDense, idxLabels, parseIdx, readIdx } from '../../node/problem/datasets/idx.ts';
import { findDataFile } from '../../node/problem/datasets/paths.ts';
import { expectError, tempDir, writeTemp } from './helpers.ts';

function idxBytes(dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(head.buffer);
  head[2] = 0x08;
  head[3] = dims.length;
  for (const [k, d] of dims.entries()) v.setUint32(4 + 4 * k, d, false);
  return Uint8Array.from([...head, ...data]);
}

describe('idx', () => {
  const imgs = idxBytes([2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4]);

  it('parses big-endian dims (magic 0x803) and normalises none / unit / mnist', () => {
    const arr = parseIdx(imgs, 'mem');
    expect(arr.dims).toEqual([2, 2, 2]);
    const none = idxImagesToDense(arr, 'mem', 'none');
    expect(none.features.rows).toBe(2);
    expect(none.features.cols).toBe(4);
    expect(none.sampleShape).toEqual([1, 2, 2]);
    expect(Array.from(none.features.data)).toEqual([0, 255, 51, 102, 1, 2, 3, 4]);
    const unit = idxImagesToDense(arr, 'mem', 'unit').features.data;
    expect(unit).toBeInstanceOf(Float32Array);
    expect(unit[1]).toBe(1);
    expect(unit[2]).toBe(Math.fround(0.2));
    const mn = idxImagesToDense(arr, 'mem', 'mnist').features.data;
    expect(mn[0]).toBe(Math.fround(-0.1307 / 0.3081));
    expect(mn[1]).toBe(Math.fround((1 - 0.1307) / 0.3081));
  });

  it('parses labels (magic 0x801) and a gzipped file by magic', () => {
    const dir = tempDir();
    const p = writeTemp(dir, 'labels', idxBytes([3], [9, 0, 4]), true);
    expect(Array.from(idxLabels(readIdx(p), p))).toEqual([9, 0, 4]);
  });

  it.each([
    [Uint8Array.of(0, 0), /header truncated/],
    [Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0), /bad idx magic/],
    [Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0), /unsupported idx element type at byte 2/],
    [Uint8Array.of(0, 0, 8, 0), /0 dimensions/],
    [Uint8Array.of(0, 0, 8, 2, 0, 0, 0, 1), /header truncated: 8 bytes, need 12/],
    [
      idxBytes([3], [1, 2]),
      /data truncated: the declared dimensions need a different byte count after the 8-byte header than the file's 2/,
    ],
    [idxBytes([1], [1, 2]), /has trailing bytes/],
  ])('rejects malformed idx %#', (bytes, re) => {
    expectError(() => parseIdx(bytes, 'f.idx'), 'PROXMESH_ERR_DATASET', /^f\.idx: /, re);
  });

  it('rejects images given as labels and vice versa', () => {
    expectError(() => idxLabels(parseIdx(imgs, 'm'), 'm'), 'PROXMESH_ERR_DATASET', /expected a label file/);
    expectError(
      () => idxImagesToDense(parseIdx(idxBytes([2], [1, 2]), 'm'), 'm', 'none'),
      'PROXMESH_ERR_DATASET',
      /expected an image file/,
    );
  });

  it.skipIf(!findDataFile('mnist-test/t10k-labels-idx1-ubyte.gz'))('real MNIST test labels: 10,000 with the published class counts', () => {
    const p = findDataFile('mnist-test/t10k-labels-idx1-ubyte.gz')!;
    const y = idxLabels(readIdx(p), p);
    const cnt = new Array(10).fill(0);
    for (const l of y) cnt[l]++;
    expect(cnt).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });
});

describe('csv', () => {
  it('sklearn header: checks counts, keeps class names, label = last column', () => {
    const c = parseCsv('3,2,neg,pos\n1.5,2,0\n3,4e1,1\n-1,0,1\n', 'h.csv');
    expect(c.classNames).toEqual(['neg', 'pos']);
    expect(c.features.rows).toBe(3);
    expect(c.features.cols).toBe(2);
    expect(Array.from(c.features.data)).toEqual([1.5, 2, 3, 40, -1, 0]);
    expect(Array.from(c.labels)).toEqual([0, 1, 1]);
  });

  it('headerless (digits style) and trailing blank lines / CRLF', () => {
    const c = parseCsv('0,16,3\r\n1,2,9\r\n\r\n', 'd.csv');
    expect(c.classNames).toBeUndefined();
    expect(c.features.rows).toBe(2);
    expect(Array.from(c.labels)).toEqual([3, 9]);
  });

  it.each([
    ['4,2,a,b\n1,2,0\n', /h\.csv:1: the header's sample count does not match the file's 1 data rows/],
    ['1,3,a,b\n1,2,0\n', /h\.csv:1: the header's feature count does not match/],
    ['x,y,z\n1,2,0\n', /the header line must be 'n_samples,n_features/],
    ['1,2,0\n1,2\n', /h\.csv:2: expected 3 comma-separated fields, got 2/],
    ['1,2,0\n1,b,0\n', /h\.csv:2: field 2 is not a finite number$/],
    ['1,2,0\n1,,0\n', /h\.csv:2: field 2 is not a finite number$/],
    ['5\n6\n', /need at least 2 columns/],
    ['', /no samples/],
    ['2,1,a\n', /no samples after the header/],
  ])('rejects %j', (text, re) => {
    expectError(() => parseCsv(text, 'h.csv'), 'PROXMESH_ERR_DATASET', re);
  });

  it('reads the real breast-cancer CSV (569 × 30, 212 malignant)', () => {
    const c = readCsv(findDataFile('breast-cancer/breast_cancer.csv')!);
    expect(c.features.rows).toBe(569);
    expect(c.features.cols).toBe(30);
    expect(c.labels.filter((l) => l === 0).length).toBe(212);
    expect(c.classNames).toEqual(['malignant', 'benign']);
  });
});
