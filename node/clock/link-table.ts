/**
 * Per-link latency and bandwidth, indexed like the run's links (node/clock/links.ts builds it from
 * the spec, node/clock/link-file.ts parses it from a file). Its own file so that neither of those
 * two imports the other for the type.
 */
export interface LinkTable {
  /** latency[i][s]: ℓ of i → links[i][s], seconds. */
  readonly latency: readonly Float64Array[];
  /** bandwidth[i][s]: B of i → links[i][s], bit/s. */
  readonly bandwidth: readonly Float64Array[];
}
