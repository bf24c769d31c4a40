/**
 * The `plugins` key of a run config: plug-in files to load before the rest of the config is
 * validated. Written by a user as paths (relative to the config file); `loadConfig` resolves each to
 * { path, sha256, provides }, which is what config.json records and what every process that runs
 * the config (sweep cells, cluster workers) loads and checks, byte for byte.
 */
import { Type, type Static } from '@sinclair/typebox';

export const PluginRefSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'Absolute path of the plug-in file as loaded.' }),
    sha256: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description: 'SHA-256 of the file (hex); a process whose file differs refuses to run.',
    }),
    provides: Type.Array(Type.String({ minLength: 1 }), {
      description: "What the file registered, as 'kind:name' (e.g. 'compressor:topk-sr'), sorted.",
    }),
  },
  { additionalProperties: false, description: 'A loaded plug-in (the resolved form written to config.json).' },
);

export const PluginListSchema = Type.Array(
  Type.Union(
    [Type.String({ minLength: 1, description: 'Path of an ES module plug-in file, relative to the config file.' }), PluginRefSchema],
    {
      description: 'A path as a user writes it, or the resolved { path, sha256, provides } that loadConfig records in config.json.',
    },
  ),
  {
    maxItems: 64,
    description:
      "Plug-in files (ES modules whose default export is register(proxmesh)), loaded before the rest of the config is checked, so their compressors, algorithms, models and regularizers can be named in it. Paths are relative to the config file. `proxmesh config-docs --plugin FILE` prints this reference with a plug-in's keys; see docs/api.md, 'Plug-ins'.",
  },
);

export type PluginRef = Static<typeof PluginRefSchema>;
