/**
 * The coordinator's side of cluster checkpoints (docs/resume.md "Cluster"). Each node sends
 * `checkpointed` once its checkpoint of round R is durable; when all n have, the coordinator writes
 * coordinator-r<R>.ckpt into <run folder>/checkpoints (rows with iter ≤ R and the metrics files'
 * bytes, node/checkpoint/coordinator-state.ts). Round R is resumable from then on: the reports of
 * every iteration ≤ R came before each node's `checkpointed` on its ordered control channel, so all
 * rows up to R are already aggregated.
 */
import type { FrozenConfig } from '../node/config/schema.ts';
import { configHash } from '../node/resume/config-hash.ts';
import { CLOCK_PREFIX, coordinatorEntries } from '../node/resume/coordinator-state.ts';
import { StateRegistry, type StateEntry, type Stateful } from '../node/checkpoint/state-registry.ts';
import { COORDINATOR_STREAM } from '../node/resume/node-state.ts';
import { CheckpointWriter, DEFAULT_KEEP } from '../node/checkpoint/store.ts';
import { ProxmeshError } from '../node/errors.ts';
import type { MetricsRow } from '../node/results/metrics-row.ts';

export interface CoordinatorCheckpointWritten {
  readonly round: number;
  readonly bytes: number;
  readonly blockingMs: number;
  readonly durableMs: number;
}

export interface CoordinatorCheckpoints {
  /** After the row of `iter` was aggregated: keeps a copy of the clock's state at that row. */
  afterRow(iter: number): void;
  /** Node `node`'s checkpoint of `round` is durable; writes the coordinator's when it is the last. */
  nodeDurable(node: number, round: number, rows: readonly MetricsRow[]): Promise<void>;
  /** Waits for the write in flight. */
  flush(): Promise<void>;
}

/**
 * The simulated clock of a run with a `network` section (AggregateContext.clock), restored from
 * `resumed` (a resumed run's coord.clock.* entries) when given; null without a clock.
 */
export function clockRegistry(clock: Partial<Stateful> | undefined, resumed?: ReadonlyMap<string, StateEntry>): StateRegistry | null {
  if (clock?.registerState === undefined) return null;
  const reg = new StateRegistry();
  clock.registerState(reg, CLOCK_PREFIX);
  if (resumed !== undefined) reg.restore(resumed);
  return reg;
}

/** null when the run has checkpointEvery = 0. `clock`: clockRegistry's, or null. */
export function createCoordinatorCheckpoints(
  config: FrozenConfig,
  dir: string,
  n: number,
  clock: StateRegistry | null,
  startRound: number,
  onWritten: (w: CoordinatorCheckpointWritten) => void,
): CoordinatorCheckpoints | null {
  const every = config.checkpointEvery ?? 0;
  if (every === 0) return null;
  // Copies of the clock's state after each row not yet covered by a coordinator checkpoint, by row
  // iteration (startRound: the state restored on a resume, or the fresh clock).
  const copy = () => clock!.capture().map((e) => ({ ...e, data: e.data.slice() }));
  const clockAt = new Map<number, StateEntry[]>(clock !== null ? [[startRound, copy()]] : []);
  const clockFor = (round: number): StateEntry[] => {
    if (clock === null) return [];
    const iters = [...clockAt.keys()].filter((k) => k <= round).sort((a, b) => b - a);
    const at = clockAt.get(iters[0])!;
    for (const k of iters.slice(1)) clockAt.delete(k); // older rows are never needed again
    return at;
  };
  const hash = configHash(config);
  const simTime = config.network !== undefined;
  const seen = new Map<number, Set<number>>();
  let queue: Promise<void> = Promise.resolve();
  const writer = new CheckpointWriter(dir, COORDINATOR_STREAM, DEFAULT_KEEP, (w) => {
    onWritten({ round: Number(/-r(\d+)\.ckpt$/.exec(w.file)![1]), bytes: w.bytes, blockingMs: w.blockingMs, durableMs: w.durableMs });
  });
  return {
    afterRow(iter) {
      if (clock !== null) clockAt.set(iter, copy());
    },
    async nodeDurable(node, round, rows) {
      if (round % every !== 0 || node >= n) {
        throw new ProxmeshError(
          'PROXMESH_ERR_FRAME_MALFORMED',
          `node ${node} reported a checkpoint of round ${round}, which is not a multiple of checkpointEvery = ${every}`,
          { node, round },
        );
      }
      let nodes = seen.get(round);
      if (nodes === undefined) {
        nodes = new Set();
        seen.set(round, nodes);
      }
      nodes.add(node);
      if (nodes.size < n) return;
      seen.delete(round);
      // One write at a time, in round order (CheckpointWriter is not re-entrant).
      const next = queue.then(() =>
        writer.write({ kind: 'coordinator', firstNode: 0, nodeCount: 0, round, configHash: hash }, () =>
          coordinatorEntries(rows, round, { simTime }, clockFor(round)),
        ),
      );
      queue = next.catch(() => {});
      await next;
    },
    flush: async () => {
      await queue;
      await writer.flush();
    },
  };
}
