/**
 * LIBSVM / svmlight sparse text: `label idx:val idx:val …` per line, indices 1-based and strictly
 * ascending. Parsed byte-wise straight from the (gunzipped) buffer: no per-line strings on the fast
 * path, so a9a (2.3 MB) and ijcnn1 (14 MB) load in well under a second.
 *
 * Conventions (see the shared datasets README, "Parsing notes"; summarised in data/README.md):
 * - any run of spaces/tabs separates tokens; trailing spaces, CRLF and blank lines are accepted;
 * - a token starting with `#` ends the line (svmlight comment);
 * - labels are floats (`-1`, `+1`, `-1.0`, `1.0`, `3`); values accept exponents (`9.8E-02`);
 * - explicit zeros (`13:0.0`) are always DROPPED: the CSR holds nonzeros only, so a file with and
 *   without explicit zeros gives the same matrix;
 * - column indices are stored 0-based in the CSR (file index − 1).
 */
import type { CsrMatrix } from '../types.ts';
import { datasetError, readDataFile, type ReadDataOptions } from './io.ts';
import { MAX_FEATURES } from '../../limits/bounds.ts';

export { MAX_FEATURES };

/** The parsed file before labels are encoded (labels stay raw floats so train and test share one encoding). */
export interface LibsvmRaw {
  readonly file: string;
  readonly rows: number;
  /** Largest 1-based feature index seen (0 if the file has no features). */
  readonly maxIndex: number;
  readonly indptr: Int32Array;
  /** 0-based column indices. */
  readonly indices: Int32Array;
  readonly values: Float64Array;
  readonly labels: Float64Array;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/**
 * Parses buf[start, end) as a float. Fast path: [sign] digits [. digits] with ≤ 15 digits is
 * m / 10^k with both exact doubles, and one IEEE division is correctly rounded, so it equals
 * Number(text). Anything else (exponents, long mantissas) goes through Number(). NaN if invalid.
 */
function parseNum(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  let neg = false;
  if (p < end && (buf[p] === 45 || buf[p] === 43)) {
    neg = buf[p] === 45;
    p++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  let simple = p < end;
  for (; p < end; p++) {
    const c = buf[p];
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (seenDot) frac++;
    } else if (c === 46 && !seenDot) {
      seenDot = true;
    } else {
      simple = false;
      break;
    }
  }
  if (simple && digits > 0 && digits <= 15) {
    const v = frac === 0 ? m : m / POW10[frac];
    return neg ? -v : v;
  }
  if (start === end) return NaN;
  return Number(latin1(buf, start, end));
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}

/** Parses a positive decimal integer in buf[start, end); −1 if not all digits or too long. */
function parseIndex(buf: Uint8Array, start: number, end: number): number {
  if (start === end || end - start > 9) return -1;
  let v = 0;
  for (let p = start; p < end; p++) {
    const c = buf[p];
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Parses LIBSVM text bytes. `file` is only used in error messages. */
export function parseLibsvm(buf: Uint8Array, file: string): LibsvmRaw {
  let cap = 1 << 14;
  let indices = new Int32Array(cap);
  let values = new Float64Array(cap);
  let rowCap = 1 << 10;
  let indptr = new Int32Array(rowCap + 1);
  let labels = new Float64Array(rowCap);
  let rows = 0;
  let nnz = 0;
  let maxIndex = 0;
  const n = buf.length;
  let pos = 0;
  let line = 0;
  while (pos < n) {
    line++;
    let end = pos;
    while (end < n && buf[end] !== 10) end++;
    let p = pos;
    while (p < end && isWs(buf[p])) p++;
    if (p < end && buf[p] !== 35) {
      let t = p;
      while (t < end && !isWs(buf[t])) t++;
      const label = parseNum(buf, p, t);
      if (!Number.isFinite(label)) throw datasetError(file, line, 'the label (first token of the line) is not a finite number');
      p = t;
      let prev = 0;
      for (;;) {
        while (p < end && isWs(buf[p])) p++;
        if (p >= end || buf[p] === 35) break;
        let colon = -1;
        t = p;
        while (t < end && !isWs(buf[t])) {
          if (buf[t] === 58 && colon < 0) colon = t;
          t++;
        }
        if (colon < 0) throw datasetError(file, line, "a feature is not of the form 'index:value'");
        const idx = parseIndex(buf, p, colon);
        if (idx < 1) {
          throw datasetError(file, line, 'a feature index is not an integer ≥ 1 (LIBSVM indices are 1-based)');
        }
        if (idx > MAX_FEATURES) {
          throw datasetError(file, line, `a feature index is over the limit of ${MAX_FEATURES} features`);
        }
        if (idx <= prev) {
          throw datasetError(file, line, 'feature indices must be strictly ascending');
        }
        const v = parseNum(buf, colon + 1, t);
        if (!Number.isFinite(v)) {
          throw datasetError(file, line, 'a feature value is not a finite number');
        }
        prev = idx;
        if (v !== 0) {
          if (nnz === cap) {
            cap *= 2;
            const ni = new Int32Array(cap);
            ni.set(indices);
            indices = ni;
            const nv = new Float64Array(cap);
            nv.set(values);
            values = nv;
          }
          indices[nnz] = idx - 1;
          values[nnz] = v;
          nnz++;
        }
        p = t;
      }
      if (prev > maxIndex) maxIndex = prev;
      if (rows === rowCap) {
        rowCap *= 2;
        const np = new Int32Array(rowCap + 1);
        np.set(indptr);
        indptr = np;
        const nl = new Float64Array(rowCap);
        nl.set(labels);
        labels = nl;
      }
      labels[rows] = label;
      rows++;
      indptr[rows] = nnz;
    }
    pos = end + 1;
  }
  if (rows === 0) throw datasetError(file, null, 'no samples (the file is empty or has only blank lines)');
  return {
    file,
    rows,
    maxIndex,
    indptr: indptr.slice(0, rows + 1),
    indices: indices.slice(0, nnz),
    values: values.slice(0, nnz),
    labels: labels.slice(0, rows),
  };
}

/** Reads and parses a LIBSVM file, plain or gzipped (detected by magic bytes). */
export function readLibsvm(path: string, opts: ReadDataOptions = {}): LibsvmRaw {
  return parseLibsvm(readDataFile(path, opts), path);
}

/**
 * The CSR feature matrix with `nFeatures` columns (default: the largest index seen). a9a.t never uses
 * feature 123, so train and test must be built with nFeatures = 123 to agree.
 */
export function libsvmToCsr(raw: LibsvmRaw, nFeatures?: number): CsrMatrix {
  const cols = nFeatures ?? raw.maxIndex;
  if (cols > MAX_FEATURES) throw datasetError(raw.file, null, `nFeatures = ${cols} is over the limit of ${MAX_FEATURES} features`);
  if (raw.maxIndex > cols) {
    throw datasetError(raw.file, null, `a feature index exceeds nFeatures = ${cols}`);
  }
  return { kind: 'csr', rows: raw.rows, cols, indptr: raw.indptr, indices: raw.indices, values: raw.values };
}
