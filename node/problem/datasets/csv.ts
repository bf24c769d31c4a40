/**
 * Numeric CSV with the label in the last column: scikit-learn's bundled files (header line
 * `n_samples,n_features,<class names…>`, e.g. iris, wine, breast_cancer) and headerless ones
 * (digits.csv.gz). Header detection ('auto'): the first line is a header when any of its fields is
 * not a number. A sklearn header is checked against the data (row and column counts).
 */
import type { DenseMatrix } from '../types.ts';
import { datasetError, readDataFile, type ReadDataOptions } from './io.ts';
import { MAX_FEATURES } from './libsvm.ts';

export interface CsvRaw {
  readonly file: string;
  readonly features: DenseMatrix;
  readonly labels: Float64Array;
  /** Class names from a sklearn header, if any. */
  readonly classNames?: string[];
}

export interface CsvOptions {
  /** true: line 1 is a sklearn header; false: no header; 'auto' (default): detect. */
  readonly header?: boolean | 'auto';
}

export function parseCsv(text: string, file: string, opts: CsvOptions = {}): CsvRaw {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first === lines.length) throw datasetError(file, null, 'no samples (the file is empty)');
  let header: string[] | null = null;
  const firstFields = lines[first]
    .trim()
    .split(',')
    .map((s) => s.trim());
  const isHeader =
    opts.header === 'auto' || opts.header === undefined ? firstFields.some((f) => f === '' || !Number.isFinite(Number(f))) : opts.header;
  if (isHeader) {
    header = firstFields;
    first++;
  }
  const vals: number[] = [];
  let cols = -1;
  let rows = 0;
  for (let li = first; li < lines.length; li++) {
    const s = lines[li].trim();
    if (s === '') continue;
    const fields = s.split(',');
    if (cols < 0) {
      cols = fields.length;
      if (cols < 2) throw datasetError(file, li + 1, `need at least 2 columns (features and a label), got ${cols}`);
      if (cols - 1 > MAX_FEATURES) throw datasetError(file, li + 1, `more than ${MAX_FEATURES} feature columns`);
    } else if (fields.length !== cols) {
      throw datasetError(file, li + 1, `expected ${cols} comma-separated fields, got ${fields.length}`);
    }
    for (let j = 0; j < cols; j++) {
      const f = fields[j].trim();
      const v = f === '' ? NaN : Number(f);
      if (!Number.isFinite(v)) throw datasetError(file, li + 1, `field ${j + 1} is not a finite number`);
      vals.push(v);
    }
    rows++;
  }
  if (rows === 0) throw datasetError(file, null, 'no samples after the header');
  const d = cols - 1;
  const data = new Float64Array(rows * d);
  const labels = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) data[i * d + j] = vals[i * cols + j];
    labels[i] = vals[i * cols + d];
  }
  let classNames: string[] | undefined;
  if (header) {
    const hn = Number(header[0]);
    const hf = Number(header[1]);
    if (header.length < 2 || !Number.isInteger(hn) || !Number.isInteger(hf)) {
      throw datasetError(
        file,
        first,
        "the header line must be 'n_samples,n_features,<class names…>' (or the first line holds a field that is not a number)",
      );
    }
    if (hn !== rows) throw datasetError(file, first, `the header's sample count does not match the file's ${rows} data rows`);
    if (hf !== d) throw datasetError(file, first, `the header's feature count does not match the rows' ${d} features (plus the label)`);
    if (header.length > 2) classNames = header.slice(2);
  }
  return { file, features: { kind: 'dense', rows, cols: d, data }, labels, ...(classNames ? { classNames } : {}) };
}

export function readCsv(path: string, opts: CsvOptions & ReadDataOptions = {}): CsvRaw {
  return parseCsv(readDataFile(path, opts).toString('utf8'), path, opts);
}
