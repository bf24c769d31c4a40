/**
 * Everything a simulation checkpoint holds, registered by name (state-registry.ts):
 *   node.<i>.algo.<field>   the algorithm's state record of node i (every Float64Array field)
 *   node.<i>.rng.<purpose>  its Rng streams (minibatch, compress-x, compress-y)
 *   node.<i>.sampler.*      the epoch permutation and position
 *   node.<i>.compressX.*    compressor state (error-feedback residual, rand-k permutation, …)
 *   net.*                   the in-memory network's byte and message counters
 *   coord.*                 the coordinator side: Σ minibatch losses since the last row, their
 *                           count, the metric rows so far, and the exact bytes of metrics.ndjson,
 *                           metrics.csv (and paper-metrics.ndjson) at the checkpoint
 * Restoring the files from the checkpoint (not trusting what is on disk) makes a resumed folder
 * byte-identical even when the crash came after rows newer than the checkpoint were appended.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeContext } from '../algo/types.ts';
import type { MetricsRow } from '../results/metrics-row.ts';
import { ProxmeshError } from '../errors.ts';
import { decodeExactJson, encodeExactJson } from '../checkpoint/exact-json.ts';
import { registerRecord, type Stateful, type StateRegistrar } from '../checkpoint/state-registry.ts';

export interface SimCoordinatorState {
  /** Σ_i of node i's minibatch losses since the previous row (length n). */
  readonly lossSum: Float64Array;
  getLossCount(): number;
  setLossCount(v: number): void;
  /** The rows so far, replaced wholesale on restore. */
  readonly rows: MetricsRow[];
}

export interface SimStateParts {
  readonly contexts: readonly NodeContext[];
  readonly states: readonly object[];
  readonly network: Stateful;
  readonly coordinator: SimCoordinatorState;
  /** The simulated clock (config `network`), registered as coord.clock.*; absent without one. */
  readonly clock?: Stateful;
  /** The run folder, and the append-only files whose bytes the checkpoint carries. */
  readonly dir: string;
  readonly files: readonly string[];
}

export function registerSimState(reg: StateRegistrar, parts: SimStateParts): void {
  const { contexts, states, coordinator: c } = parts;
  contexts.forEach((ctx, i) => {
    registerRecord(reg, `node.${i}.algo`, states[i]);
    if (ctx.registerState === undefined) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${i}'s context cannot register its state`);
    ctx.registerState(reg, `node.${i}`);
  });
  parts.network.registerState(reg, 'net');
  parts.clock?.registerState(reg, 'coord.clock');
  reg.vector('coord.lossSum', c.lossSum);
  reg.scalar('coord.lossCount', c.getLossCount, c.setLossCount);
  reg.bytes(
    'coord.rows',
    () => encodeExactJson(c.rows),
    (b) => {
      c.rows.length = 0;
      c.rows.push(...(decodeExactJson(b) as MetricsRow[]));
    },
  );
  for (const f of parts.files) {
    const path = join(parts.dir, f);
    // The run only appends to these files, so a file whose size and modification time are those of
    // the last read has the bytes of the last read: one stat instead of reading it again at every
    // checkpoint (the steps wait for the capture).
    let last: { readonly size: bigint; readonly mtimeNs: bigint; readonly ino: bigint; readonly bytes: Uint8Array } | null = null;
    reg.bytes(
      `coord.file.${f}`,
      () => {
        const st = statSync(path, { bigint: true, throwIfNoEntry: false });
        if (st === undefined) return new Uint8Array(0);
        if (last !== null && last.size === st.size && last.mtimeNs === st.mtimeNs && last.ino === st.ino) return last.bytes;
        const bytes = readFileSync(path);
        last = { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino, bytes };
        return bytes;
      },
      (b) => {
        writeFileSync(path, b);
        last = null;
      },
    );
  }
}
