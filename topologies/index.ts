/** Public surface of the topologies module. */
export type { Graph, Mixing, MixingRow } from './types.ts';
export * from './graph.ts';
export * from './generators.ts';
export * from './mixing.ts';
export * from './mixing-check.ts';
export { symmetricEigenvalues } from './eigen.ts';
export * from './spectral.ts';
export * from './spec.ts';
export * from './export.ts';
export * from './report.ts';
export * from './command.ts';
