/**
 * Bounds checked before any work (issue 16). A config that passes the schema can still ask for more
 * than a machine can hold: these limits turn such a config into a coded error in milliseconds,
 * before a dataset is parsed, a graph generated or W's spectrum solved.
 */

/**
 * The most nodes a run may have: 2¹⁶. Every node holds a row of W and several d-vectors, and the
 * simulator holds all of them in one process. The sparse set-up runs 10,000 nodes on a9a in well under
 * 2 GB (docs/performance.md), so the cap sits above that; the memory budget below refuses what would
 * not fit long before the cap does for large models. 100,000 nodes is a coded error at load.
 */
export const MAX_NODES = 1 << 16;

/**
 * The largest feature index (= dimension) a dataset file may use or `nFeatures` may declare: 2²²
 * columns. Every node holds several d-vectors and the evaluation a C×d model, so an index of
 * 999999999 in a file would otherwise allocate gigabytes before any other check could run.
 */
export const MAX_FEATURES = 1 << 22;

/** The largest minibatch size: batches are index arrays of b entries per node per iteration. */
export const MAX_BATCH_SIZE = 1 << 20;

/** Deepest nesting accepted in a config (YAML or JSON); the run config itself is 5 levels deep. */
export const MAX_CONFIG_DEPTH = 64;

/** Default memory budget for a run's set-up estimate (MiB), or PROXMESH_MEMORY_BUDGET_MB. */
export const DEFAULT_MEMORY_BUDGET_MB = 4096;

export function memoryBudgetBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.PROXMESH_MEMORY_BUDGET_MB);
  return (Number.isFinite(v) && v > 0 ? v : DEFAULT_MEMORY_BUDGET_MB) * 1024 * 1024;
}
