/**
 * The coordinator's checkpoint (docs/resume.md "Cluster"), written at round R once every node's
 * checkpoint of R is durable:
 *   coord.rows                  the metric rows with iter ≤ R, exact JSON (NaN, ±∞, −0 survive)
 *   coord.file.metrics.ndjson   the exact bytes of the metrics files holding those rows
 *   coord.file.metrics.csv
 * The files are produced from the rows with the writer's own line formats, not read from disk: a
 * node may already have sent (and the coordinator appended) rows past R when the last node's
 * checkpoint of R arrives. With a `network` section, the simulated clock's state after the last row
 * ≤ R is added as coord.clock.* (snapshotted at each row for the same reason). The nodes keep their
 * Σ losses themselves (node-state.ts), so these are the coordinator's whole deterministic state; run
 * status is the header's round.
 */
import type { MetricsRow } from '../results/metrics-row.ts';
import { metricsCsvHeader, metricsCsvLine, metricsNdjsonLine } from '../results/metrics-format.ts';
import { decodeExactJson, encodeExactJson } from '../checkpoint/exact-json.ts';
import { StateRegistry, type StateEntry } from '../checkpoint/state-registry.ts';

export interface CoordinatorSnapshot {
  readonly rows: readonly MetricsRow[];
  /** File name → exact bytes at the checkpoint. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The simulated clock's entries (coord.clock.*); empty without a network section. */
  readonly clock: ReadonlyMap<string, StateEntry>;
}

export const CLOCK_PREFIX = 'coord.clock';

export const COORDINATOR_FILES = ['metrics.ndjson', 'metrics.csv'] as const;

const utf8 = new TextEncoder();

function registry(snap: { rows: MetricsRow[]; files: Map<string, Uint8Array> }): StateRegistry {
  const reg = new StateRegistry();
  reg.bytes(
    'coord.rows',
    () => encodeExactJson(snap.rows),
    (b) => {
      snap.rows = decodeExactJson(b) as MetricsRow[];
    },
  );
  for (const f of COORDINATOR_FILES)
    reg.bytes(
      `coord.file.${f}`,
      () => snap.files.get(f)!,
      (b) => void snap.files.set(f, b),
    );
  return reg;
}

/** The entries of the coordinator's checkpoint at `round`, from the rows so far. */
export function coordinatorEntries(
  rows: readonly MetricsRow[],
  round: number,
  opts: { readonly simTime?: boolean },
  clock: readonly StateEntry[] = [],
): StateEntry[] {
  const kept = rows.filter((r) => r.iter <= round);
  const files = new Map<string, Uint8Array>([
    ['metrics.ndjson', utf8.encode(kept.map(metricsNdjsonLine).join(''))],
    ['metrics.csv', utf8.encode(metricsCsvHeader(opts) + kept.map(metricsCsvLine).join(''))],
  ]);
  return [...registry({ rows: kept, files }).capture(), ...clock];
}

/** Rows and file bytes from a verified coordinator checkpoint (entries checked by name, kind). */
export function restoreCoordinator(entries: ReadonlyMap<string, StateEntry>): CoordinatorSnapshot {
  const snap = { rows: [] as MetricsRow[], files: new Map<string, Uint8Array>() };
  const isClock = (name: string) => name.startsWith(`${CLOCK_PREFIX}.`);
  registry(snap).restore(new Map([...entries].filter(([name]) => !isClock(name))));
  return { ...snap, clock: new Map([...entries].filter(([name]) => isClock(name))) };
}
