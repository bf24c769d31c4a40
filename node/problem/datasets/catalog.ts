/**
 * The one table of dataset files: where each file sits in a dataset folder, its SHA-256, and the
 * canonical source it is fetched from. The loaders (registry.ts) resolve files by role from here,
 * and `proxmesh data pull | verify` download and check against it.
 *
 * Two identities per file, because the reference copy (the bytes a mirror serves, and the ones in
 * the repository's data/) is not always the canonical source's bytes:
 * - `sha256`/`bytes`: the reference file itself.
 * - `content`: for gzip files, the decompressed bytes. Several sources serve the same content in a
 *   different gzip wrapper (Zalando's .gz against Debian's re-gzipped copy) or as plain text that
 *   we gzip ourselves, so a file verifies when either identity matches.
 *
 * `source.form` says what the canonical URL serves:
 * - `same`: the reference bytes (checked against `sha256`);
 * - `raw`: the uncompressed text (checked against `content.sha256`, then gzipped into place);
 * - `gzip`: another gzip of the same content (gunzipped and checked against `content.sha256`).
 * Sources are pinned to a commit or release tag. ijcnn1 and reuters exist upstream only as bzip2,
 * which Node cannot decompress, so they have no source here: they come from a mirror
 * (PROXMESH_DATA_MIRROR) or a folder copy. Provenance and licences: data/README.md and the shared
 * datasets README.
 */
import type { DatasetName } from './names.ts';

export interface Identity {
  readonly sha256: string;
  readonly bytes: number;
}

export interface Source {
  readonly url: string;
  readonly form: 'same' | 'raw' | 'gzip';
}

export interface DataFile extends Identity {
  /** Path inside a dataset folder (also the path under PROXMESH_DATA_MIRROR). */
  readonly rel: string;
  /** Decompressed identity, for gzip files. */
  readonly content?: Identity;
  readonly source: Source | null;
}

export interface CatalogEntry {
  /** Files by role (the role names are what registry.ts asks for). */
  readonly files: Readonly<Record<string, DataFile>>;
  /** True when the repository's data/ ships the files (they need no pull). */
  readonly shipped: boolean;
  /** One line: where the data come from. */
  readonly origin: string;
}

const gh = (repo: string, commit: string, path: string) => `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;
const SPARKGBM = 'c4937579a01a9b0929b93106d9ad34d8e6171c9d';
const GPU_SVM = '773907bd4fd79c7e47fb1f9a54333c01aea74f49';
const ACCSPD = '3070cba175cea54d581b1c6410d173e455350775';
const PNORM = 'a2993349a1261bee45754a99cae9be6efbea1b23';
const KELAS = '283b387221ab46655e600cfcc25d843bb14292b9';
const ZALANDO = '55506a91af88bac38da7169389bdffed53be3621'; // Debian's 0.0~git20200523.55506a9
const SKLEARN = '1.2.1'; // the release Debian's python3-sklearn 1.2.1+dfsg-1 packages
const sk = (file: string) => gh('scikit-learn/scikit-learn', SKLEARN, `sklearn/datasets/data/${file}`);
const fm = (file: string) => gh('zalandoresearch/fashion-mnist', ZALANDO, `data/fashion/${file}`);

export const CATALOG: Readonly<Record<DatasetName, CatalogEntry>> = {
  a9a: {
    shipped: true,
    origin: 'LIBSVM a9a (UCI Adult, Platt 1998)',
    files: {
      train: {
        rel: 'a9a/a9a.gz',
        bytes: 197_533,
        sha256: 'b301f3e87350539f3ebc751d07b4691a8c66f0bf38c1d179c86bbf5e2d9623b2',
        content: { bytes: 2_329_875, sha256: 'f5d5ffd8d865ff41328e7ee043e4b020816914ff6843ff15b98905ddbedce906' },
        source: { url: gh('zhengruifeng/SparkGBM', SPARKGBM, 'data/a9a'), form: 'raw' },
      },
      test: {
        rel: 'a9a/a9a.t.gz',
        bytes: 99_153,
        sha256: '92967561181c73a60149cc8221b936eb746573fda8cbf483115d673f42b26c3f',
        content: { bytes: 1_164_628, sha256: '1f448a153f0320399a7e40836eb207655b0bde0f21fc941cc472193daa9f5de9' },
        source: { url: gh('carolinetfls/gpu_svm_acceleration', GPU_SVM, 'datasets/a9a.t'), form: 'raw' },
      },
    },
  },
  digits: {
    shipped: true,
    origin: 'UCI optdigits test set, via scikit-learn',
    files: {
      data: {
        rel: 'digits/digits.csv.gz',
        bytes: 57_512,
        sha256: '46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a',
        content: { bytes: 264_712, sha256: '6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8' },
        source: { url: sk('digits.csv.gz'), form: 'same' },
      },
    },
  },
  'breast-cancer': {
    shipped: true,
    origin: 'UCI Breast Cancer Wisconsin (Diagnostic), via scikit-learn',
    files: {
      data: {
        rel: 'breast-cancer/breast_cancer.csv',
        bytes: 119_913,
        sha256: 'fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed',
        source: { url: sk('breast_cancer.csv'), form: 'same' },
      },
    },
  },
  'fashion-mnist': {
    shipped: false,
    origin: 'Zalando Fashion-MNIST (MIT); also Debian package dataset-fashion-mnist',
    files: {
      trainImages: {
        rel: 'fashion-mnist/train-images-idx3-ubyte.gz',
        bytes: 26_421_856,
        sha256: 'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7',
        content: { bytes: 47_040_016, sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
        source: { url: fm('train-images-idx3-ubyte.gz'), form: 'gzip' },
      },
      trainLabels: {
        rel: 'fashion-mnist/train-labels-idx1-ubyte.gz',
        bytes: 29_491,
        sha256: '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056',
        content: { bytes: 60_008, sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
        source: { url: fm('train-labels-idx1-ubyte.gz'), form: 'gzip' },
      },
      testImages: {
        rel: 'fashion-mnist/t10k-images-idx3-ubyte.gz',
        bytes: 4_422_079,
        sha256: 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
        content: { bytes: 7_840_016, sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
        source: { url: fm('t10k-images-idx3-ubyte.gz'), form: 'gzip' },
      },
      testLabels: {
        rel: 'fashion-mnist/t10k-labels-idx1-ubyte.gz',
        bytes: 5_125,
        sha256: '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
        content: { bytes: 10_008, sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
        source: { url: fm('t10k-labels-idx1-ubyte.gz'), form: 'gzip' },
      },
    },
  },
  'mnist-test': {
    shipped: false,
    origin: 'MNIST official test split (LeCun, Cortes, Burges)',
    files: {
      images: {
        rel: 'mnist-test/t10k-images-idx3-ubyte.gz',
        bytes: 1_648_877,
        sha256: '167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b',
        content: { bytes: 7_840_016, sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
        source: { url: gh('kelas/mnist', KELAS, 't10k-images-idx3-ubyte.gz'), form: 'same' },
      },
      labels: {
        rel: 'mnist-test/t10k-labels-idx1-ubyte.gz',
        bytes: 4_542,
        sha256: 'fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c',
        content: { bytes: 10_008, sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
        source: { url: gh('kelas/mnist', KELAS, 't10k-labels-idx1-ubyte.gz'), form: 'same' },
      },
    },
  },
  w8a: {
    shipped: false,
    origin: 'LIBSVM w8a (Platt 1998)',
    files: {
      data: {
        rel: 'w8a/w8a.gz',
        bytes: 466_686,
        sha256: '758d97c654378b34cca0160e7a6b2ac926d882b51dddd2f0d3d3743f0ed9135b',
        content: { bytes: 3_478_239, sha256: 'b464b4f6ce6a5d9e181ffc793e19a04751036273722312398ef7673705014902' },
        source: { url: gh('unc-optimization/AccSPD', ACCSPD, 'data/w8a'), form: 'raw' },
      },
    },
  },
  ijcnn1: {
    shipped: false,
    origin: 'LIBSVM ijcnn1 (bzip2 upstream: mirror only)',
    files: {
      train: {
        rel: 'ijcnn1/ijcnn1.trn.gz',
        bytes: 1_576_596,
        sha256: '47cab08392bd06c78955eaf699078be7de27577ce9856cc261df813638330ec3',
        content: { bytes: 7_844_877, sha256: '7fe291672c3fefe6a7e3c51529becd23f0e985ba05ffb8d53c9c648c1e91cc19' },
        source: null,
      },
      test: {
        rel: 'ijcnn1/ijcnn1.tst.gz',
        bytes: 2_928_070,
        sha256: '46975aadc0337200b2926e3e2e9cb7586177049e0597a541083e294da0e7a1f2',
        content: { bytes: 14_213_968, sha256: 'e7b0bbd518641980dc322746c6bc59d019d3153934e6258e48f9d8cfae2c4bb8' },
        source: null,
      },
    },
  },
  iris: {
    shipped: false,
    origin: 'Fisher (1936) iris, via scikit-learn',
    files: {
      data: {
        rel: 'iris/iris.csv',
        bytes: 2_734,
        sha256: 'f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449',
        source: { url: sk('iris.csv'), form: 'same' },
      },
    },
  },
  wine: {
    shipped: false,
    origin: 'UCI Wine recognition, via scikit-learn',
    files: {
      data: {
        rel: 'wine/wine_data.csv',
        bytes: 11_157,
        sha256: '10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede',
        source: { url: sk('wine_data.csv'), form: 'same' },
      },
    },
  },
  german: {
    shipped: false,
    origin: 'LIBSVM german.numer_scale (UCI Statlog German Credit)',
    files: {
      data: {
        rel: 'german.numer_scale/german.numer_scale',
        bytes: 165_392,
        sha256: 'e461161650598fda2988f2a4c3b592634bbcae1c0eec382c94ceda5f30d4dab4',
        source: { url: gh('bokunwang1/P-norm-Push', PNORM, 'data/german_scale.txt'), form: 'same' },
      },
    },
  },
  reuters: {
    shipped: false,
    origin: 'LaSVM reuters (bzip2 upstream: mirror only)',
    files: {
      train: {
        rel: 'reuters-lasvm/reuters.trn.gz',
        bytes: 3_639_062,
        sha256: '5428611b48a29aef2fcd2cc1b8ed1e389d1ad0a96910bfe25b000c440e386fb0',
        content: { bytes: 8_274_096, sha256: 'caacd2baf041b15b51ab65c0ec2ac834a439a561fb6708427c1c002c10ac7215' },
        source: null,
      },
      test: {
        rel: 'reuters-lasvm/reuters.tst.gz',
        bytes: 906_973,
        sha256: '5380d467622d2d6dbb7076157ea3dd6b2f263fb81335cac975a63ba72e41a9a3',
        content: { bytes: 2_241_732, sha256: '6e267dcb1f83c68bcb1c3f30d7a70dd9fe059e1da39b9c191456ff827507539f' },
        source: null,
      },
    },
  },
};

/** The file of `name` with `role`; throws on a role the catalog does not list (a programming error). */
export function catalogFile(name: DatasetName, role: string): DataFile {
  const f = CATALOG[name].files[role];
  if (!f) throw new Error(`catalog: dataset ${name} has no file role '${role}'`);
  return f;
}
