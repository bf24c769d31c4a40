/**
 * proxmesh's public library surface: `import { … } from 'proxmesh'` resolves here (package.json
 * "exports" → dist/node/api/index.js, types dist/node/api/index.d.ts). Everything a user may rely
 * on is re-exported from this one file, so internal modules can move without breaking users; what
 * is not exported here is internal. docs/api.md documents it; test/api/ runs its snippets.
 */

// Running: config → simulation, local cluster, sweep, report.
export { loadConfig, type LoadConfigOptions } from '../config/load.ts';
export type { FrozenConfig, RunConfig } from '../config/schema.ts';
export { runSimulation, type SimOptions, type SimProgress, type SimResult } from '../sim/run-sim.ts';
export { loadStudy, type LoadStudyOptions, type ResolvedStudy } from '../sweep/load-study.ts';
export { runSweep, type SweepEvent, type SweepOptions, type SweepResult } from '../sweep/run-sweep.ts';
export { runLocalCluster, buildReport } from './lazy.ts';
export type { LocalClusterOptions, LocalClusterProgress, LocalClusterResult } from '../run/local-cluster.ts';
export type { ReportOptions, ReportResult } from '../report/report.ts';
export type { MetricsRow } from '../results/metrics-row.ts';

// Registries and plug-ins.
export { registries } from './registries.ts';
export {
  registerAlgorithm,
  registerCompressor,
  registerModel,
  registerRegularizer,
  type AlgorithmOptions,
  type PluginOptions,
  type PluginSpec,
  type PluginAlgorithmFactory,
  type PluginCompressorFactory,
  type PluginModelFactory,
  type PluginRegularizerFactory,
} from '../plugins/registry.ts';
export { loadPluginFile, loadedPlugins } from '../plugins/load.ts';
export type { PluginRef } from '../plugins/spec.ts';
export { pluginHostApi, PLUGIN_API_VERSION, type PluginHostApi } from '../plugins/host-api.ts';
export { currentRunConfigSchema as runConfigSchema } from '../config/plugin-schema.ts';
export { renderConfigDocs } from '../config/render-docs.ts';
/** TypeBox's Type, the version proxmesh validates with, for plug-in key schemas. */
export { Type } from '@sinclair/typebox';

// Errors, randomness.
export { ProxmeshError, ERRORS, type ErrorCode, type ErrorDef } from '../errors.ts';
export { Rng } from '../linalg/rng.ts';

// The interfaces a plug-in implements or receives.
export type { AlgoParams, AlgorithmFactory, BatchExchange, Communicator, NodeAlgorithm, NodeContext, StepStats } from '../algo/types.ts';
export type { GradientOracle } from '../problem/types.ts';
export type { Compressor, CompressorFactory, CompressorInfo, FloatPrecision, Message, MessageValues } from '../compress/types.ts';
export type { Prox, ProxFactory } from '../prox/types.ts';
export type { Dataset, Model } from '../problem/types.ts';
export type { LayerMap, LayerSpec } from '../linalg/layers.ts';
export type { PeerTransport as Transport, TransportStats } from '../transport/types.ts';
export type { MixingRow } from '../../topologies/types.ts';
