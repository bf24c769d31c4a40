/**
 * One registry of error codes (fastify's habit). Every error a user can cause carries a stable
 * `PROXMESH_ERR_*` code, a message naming the bad field/frame and the fix, and an exit status / HTTP
 * status. docs/errors.md is checked against this table by a test.
 */

export interface ErrorDef {
  readonly code: string;
  /** HTTP status when it reaches the coordinator's API. */
  readonly status: number;
  /** What it means, for docs/errors.md. */
  readonly description: string;
}

const defs = {
  PROXMESH_ERR_CONFIG: {
    status: 400,
    description: 'The run config does not match the schema (unknown key, wrong type, out-of-range value).',
  },
  PROXMESH_ERR_CONFIG_PARSE: { status: 400, description: 'The config file is not valid YAML or JSON.' },
  PROXMESH_ERR_CONFIG_INCONSISTENT: {
    status: 400,
    description: 'Config values are each valid but contradict each other (e.g. k > d, more nodes than samples).',
  },
  PROXMESH_ERR_DATASET: { status: 400, description: 'A dataset file is missing, unreadable or malformed.' },
  PROXMESH_ERR_DATASET_MISSING: {
    status: 404,
    description: 'A named dataset is not in any dataset folder; the message gives the `proxmesh data pull NAME` command that fetches it.',
  },
  PROXMESH_ERR_DATASET_DOWNLOAD: {
    status: 502,
    description: 'A dataset download failed (HTTP error such as 404, network error, or no source for the file); nothing was written.',
  },
  PROXMESH_ERR_DATASET_CHECKSUM: {
    status: 502,
    description: 'A dataset file does not match its SHA-256 (downloaded: refused and removed; cached: pull it again).',
  },
  PROXMESH_ERR_TOPOLOGY: { status: 400, description: 'A graph is invalid (disconnected, asymmetric, self loop, bad parameters).' },
  PROXMESH_ERR_MIXING: {
    status: 400,
    description: 'A mixing matrix is not symmetric, doubly stochastic and nonnegative, or does not match its graph.',
  },
  PROXMESH_ERR_NETWORK: {
    status: 400,
    description:
      'The `network` section (simulated clock) is invalid: a per-edge file is malformed, misses a link of the graph, names a link not in it or twice, or a min exceeds its max.',
  },
  PROXMESH_ERR_COMPRESSOR: {
    status: 400,
    description: 'A compressor specification is invalid (unknown kind, k > d, bad ratio or levels).',
  },
  PROXMESH_ERR_PLUGIN: {
    status: 400,
    description:
      'A plug-in file cannot be used: missing, no default export register(proxmesh), it threw while loading or registering, it registered nothing, or it registered a bad name or key schema. The message names the file and the rule.',
  },
  PROXMESH_ERR_PLUGIN_MISMATCH: {
    status: 409,
    description:
      'A process loaded a plug-in file whose SHA-256 or registered names differ from those the run was configured with (e.g. one cluster worker has another version); every process must load the same file.',
  },
  PROXMESH_ERR_PROX: { status: 400, description: 'A regularizer specification is invalid (negative λ, empty box).' },
  PROXMESH_ERR_FRAME_TRUNCATED: { status: 400, description: 'A wire frame ended before its declared length.' },
  PROXMESH_ERR_FRAME_MALFORMED: { status: 400, description: 'A wire frame has an invalid header, hello message or payload section.' },
  PROXMESH_ERR_FRAME_OVERSIZED: { status: 413, description: 'A wire frame exceeds the maximum payload for this problem.' },
  PROXMESH_ERR_FRAME_VERSION: { status: 400, description: 'A wire frame has an unsupported protocol version.' },
  PROXMESH_ERR_UNAUTHORIZED: { status: 401, description: 'The cluster token is missing or wrong.' },
  PROXMESH_ERR_NOT_FOUND: { status: 404, description: 'No such run or resource.' },
  PROXMESH_ERR_CONFLICT: { status: 409, description: 'The request conflicts with the current state (e.g. a run is already active).' },
  PROXMESH_ERR_REQUEST: { status: 400, description: 'The HTTP request body or parameters do not match the schema.' },
  PROXMESH_ERR_PEER_TIMEOUT: {
    status: 504,
    description: 'A peer stayed unreachable past the configured timeout; the run fails naming the node and round.',
  },
  PROXMESH_ERR_WORKER_FAILED: { status: 500, description: 'A worker process exited or reported an error.' },
  PROXMESH_ERR_USAGE: { status: 400, description: 'Bad command-line usage (unknown command or option).' },
  PROXMESH_ERR_PATH_FORBIDDEN: {
    status: 400,
    description:
      'A run submitted over HTTP names a file outside the data roots (PROXMESH_DATA_ROOTS), or an output name escapes its folder.',
  },
  PROXMESH_ERR_LIMIT: {
    status: 400,
    description:
      'An input is over a bound checked before any work (node count, dimension, batch size, memory budget, inflated file size, config depth).',
  },
  PROXMESH_ERR_UNAVAILABLE: {
    status: 503,
    description: 'The server is at a configured capacity (e.g. dashboard event-stream clients); retry later.',
  },
  PROXMESH_ERR_TLS: {
    status: 400,
    description:
      'TLS settings are incomplete or unusable (a PEM file missing or unreadable, a key without its certificate, mutual TLS without a CA, a plain ws:// URL while TLS is on).',
  },
  PROXMESH_ERR_CHECKPOINT_CORRUPT: {
    status: 422,
    description:
      'A checkpoint file is truncated, has a bad magic/version or its body checksum (SHA-256) does not match; resume falls back to the previous good checkpoint and says so.',
  },
  PROXMESH_ERR_CHECKPOINT_CONFIG: {
    status: 409,
    description:
      "A checkpoint was written for another config (its config hash differs from the run's); resume skips it, or refuses when no checkpoint matches.",
  },
  PROXMESH_ERR_CHECKPOINT_MISMATCH: {
    status: 409,
    description:
      "A checkpoint's entries (names, kinds, lengths) do not match the state this run builds: it was written by another version of proxmesh.",
  },
  PROXMESH_ERR_RESUME: {
    status: 400,
    description:
      '`--resume RUN_DIR` cannot continue: no run folder or config.json, no checkpoint, no usable checkpoint (for a cluster: no round that the coordinator and every node have), or the run already finished (summary.json exists and does not say failed). Nothing is changed.',
  },
  PROXMESH_ERR_IO: { status: 500, description: 'A file could not be written or read.' },
  PROXMESH_ERR_INTERNAL: { status: 500, description: 'An internal invariant failed; this is a bug.' },
} as const satisfies Record<string, Omit<ErrorDef, 'code'>>;

export type ErrorCode = keyof typeof defs;

export const ERRORS: Readonly<Record<ErrorCode, ErrorDef>> = Object.fromEntries(
  Object.entries(defs).map(([code, d]) => [code, { code, ...d }]),
) as Record<ErrorCode, ErrorDef>;

export class ProxmeshError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra structured detail (e.g. { path: '/algorithm/eta', expected: '> 0', got: -1 }). */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'ProxmeshError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

/** Exit status for CLI errors: 2 for bad input (4xx), 1 otherwise. */
export function exitStatusOf(err: unknown): number {
  return err instanceof ProxmeshError && err.status < 500 ? 2 : 1;
}

/** True if `code` is one of the registry's codes (e.g. a code received from a worker). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}
