/** Contracts between the run manager, the results store and the run-context factory. */
import type { AggregateContext } from '../node/eval/aggregate-reports.ts';
import type { MetricsRow } from '../node/results/metrics-row.ts';
import type { CoordinatorSnapshot } from '../node/resume/coordinator-state.ts';

/** What a client posts to create a run: the run config (validated and frozen before use). */
export interface RunSpec {
  /** The resolved, frozen run config (the object workers receive). */
  readonly config: unknown;
  /**
   * Continue the run in its folder from the common checkpoint round (`proxmesh run --resume`, the
   * local cluster's self-healing; node/resume/cluster-resume.ts): the rows and metrics file
   * bytes at that round, and the round the workers restore. Never set from the HTTP API.
   */
  readonly resume?: ResumeSpec;
}

export interface ResumeSpec extends CoordinatorSnapshot {
  readonly round: number;
}

/** Append-only results of one run (metrics.ndjson, metrics.csv, summary.json). */
export interface RunStore {
  readonly dir: string;
  appendRow(row: MetricsRow): void;
  /** Wall-clock facts (timings.ndjson): never in metrics.ndjson, which must stay deterministic. */
  appendTiming?(entry: Record<string, unknown>): void;
  finish(outcome: { state: 'done' | 'failed'; rows: readonly MetricsRow[]; failure: RunFailure | null }): void;
}

export interface RunContext {
  readonly ctx: AggregateContext;
  readonly store: RunStore;
  readonly n: number;
  readonly iterations: number;
  readonly spectralGap: number;
}

export type RunContextFactory = ((spec: RunSpec, runId: string) => Promise<RunContext>) & {
  /** Releases what the factory holds (its set-up thread); the app calls it when it closes. */
  close?: () => Promise<void>;
};

export interface RunFailure {
  readonly code: string;
  readonly message: string;
  readonly node: number | null;
  readonly round: number | null;
}
