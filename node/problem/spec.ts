/**
 * Config schema pieces owned by node/problem: the `problem` section (dataset, model, regularizer) and
 * the top-level `partition` section. TypeBox, every object closed, every property described (the
 * config docs are generated from these descriptions). Code never relies on schema defaults alone:
 * the consumers below resolve the same defaults with `??`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { RegularizerSpecSchema } from '../prox/spec.ts';
import { DATASET_NAMES } from './datasets/names.ts';

const testFraction = Type.Optional(
  Type.Number({
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.2,
    description:
      'Fraction of each class held out as the test set (seeded, stratified; stream Rng.derive(seed, -1, "holdout")). Used only when the dataset has no test file; 0 = no test set.',
  }),
);

export const NamedDatasetSpecSchema = Type.Object(
  {
    name: Type.Union(
      DATASET_NAMES.map((n) => Type.Literal(n)),
      {
        description: `A named dataset: ${DATASET_NAMES.join(', ')}. a9a, digits and breast-cancer ship in data/; the others are read from the shared datasets folder.`,
      },
    ),
    testFraction,
  },
  { additionalProperties: false, description: 'A dataset by name (see data/README.md).' },
);

export const FileDatasetSpecSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'Training file (relative to the current directory). For idx: the images file.' }),
    format: Type.Union([Type.Literal('libsvm'), Type.Literal('idx'), Type.Literal('csv')], {
      description:
        'File format: libsvm (sparse text, optionally gzipped), idx (MNIST-style, needs labelsPath), csv (label in the last column).',
    }),
    labelsPath: Type.Optional(Type.String({ minLength: 1, description: 'idx only: the training labels file.' })),
    testPath: Type.Optional(Type.String({ minLength: 1, description: 'Optional test file in the same format (idx: the test images).' })),
    testLabelsPath: Type.Optional(Type.String({ minLength: 1, description: 'idx only: the test labels file.' })),
    nFeatures: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'libsvm only: number of features (columns); default = the largest index in the training file.',
      }),
    ),
    normalize: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('unit'), Type.Literal('mnist'), Type.Literal('standardize')], {
        default: 'none',
        description:
          'Feature preprocessing: none; unit (idx: x/255); mnist (idx: (x/255 − 0.1307)/0.3081); standardize (dense: per-column (x − mean)/std with train statistics).',
      }),
    ),
    testFraction,
  },
  { additionalProperties: false, description: 'A dataset from files.' },
);

export const DatasetSpecSchema = Type.Union([NamedDatasetSpecSchema, FileDatasetSpecSchema], {
  default: { name: 'a9a' },
  description: 'The training (and test) data: { name } or { path, format, … }.',
});

const intercept = Type.Optional(Type.Boolean({ default: true, description: 'Fit a bias term (layer "bias").' }));

export const ModelSpecSchema = Type.Union(
  [
    Type.Object(
      { kind: Type.Literal('logistic', { description: 'Binary logistic regression, loss mean log(1 + exp(−y(aᵀw + b))).' }), intercept },
      { additionalProperties: false, description: 'Binary logistic regression (2 classes).' },
    ),
    Type.Object(
      { kind: Type.Literal('softmax', { description: 'Multinomial logistic regression (softmax cross-entropy).' }), intercept },
      { additionalProperties: false, description: 'Multinomial logistic regression, W (C×d) and b (C).' },
    ),
    Type.Object(
      {
        kind: Type.Literal('mlp', { description: 'Fully connected network, ReLU hidden layers, softmax cross-entropy.' }),
        hidden: Type.Optional(
          Type.Array(Type.Integer({ minimum: 1 }), { default: [64], description: 'Hidden layer widths, e.g. [64] or [128, 64].' }),
        ),
      },
      { additionalProperties: false, description: 'Multi-layer perceptron with He initialisation.' },
    ),
    Type.Object(
      { kind: Type.Literal('lenet5', { description: 'LeNet5 (paper-spec §6.2) for 1×28×28 images.' }) },
      { additionalProperties: false, description: 'LeNet5 convolutional network.' },
    ),
  ],
  { default: { kind: 'logistic', intercept: true }, description: 'The model: logistic | softmax | mlp | lenet5.' },
);

export const ProblemSpecSchema = Type.Object(
  {
    dataset: DatasetSpecSchema,
    model: ModelSpecSchema,
    regularizer: RegularizerSpecSchema,
    precision: Type.Optional(
      Type.Union([Type.Literal('f64'), Type.Literal('f32')], {
        description:
          'Arithmetic of the model (default f64). f32: forward, backward and evaluation in float32 on WebAssembly SIMD kernels (lenet5 only); parameters are rounded to f32 on entry, gradients are f32 values, the algorithm state, mixing and prox stay float64. Deterministic, and sim ≡ cluster byte for byte (docs/architecture.md, Precision).',
      }),
    ),
  },
  { additionalProperties: false, description: 'The optimisation problem: data, model (smooth part f) and regularizer r.' },
);

export const PartitionSpecSchema = Type.Union(
  [
    Type.Object(
      { kind: Type.Literal('iid', { description: 'Seeded random permutation split into near-equal shards.' }) },
      { additionalProperties: false, description: 'IID (homogeneous) split.' },
    ),
    Type.Object(
      { kind: Type.Literal('sorted', { description: 'Stable sort by label, then near-equal contiguous shards.' }) },
      { additionalProperties: false, description: 'Label-sorted (maximally heterogeneous) split.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('labels', { description: 'Explicit label sets per node.' }),
        labels: Type.Array(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }), {
          minItems: 1,
          description:
            'labels[i] = the classes node i gets ALL samples of (e.g. [[0,9],[1,8],[2,7],[3,6],[4,5]], the paper’s pairs); a class listed for several nodes is split evenly among them.',
        }),
      },
      { additionalProperties: false, description: 'Label-set split (paper-spec §6.1).' },
    ),
    Type.Object(
      {
        kind: Type.Literal('dirichlet', { description: 'Per-class Dirichlet(α) proportions over nodes.' }),
        alpha: Type.Optional(
          Type.Number({ exclusiveMinimum: 0, default: 0.5, description: 'Dirichlet concentration α > 0 (small α = more label skew).' }),
        ),
      },
      { additionalProperties: false, description: 'Dirichlet label-skew split.' },
    ),
    Type.Object(
      {
        kind: Type.Literal('quantity', { description: 'Shard sizes ∝ Dirichlet(α), iid labels.' }),
        alpha: Type.Optional(
          Type.Number({
            exclusiveMinimum: 0,
            default: 1,
            description: 'Dirichlet concentration α > 0 for the shard sizes (small α = more size skew).',
          }),
        ),
      },
      { additionalProperties: false, description: 'Quantity-skew split.' },
    ),
  ],
  {
    default: { kind: 'sorted' },
    description: 'How the training set is split over the nodes: iid | sorted | labels | dirichlet | quantity.',
  },
);

export type NamedDatasetSpec = Static<typeof NamedDatasetSpecSchema>;
export type FileDatasetSpec = Static<typeof FileDatasetSpecSchema>;
export type DatasetSpec = Static<typeof DatasetSpecSchema>;
export type ModelSpec = Static<typeof ModelSpecSchema>;
export type ProblemSpec = Static<typeof ProblemSpecSchema>;
export type PartitionSpec = Static<typeof PartitionSpecSchema>;
