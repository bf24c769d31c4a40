/**
 * Named datasets → files + preprocessing, and the loader for `problem.dataset` specs.
 *
 * Files are resolved by role through catalog.ts (paths, checksums, sources); `proxmesh data pull NAME`
 * fetches the ones not shipped in data/.
 *
 * | name          | files (relative to a search folder, see paths.ts) | test set                  | preprocessing |
 * |---------------|---------------------------------------------------|---------------------------|---------------|
 * | a9a           | a9a/a9a.gz, a9a/a9a.t.gz (shipped in data/)       | file                      | none, 123 features |
 * | digits        | digits/digits.csv.gz (shipped)                    | stratified holdout        | x/16 |
 * | breast-cancer | breast-cancer/breast_cancer.csv (shipped)         | stratified holdout        | standardised with train mean/std |
 * | fashion-mnist | fashion-mnist/{train,t10k}-*-ubyte.gz (pulled)    | file                      | (x/255 − 0.1307)/0.3081 |
 * | mnist-test    | mnist-test/t10k-*-ubyte.gz (pulled)               | stratified holdout        | (x/255 − 0.1307)/0.3081 |
 * | w8a           | w8a/w8a.gz (pulled)                               | stratified holdout        | none, 300 features |
 * | ijcnn1        | ijcnn1/ijcnn1.{trn,tst}.gz (pulled)               | file                      | none, 22 features |
 * | iris, wine    | iris/iris.csv, wine/wine_data.csv (pulled)        | stratified holdout        | standardised |
 * | german        | german.numer_scale/german.numer_scale (pulled)    | stratified holdout        | none, 24 features |
 * | reuters       | reuters-lasvm/reuters.{trn,tst}.gz (pulled)       | file                      | none |
 *
 * The holdout is stratified and seeded from Rng.derive(seed, -1, 'holdout'); `testFraction` (default
 * 0.2) sets its size, 0 gives no test set. Nothing is cached here: the caller loads once per run.
 */
import { resolve } from 'node:path';
import { ProxmeshError } from '../../errors.ts';
import { Rng } from '../../linalg/rng.ts';
import type { DatasetSpec, FileDatasetSpec } from '../spec.ts';
import type { Dataset, DenseMatrix, FeatureMatrix } from '../types.ts';
import { readCsv } from './csv.ts';
import { idxImagesToDense, idxLabels, readIdx, type IdxNormalize } from './idx.ts';
import { assertExists } from './io.ts';
import { encodeLabels } from './labels.ts';
import { libsvmToCsr, readLibsvm } from './libsvm.ts';
import { DATASET_NAMES, type DatasetName } from './names.ts';
import { catalogFile } from './catalog.ts';
import { datasetSearchDirs, findDataFile } from './paths.ts';
import { columnStats, scaleDense, standardizeDense, stratifiedHoldout, subsetDataset } from './transform.ts';

export { DATASET_NAMES, type DatasetName } from './names.ts';

export interface LoadedData {
  readonly train: Dataset;
  readonly test: Dataset | null;
}

export interface LoadOptions {
  /** Run seed (the holdout split is derived from it). */
  readonly seed: number;
  /** Folders to search for named datasets' files (default: datasetSearchDirs()). */
  readonly dirs?: readonly string[];
}

const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export const DEFAULT_TEST_FRACTION = 0.2;

type Post = 'none' | 'standardize' | { scale: number };

interface Parts {
  name: string;
  features: FeatureMatrix;
  labels: Int32Array;
  nClasses: number;
  classNames?: readonly string[];
  sampleShape?: readonly number[];
  test: { features: FeatureMatrix; labels: Int32Array } | null;
  post: Post;
}

/** Builds train/test from parsed parts: holdout when there is no test file, then scaling/standardising. */
function assemble(p: Parts, seed: number, testFraction: number): LoadedData {
  const base = {
    nClasses: p.nClasses,
    ...(p.classNames ? { classNames: p.classNames } : {}),
    ...(p.sampleShape ? { sampleShape: p.sampleShape } : {}),
  };
  let train: Dataset = { name: p.name, features: p.features, labels: p.labels, ...base };
  let test: Dataset | null = p.test ? { name: `${p.name}:test`, features: p.test.features, labels: p.test.labels, ...base } : null;
  if (!test && testFraction > 0) {
    const split = stratifiedHoldout(train.labels, train.nClasses, testFraction, Rng.derive(seed, -1, 'holdout'));
    if (split.train.length === 0) {
      throw new ProxmeshError(
        'PROXMESH_ERR_CONFIG_INCONSISTENT',
        `problem.dataset.testFraction = ${testFraction} leaves no training samples in ${p.name}`,
      );
    }
    test = subsetDataset(train, split.test, `${p.name}:test`);
    train = subsetDataset(train, split.train);
  }
  if (p.post !== 'none') {
    if (train.features.kind !== 'dense')
      throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `problem.dataset.normalize: ${p.name} is sparse; only 'none' applies`);
    const tf = train.features;
    const apply = (m: DenseMatrix, stats: ReturnType<typeof columnStats> | null): DenseMatrix =>
      typeof p.post === 'object' ? scaleDense(m, p.post.scale) : standardizeDense(m, stats!);
    const stats = p.post === 'standardize' ? columnStats(tf) : null;
    train = { ...train, features: apply(tf, stats) };
    if (test) test = { ...test, features: apply(test.features as DenseMatrix, stats) };
  }
  return { train, test };
}

/** The path of `name`'s file `role` (catalog.ts) over the search folders; absent → the pull command. */
function need(name: DatasetName, role: string, dirs: readonly string[]): string {
  const rel = catalogFile(name, role).rel;
  const p = findDataFile(rel, dirs);
  if (p === null) {
    throw new ProxmeshError(
      'PROXMESH_ERR_DATASET_MISSING',
      `dataset '${name}': file ${rel} is not in any dataset folder (searched ${dirs.join(', ')}); fetch it with: proxmesh data pull ${name}`,
      { dataset: name, file: rel, searched: [...dirs], fix: `proxmesh data pull ${name}` },
    );
  }
  return p;
}

function libsvmParts(name: string, trainPath: string, testPath: string | null, nFeatures: number | undefined, post: Post = 'none'): Parts {
  const tr = readLibsvm(trainPath);
  const te = testPath ? readLibsvm(testPath) : null;
  const cols = nFeatures ?? Math.max(tr.maxIndex, te?.maxIndex ?? 0);
  const enc = encodeLabels(te ? [tr.labels, te.labels] : [tr.labels]);
  return {
    name,
    features: libsvmToCsr(tr, cols),
    labels: enc.labels[0],
    nClasses: enc.nClasses,
    test: te ? { features: libsvmToCsr(te, cols), labels: enc.labels[1] } : null,
    post,
  };
}

function csvParts(name: string, trainPath: string, testPath: string | null, post: Post): Parts {
  const tr = readCsv(trainPath);
  const te = testPath ? readCsv(testPath) : null;
  if (te && te.features.cols !== tr.features.cols) {
    throw new ProxmeshError(
      'PROXMESH_ERR_DATASET',
      `${te.file}: ${te.features.cols} features, but the training file ${tr.file} has ${tr.features.cols}`,
    );
  }
  const enc = encodeLabels(te ? [tr.labels, te.labels] : [tr.labels]);
  const names = tr.classNames && tr.classNames.length === enc.nClasses ? { classNames: tr.classNames } : {};
  return {
    name,
    features: tr.features,
    labels: enc.labels[0],
    nClasses: enc.nClasses,
    ...names,
    test: te ? { features: te.features, labels: enc.labels[1] } : null,
    post,
  };
}

function idxParts(
  name: string,
  imgs: string,
  labs: string,
  testImgs: string | null,
  testLabs: string | null,
  normalize: IdxNormalize,
  post: Post,
  classNames?: readonly string[],
): Parts {
  const one = (ip: string, lp: string) => {
    const x = idxImagesToDense(readIdx(ip), ip, normalize);
    const y = idxLabels(readIdx(lp), lp);
    if (y.length !== x.features.rows)
      throw new ProxmeshError('PROXMESH_ERR_DATASET', `${lp}: ${y.length} labels but ${ip} has ${x.features.rows} images`, { file: lp });
    return { ...x, labels: y };
  };
  const tr = one(imgs, labs);
  const te = testImgs && testLabs ? one(testImgs, testLabs) : null;
  let nClasses = 0;
  for (const y of te ? [tr.labels, te.labels] : [tr.labels]) for (let i = 0; i < y.length; i++) nClasses = Math.max(nClasses, y[i] + 1);
  return {
    name,
    features: tr.features,
    labels: tr.labels,
    nClasses,
    ...(classNames && classNames.length === nClasses ? { classNames } : {}),
    sampleShape: tr.sampleShape,
    test: te ? { features: te.features, labels: te.labels } : null,
    post,
  };
}

type Loader = (dirs: readonly string[]) => Parts;

/** Static registry: dataset name → loader (files resolved lazily over the search folders). */
export const DATASETS: Readonly<Record<DatasetName, Loader>> = {
  a9a: (d) => libsvmParts('a9a', need('a9a', 'train', d), need('a9a', 'test', d), 123),
  digits: (d) => csvParts('digits', need('digits', 'data', d), null, { scale: 1 / 16 }),
  'breast-cancer': (d) => csvParts('breast-cancer', need('breast-cancer', 'data', d), null, 'standardize'),
  'fashion-mnist': (d) =>
    idxParts(
      'fashion-mnist',
      need('fashion-mnist', 'trainImages', d),
      need('fashion-mnist', 'trainLabels', d),
      need('fashion-mnist', 'testImages', d),
      need('fashion-mnist', 'testLabels', d),
      'mnist',
      'none',
      FASHION_CLASSES,
    ),
  'mnist-test': (d) =>
    idxParts('mnist-test', need('mnist-test', 'images', d), need('mnist-test', 'labels', d), null, null, 'mnist', 'none'),
  w8a: (d) => libsvmParts('w8a', need('w8a', 'data', d), null, 300),
  ijcnn1: (d) => libsvmParts('ijcnn1', need('ijcnn1', 'train', d), need('ijcnn1', 'test', d), 22),
  iris: (d) => csvParts('iris', need('iris', 'data', d), null, 'standardize'),
  wine: (d) => csvParts('wine', need('wine', 'data', d), null, 'standardize'),
  german: (d) => libsvmParts('german', need('german', 'data', d), null, 24),
  reuters: (d) => libsvmParts('reuters', need('reuters', 'train', d), need('reuters', 'test', d), undefined),
};

function fileParts(spec: FileDatasetSpec): Parts {
  const normalize = spec.normalize ?? 'none';
  const name = spec.path;
  const abs = (p: string) => resolve(p);
  const bad = (field: string, what: string) =>
    new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `problem.dataset.${field}: ${what}`, { field: `problem.dataset.${field}` });
  if (spec.format !== 'libsvm' && spec.nFeatures !== undefined) throw bad('nFeatures', `applies to format libsvm only, not ${spec.format}`);
  if (spec.format !== 'idx' && (spec.labelsPath !== undefined || spec.testLabelsPath !== undefined)) {
    throw bad(spec.labelsPath !== undefined ? 'labelsPath' : 'testLabelsPath', `applies to format idx only, not ${spec.format}`);
  }
  const testPath = spec.testPath !== undefined ? abs(spec.testPath) : null;
  switch (spec.format) {
    case 'libsvm':
      if (normalize !== 'none') throw bad('normalize', `'${normalize}' does not apply to sparse libsvm data; use 'none'`);
      assertExists(abs(spec.path));
      return libsvmParts(name, abs(spec.path), testPath, spec.nFeatures);
    case 'csv':
      if (normalize === 'unit' || normalize === 'mnist')
        throw bad('normalize', `'${normalize}' applies to idx images only; use 'none' or 'standardize'`);
      return csvParts(name, abs(spec.path), testPath, normalize === 'standardize' ? 'standardize' : 'none');
    case 'idx': {
      if (spec.labelsPath === undefined) throw bad('labelsPath', 'format idx needs labelsPath (the labels file for path)');
      if ((spec.testPath === undefined) !== (spec.testLabelsPath === undefined)) {
        throw bad(spec.testPath === undefined ? 'testPath' : 'testLabelsPath', 'format idx needs testPath and testLabelsPath together');
      }
      const pre: IdxNormalize = normalize === 'standardize' ? 'none' : normalize;
      return idxParts(
        name,
        abs(spec.path),
        abs(spec.labelsPath),
        testPath,
        spec.testLabelsPath !== undefined ? abs(spec.testLabelsPath) : null,
        pre,
        normalize === 'standardize' ? 'standardize' : 'none',
      );
    }
  }
}

/** Loads `problem.dataset` (named or from files) into train and optional test datasets. */
export function loadDataset(spec: DatasetSpec, opts: LoadOptions): LoadedData {
  const testFraction = spec.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `problem.dataset.testFraction must be in [0, 1), got ${testFraction}`, {
      field: 'problem.dataset.testFraction',
    });
  }
  if ('name' in spec) {
    const loader = (DATASETS as Record<string, Loader | undefined>)[spec.name];
    if (!loader) {
      throw new ProxmeshError('PROXMESH_ERR_DATASET', `unknown dataset '${spec.name}' (known dataset names: ${DATASET_NAMES.join(', ')})`, {
        dataset: spec.name,
      });
    }
    return assemble(loader(opts.dirs ?? datasetSearchDirs()), opts.seed, testFraction);
  }
  return assemble(fileParts(spec), opts.seed, testFraction);
}

/** Convenience: a named dataset with defaults. */
export function loadNamedDataset(name: DatasetName, opts: LoadOptions & { testFraction?: number }): LoadedData {
  return loadDataset({ name, ...(opts.testFraction !== undefined ? { testFraction: opts.testFraction } : {}) }, opts);
}
