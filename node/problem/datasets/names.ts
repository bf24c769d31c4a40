/** The named datasets (kept apart from the registry so loaders can list them in errors without a cycle). */
export const DATASET_NAMES = [
  'a9a',
  'digits',
  'breast-cancer',
  'fashion-mnist',
  'mnist-test',
  'w8a',
  'ijcnn1',
  'iris',
  'wine',
  'german',
  'reuters',
] as const;

export type DatasetName = (typeof DATASET_NAMES)[number];
