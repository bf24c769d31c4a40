/**
 * The control channel between workers and the coordinator (DESIGN.md §5): binary WebSocket messages,
 * each one msgpack map with a `t` tag. Vectors (x_i) travel as raw little-endian float64 bytes so the
 * coordinator evaluates exactly the worker's values. Every incoming message is validated field by
 * field; a bad one is a PROXMESH_ERR_FRAME_MALFORMED error naming the field.
 */
import { Packr } from 'msgpackr';
import { ProxmeshError } from '../errors.ts';
import type { NodeReport } from '../results/metrics-row.ts';

export interface RegisterMsg {
  readonly t: 'register';
  /** ws:// URL where this worker accepts peer links. */
  readonly peerUrl: string;
  /** Kubernetes StatefulSet ordinal (or the local cluster's index); null lets the coordinator choose. */
  readonly ordinal: number | null;
  /** http:// URL of the worker's own /metrics, for the summary. */
  readonly metricsUrl: string | null;
  /** How many nodes this process hosts (--nodes-per-worker; absent: 1). */
  readonly nodes?: number;
}

/**
 * Seconds a worker spent starting (timings.ndjson): process start → worker code loaded (Node and the
 * module graph), the run config validated, the run's data loaded and partitioned (once per process),
 * the peer links up.
 */
export interface StartupSplit {
  readonly load: number;
  readonly config: number;
  readonly data: number;
  readonly connect: number;
}

export interface ReadyMsg {
  readonly t: 'ready';
  readonly runId: string;
  readonly nodeId: number;
  readonly startup?: StartupSplit | null;
}

/**
 * Sent at k = 0, every evalEvery iterations and at k = K: the node's NodeReport (x_i^k, lossSum over
 * the iterations since the previous report, lossCount, cumulative bytesSent as counted by the codec)
 * exactly as the coordinator hands it to aggregateReports.
 */
export interface ReportMsg extends NodeReport {
  readonly t: 'report';
  readonly runId: string;
  /**
   * Optional wall-clock facts for the dashboard (never in metrics.ndjson): mean seconds per iteration
   * since the previous report split into compute / encode (codec) / wait, frames rejected so far (all
   * reasons), and cumulative payload bytes sent to each neighbour (transport counts, keyed by peer id).
   */
  readonly stepSeconds?: { readonly compute: number; readonly encode: number; readonly send?: number; readonly wait: number } | null;
  readonly rejectedFrames?: number | null;
  readonly peerBytes?: Readonly<Record<string, number>> | null;
}

export interface DoneMsg {
  readonly t: 'done';
  readonly runId: string;
  readonly nodeId: number;
}
export interface FailMsg {
  readonly t: 'fail';
  readonly runId: string;
  readonly nodeId: number;
  readonly code: string;
  readonly message: string;
  /**
   * The round the failure happened in when the error names one (its detail.round, e.g. a peer
   * timeout's), else null; the coordinator writes it to summary.json. −1 is the initialisation exchange.
   */
  readonly round: number | null;
}

/**
 * Sent once node `nodeId`'s checkpoint of `round` (iterations completed) is durable on the worker's
 * checkpoint folder (docs/resume.md "Cluster"). When every node has sent it for a round, the
 * coordinator writes its own checkpoint of that round: the round is then resumable.
 */
export interface CheckpointedMsg {
  readonly t: 'checkpointed';
  readonly runId: string;
  readonly nodeId: number;
  readonly round: number;
}

export type WorkerMsg = RegisterMsg | ReadyMsg | ReportMsg | DoneMsg | FailMsg | CheckpointedMsg;

export interface PeerInfo {
  readonly id: number;
  readonly url: string;
}

export interface AssignMsg {
  readonly t: 'assign';
  readonly runId: string;
  readonly nodeId: number;
  /** The frozen, resolved run config (JSON). */
  readonly config: unknown;
  /** Every node's peer URL, by id: the URL of the process hosting it (the worker dials the higher ids among its neighbours). */
  readonly peers: readonly PeerInfo[];
  /** The block of node ids this process hosts (--nodes-per-worker), ascending; absent: just nodeId. */
  readonly nodeIds?: readonly number[];
  /**
   * The training rows of the block's shards (node/protocol/shard-data.ts ShardDataWire), so the worker
   * parses no dataset; validated by unpackShardData. Absent (an older coordinator): the worker loads
   * the dataset itself.
   */
  readonly data?: unknown;
  /**
   * Continue from the nodes' checkpoints of this round (iterations completed), read from the
   * worker's checkpoint folder; absent: a fresh start at k = 0 (docs/resume.md "Cluster").
   */
  readonly resumeRound?: number;
  /**
   * The run's attempt: 0 (absent) for the first, k after the coordinator healed the run k times
   * (RollbackMsg). Peer links bind `linkRunId(runId, attempt)`, so a hello or frame of an earlier
   * attempt is another run's to every node of this one (the hello's anti-replay holds per attempt).
   */
  readonly attempt?: number;
}

/** The run id peer links of an attempt bind (node/codec/hello-message.ts runTag). */
export function linkRunId(runId: string, attempt: number | undefined): string {
  return attempt ? `${runId}#${attempt}` : runId;
}
export interface StartMsg {
  readonly t: 'start';
  readonly runId: string;
}
export interface StopMsg {
  readonly t: 'stop';
  readonly runId: string;
  readonly reason: string;
}

/**
 * The coordinator's checkpoint of `round` is durable: the round is resumable. Workers keep their
 * nodes' files from the previous committed round on and delete older ones (a node may run many
 * rounds ahead of the coordinator's fsync, so a fixed count per node could prune a round the
 * coordinator still needs; docs/resume.md "Cluster").
 */
export interface CheckpointCommittedMsg {
  readonly t: 'checkpointCommitted';
  readonly runId: string;
  readonly round: number;
}

/**
 * A worker of the run was lost and the coordinator heals it (docs/resume.md "Self-healing"): end
 * this attempt here — stop the nodes, close their peer links — and register again. The coordinator
 * drops every message of the attempt until that registration, then assigns the run again from its
 * newest committed round (AssignMsg resumeRound, attempt + 1).
 */
export interface RollbackMsg {
  readonly t: 'rollback';
  readonly runId: string;
  readonly reason: string;
}

export type CoordinatorMsg = AssignMsg | StartMsg | StopMsg | CheckpointCommittedMsg | RollbackMsg;

const packr = () => new Packr({ useRecords: false, mapsAsObjects: true });

/** One encoder per connection (msgpackr's module-global buffer must not be shared across awaits). */
export function createControlCodec() {
  const p = packr();
  return {
    encode(msg: WorkerMsg | CoordinatorMsg): Buffer {
      if (msg.t === 'report') {
        const { x, ...rest } = msg;
        return p.pack({ ...rest, x: Buffer.from(x.buffer, x.byteOffset, x.byteLength) });
      }
      return p.pack(msg);
    },
    decodeWorker(data: Uint8Array): WorkerMsg {
      return validateWorkerMsg(unpackSafe(p, data));
    },
    decodeCoordinator(data: Uint8Array): CoordinatorMsg {
      return validateCoordinatorMsg(unpackSafe(p, data));
    },
  };
}

function unpackSafe(p: Packr, data: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = p.unpack(data);
  } catch (err) {
    throw malformed(`control message is not valid msgpack (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed('control message must be a map');
  return v as Record<string, unknown>;
}

function malformed(message: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', message);
}

function str(o: Record<string, unknown>, k: string, maxLen = 4096): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > maxLen)
    throw malformed(`control message '${String(o.t)}': field '${k}' must be a string of ≤ ${maxLen} chars`);
  return v;
}
function int(o: Record<string, unknown>, k: string, min = 0): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw malformed(`control message '${String(o.t)}': field '${k}' must be an integer ≥ ${min}`);
  return v;
}
function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number') throw malformed(`control message '${String(o.t)}': field '${k}' must be a number`);
  return v;
}

/** Copies raw bytes into an aligned Float64Array (msgpack bins are not 8-byte aligned). */
function f64(o: Record<string, unknown>, k: string): Float64Array {
  const v = o[k];
  if (!(v instanceof Uint8Array) || v.byteLength % 8 !== 0)
    throw malformed(`control message '${String(o.t)}': field '${k}' must be float64 bytes`);
  const out = new Float64Array(v.byteLength / 8);
  new Uint8Array(out.buffer).set(v);
  return out;
}

/** Field `k` of o as a map of durations: returns a reader of its entries (seconds ≥ 0, finite). */
function secondsMap(o: Record<string, unknown>, k: string): { readonly has: (f: string) => boolean; readonly sec: (f: string) => number } {
  const v = o[k];
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw malformed(`control message '${String(o.t)}': field '${k}' must be a map`);
  const r = v as Record<string, unknown>;
  return {
    has: (f) => r[f] !== undefined,
    sec: (f) => {
      const x = r[f];
      if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x))
        throw malformed(`control message '${String(o.t)}': field '${k}.${f}' must be seconds ≥ 0`);
      return x;
    },
  };
}

function stepSplit(o: Record<string, unknown>, k: string): { compute: number; encode: number; send?: number; wait: number } {
  const { has, sec } = secondsMap(o, k);
  // send is optional: workers before it was split out of wait do not report it.
  return { compute: sec('compute'), encode: sec('encode'), ...(has('send') ? { send: sec('send') } : {}), wait: sec('wait') };
}

function startupSplit(o: Record<string, unknown>, k: string): StartupSplit {
  const { sec } = secondsMap(o, k);
  return { load: sec('load'), config: sec('config'), data: sec('data'), connect: sec('connect') };
}

function nodeIdList(o: Record<string, unknown>, k: string): number[] {
  const v = o[k];
  if (!Array.isArray(v) || v.length === 0 || v.length > 1 << 20)
    throw malformed(`control message '${String(o.t)}': field '${k}' must be a non-empty array`);
  return v.map((x, i) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || (i > 0 && x <= (v[i - 1] as number)))
      throw malformed(`control message '${String(o.t)}': field '${k}' must hold ascending node ids ≥ 0`);
    return x;
  });
}

function byPeer(o: Record<string, unknown>, k: string): Record<string, number> {
  const v = o[k];
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw malformed(`control message '${String(o.t)}': field '${k}' must be a map`);
  const out: Record<string, number> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 65536) throw malformed(`control message '${String(o.t)}': field '${k}' has too many peers`);
  for (const [peer, n] of entries) {
    if (!/^\d{1,9}$/.test(peer) || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw malformed(`control message '${String(o.t)}': field '${k}' must map peer ids to byte counts ≥ 0`);
    }
    out[peer] = n;
  }
  return out;
}

export function validateWorkerMsg(o: Record<string, unknown>): WorkerMsg {
  switch (o.t) {
    case 'register': {
      const ordinal = o.ordinal === null || o.ordinal === undefined ? null : int(o, 'ordinal');
      const metricsUrl = o.metricsUrl === null || o.metricsUrl === undefined ? null : str(o, 'metricsUrl');
      const peerUrl = str(o, 'peerUrl');
      if (!/^wss?:\/\//.test(peerUrl)) throw malformed(`control message 'register': peerUrl must be a ws:// URL (got '${peerUrl}')`);
      const nodes = o.nodes === null || o.nodes === undefined ? 1 : int(o, 'nodes', 1);
      return { t: 'register', peerUrl, ordinal, metricsUrl, ...(nodes !== 1 ? { nodes } : {}) };
    }
    case 'ready':
      return {
        t: 'ready',
        runId: str(o, 'runId', 128),
        nodeId: int(o, 'nodeId'),
        ...(o.startup != null ? { startup: startupSplit(o, 'startup') } : {}),
      };
    case 'report':
      return {
        t: 'report',
        runId: str(o, 'runId', 128),
        nodeId: int(o, 'nodeId'),
        iter: int(o, 'iter'),
        x: f64(o, 'x'),
        lossSum: num(o, 'lossSum'),
        lossCount: int(o, 'lossCount'),
        bytesSent: int(o, 'bytesSent'),
        ...(o.stepSeconds != null ? { stepSeconds: stepSplit(o, 'stepSeconds') } : {}),
        ...(o.rejectedFrames != null ? { rejectedFrames: int(o, 'rejectedFrames') } : {}),
        ...(o.peerBytes != null ? { peerBytes: byPeer(o, 'peerBytes') } : {}),
      };
    case 'done':
      return { t: 'done', runId: str(o, 'runId', 128), nodeId: int(o, 'nodeId') };
    case 'fail':
      return {
        t: 'fail',
        runId: str(o, 'runId', 128),
        nodeId: int(o, 'nodeId'),
        code: str(o, 'code', 128),
        message: str(o, 'message', 65536),
        round: o.round == null ? null : int(o, 'round', -1),
      };
    case 'checkpointed':
      return { t: 'checkpointed', runId: str(o, 'runId', 128), nodeId: int(o, 'nodeId'), round: int(o, 'round', 1) };
    default:
      throw malformed(`control message has unknown type '${String(o.t)}' (expected register, ready, report, done, fail or checkpointed)`);
  }
}

export function validateCoordinatorMsg(o: Record<string, unknown>): CoordinatorMsg {
  switch (o.t) {
    case 'assign': {
      const peers = o.peers;
      if (!Array.isArray(peers)) throw malformed(`control message 'assign': field 'peers' must be an array`);
      return {
        t: 'assign',
        runId: str(o, 'runId', 128),
        nodeId: int(o, 'nodeId'),
        config: o.config,
        ...(o.nodeIds != null ? { nodeIds: nodeIdList(o, 'nodeIds') } : {}),
        ...(o.data != null ? { data: o.data } : {}),
        ...(o.resumeRound != null ? { resumeRound: int(o, 'resumeRound', 1) } : {}),
        ...(o.attempt != null ? { attempt: int(o, 'attempt', 1) } : {}),
        peers: peers.map((p, i) => {
          if (typeof p !== 'object' || p === null) throw malformed(`control message 'assign': peers[${i}] must be a map`);
          const r = p as Record<string, unknown>;
          return { id: int(r, 'id'), url: str(r, 'url') };
        }),
      };
    }
    case 'start':
      return { t: 'start', runId: str(o, 'runId', 128) };
    case 'stop':
      return { t: 'stop', runId: str(o, 'runId', 128), reason: str(o, 'reason', 65536) };
    case 'checkpointCommitted':
      return { t: 'checkpointCommitted', runId: str(o, 'runId', 128), round: int(o, 'round', 1) };
    case 'rollback':
      return { t: 'rollback', runId: str(o, 'runId', 128), reason: str(o, 'reason', 65536) };
    default:
      throw malformed(`control message has unknown type '${String(o.t)}' (expected assign, start, stop, checkpointCommitted or rollback)`);
  }
}
