/** Public surface of the sweep module (`proxmesh sweep`: the CLI calls sweepCommand). */
export { sweepCommand, type SweepCommandOptions } from './command.ts';
export { loadStudy, parseStudy, type ResolvedStudy, type PlannedCell } from './load-study.ts';
export { runSweep, type SweepOptions, type SweepResult, type SweepEvent } from './run-sweep.ts';
export { StudySpecSchema, StudyTargetsSchema, type StudySpec, type StudyTargets } from './spec.ts';
export { axisGroups, expandGrid, cellId, cellSlug, diffHash, canonicalJson, gridSize, type AxisGroup, type GridCell } from './grid.ts';
export { deriveCell, firstReach, reachTargets, identityBitsSent, denseF64MessageBits, compressionRatio, linksFromTopology, type CellDerived, type Reach } from './derive.ts';
export { isKnownPath, knownPaths, suggestPaths } from './config-paths.ts';
export type { IndexRow, CellFailure } from './study-index.ts';
