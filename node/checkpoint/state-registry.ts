/**
 * One generic mechanism for checkpoint state: every stateful part of a run (an algorithm's state
 * record, a compressor's residual or permutation, a sampler's position, an Rng stream, the
 * simulator's byte counters and metric accumulators) registers its mutable state here as NAMED
 * entries, and the checkpoint captures and restores by name. Nothing is serialised per class, and
 * nothing depends on how the vectors are laid out in memory (arena views, SharedArrayBuffers, …):
 * capture reads a live view, restore writes into the same view in place, so holders keep their
 * references.
 *
 * Names are paths ('node.3.algo.x', 'node.3.compressX.e', 'net.bytes'); a prefix is given by whoever
 * owns the sub-part. Restore is strict: the checkpoint must hold exactly the registered names with
 * the same kind and length, else PROXMESH_ERR_CHECKPOINT_MISMATCH names the first difference.
 */
import { ProxmeshError } from '../errors.ts';
import type { Rng } from '../linalg/rng.ts';

/** Typed arrays a component may register as live state. */
export type StateArray = Float64Array | Int32Array | Uint32Array;

/** Entry kinds as stored in the checkpoint body (format.ts): the element type of `data`. */
export type EntryKind = 'f64' | 'i32' | 'u32' | 'bytes';

export interface StateEntry {
  readonly name: string;
  readonly kind: EntryKind;
  readonly data: StateArray | Uint8Array;
}

/** What a stateful component sees: add your mutable state under `prefix + '.' + field`. */
export interface StateRegistrar {
  /** A live vector, restored in place (length must match). */
  vector(name: string, v: StateArray): void;
  /** A number held in a closure or object field, read by `get` and written back by `set`. */
  scalar(name: string, get: () => number, set: (v: number) => void): void;
  /** An Rng stream, restored in place (Rng.snapshot / Rng.restore, spare normal included). */
  rng(name: string, r: Rng): void;
  /** Opaque bytes (e.g. UTF-8 JSON of the metric rows so far), produced by `get`, handed back to `set`. */
  bytes(name: string, get: () => Uint8Array, set: (b: Uint8Array) => void): void;
}

/** Implemented by parts whose state lives in closures (compressors, samplers, networks). */
export interface Stateful {
  registerState(reg: StateRegistrar, prefix: string): void;
}

interface Slot {
  readonly kind: EntryKind;
  /** Fixed length, or −1 for variable-length bytes. */
  readonly length: number;
  read(): StateArray | Uint8Array;
  write(data: StateArray | Uint8Array): void;
}

function kindOf(v: StateArray): EntryKind {
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Int32Array) return 'i32';
  return 'u32';
}

export class StateRegistry implements StateRegistrar {
  private readonly slots = new Map<string, Slot>();

  private add(name: string, slot: Slot): void {
    if (name.length === 0 || name.length > 1024)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `state entry name must be 1–1024 characters, got ${name.length}`);
    if (this.slots.has(name)) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `state entry '${name}' registered twice`);
    this.slots.set(name, slot);
  }

  vector(name: string, v: StateArray): void {
    this.add(name, { kind: kindOf(v), length: v.length, read: () => v, write: (d) => v.set(d as StateArray) });
  }

  scalar(name: string, get: () => number, set: (v: number) => void): void {
    this.add(name, { kind: 'f64', length: 1, read: () => Float64Array.of(get()), write: (d) => set(d[0]) });
  }

  rng(name: string, r: Rng): void {
    this.add(name, { kind: 'f64', length: 6, read: () => r.snapshot(), write: (d) => r.restore(d) });
  }

  bytes(name: string, get: () => Uint8Array, set: (b: Uint8Array) => void): void {
    this.add(name, { kind: 'bytes', length: -1, read: get, write: (d) => set(d as Uint8Array) });
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.slots.keys()];
  }

  /**
   * Every entry in registration order. Vectors are LIVE views (no copy): encode them before the
   * state changes again (checkpoint writing does so synchronously).
   */
  capture(): StateEntry[] {
    return [...this.slots].map(([name, s]) => ({ name, kind: s.kind, data: s.read() }));
  }

  /** Writes every registered entry from `entries` (by name); all must be present, none extra. */
  restore(entries: ReadonlyMap<string, StateEntry>): void {
    for (const name of entries.keys()) {
      if (!this.slots.has(name)) throw mismatch(`the checkpoint holds '${name}', which this run does not have`, name);
    }
    // Check everything before writing anything, so a mismatch leaves the state untouched.
    for (const [name, s] of this.slots) {
      const e = entries.get(name);
      if (e === undefined) throw mismatch(`the checkpoint has no '${name}'`, name);
      if (e.kind !== s.kind || (s.length >= 0 && e.data.length !== s.length)) {
        throw mismatch(`'${name}' is ${e.kind}[${e.data.length}] in the checkpoint but ${s.kind}[${s.length}] in this run`, name);
      }
    }
    for (const [name, s] of this.slots) s.write(entries.get(name)!.data);
  }
}

function mismatch(what: string, entry: string): ProxmeshError {
  return new ProxmeshError(
    'PROXMESH_ERR_CHECKPOINT_MISMATCH',
    `${what}; the checkpoint was not written by this version for this config (resume with the code and config that wrote it)`,
    { entry },
  );
}

/** A registrar that puts every name under `prefix.` (for handing a sub-part its own namespace). */
export function within(reg: StateRegistrar, prefix: string): StateRegistrar {
  const p = (n: string) => `${prefix}.${n}`;
  return {
    vector: (n, v) => reg.vector(p(n), v),
    scalar: (n, g, s) => reg.scalar(p(n), g, s),
    rng: (n, r) => reg.rng(p(n), r),
    bytes: (n, g, s) => reg.bytes(p(n), g, s),
  };
}

/**
 * An algorithm's state record, generically: every own field holding a Float64Array is a named
 * vector (x, y, g, gPrev, references, aggregates, scratch). Nested records (CDProxSGT's gossip
 * steps) only alias those vectors and are skipped; every algorithm in node/algo keeps its whole
 * state in such fields (algo-state.test.ts checks each one resumes exactly).
 */
export function registerRecord(reg: StateRegistrar, prefix: string, record: object): void {
  for (const [key, v] of Object.entries(record)) {
    if (v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint32Array) reg.vector(`${prefix}.${key}`, v);
    else if (typeof v === 'number')
      throw new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        `state field ${prefix}.${key} is a plain number; keep counters in a typed array so checkpoints capture them`,
      );
  }
}
