/**
 * The registries as one object for library users: for each extensible kind, the names known now
 * (built-ins first, then plug-ins), how to build one from its config section, and how to add one.
 */
import { algorithmFactory, algorithmUsesCompression } from '../algo/registry.ts';
import { compressorFactory } from '../compress/registry.ts';
import { modelFromSpec } from '../problem/models/registry.ts';
import { proxFromSpec } from '../prox/registry.ts';
import { namesOf, registerAlgorithm, registerCompressor, registerModel, registerRegularizer } from '../plugins/registry.ts';

export const registries = Object.freeze({
  algorithms: Object.freeze({
    names: () => namesOf('algorithm'),
    factory: algorithmFactory,
    usesCompression: algorithmUsesCompression,
    register: registerAlgorithm,
  }),
  compressors: Object.freeze({ names: () => namesOf('compressor'), factory: compressorFactory, register: registerCompressor }),
  models: Object.freeze({ names: () => namesOf('model'), fromSpec: modelFromSpec, register: registerModel }),
  regularizers: Object.freeze({ names: () => namesOf('regularizer'), fromSpec: proxFromSpec, register: registerRegularizer }),
});
