/**
 * The coordinator's socket timeouts and caps (issue 16, "timeouts and caps"). Defaults suit a
 * cluster on a private network; each can be set from the environment (whole milliseconds or counts).
 *
 * - connectionTimeoutMs: a socket with no traffic for this long is closed (idle keep-alive, a client
 *   that connects and sends nothing). WebSocket and SSE connections opt out: they carry heartbeats.
 * - headersTimeoutMs: the request line and headers must arrive within this time (slowloris).
 * - requestTimeoutMs: the whole request, body included, within this time (slow bodies).
 * - keepAliveTimeoutMs: an idle keep-alive connection is closed after this.
 * - maxConnections: sockets open at once, control connections included: raise it above the node
 *   count for clusters of more than ~900 workers.
 * - maxEventStreams: dashboard event-stream (SSE) clients at once.
 */
export interface ServerLimits {
  readonly connectionTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** How often node checks headers/request timeouts (ms); small in tests with short timeouts. */
  readonly checkIntervalMs: number;
  readonly maxConnections: number;
  readonly maxEventStreams: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  connectionTimeoutMs: 60_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxConnections: 1024,
  maxEventStreams: 32,
};

const ENV: Readonly<Record<keyof ServerLimits, string>> = {
  connectionTimeoutMs: 'PROXMESH_CONNECTION_TIMEOUT_MS',
  headersTimeoutMs: 'PROXMESH_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'PROXMESH_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'PROXMESH_KEEPALIVE_TIMEOUT_MS',
  checkIntervalMs: 'PROXMESH_TIMEOUT_CHECK_MS',
  maxConnections: 'PROXMESH_MAX_CONNECTIONS',
  maxEventStreams: 'PROXMESH_MAX_EVENT_STREAMS',
};

/** The defaults, each overridden by its environment variable when that is a positive integer. */
export function serverLimits(env: NodeJS.ProcessEnv = process.env): ServerLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(ENV)) {
    const v = Number(env[name]);
    if (Number.isSafeInteger(v) && v > 0) out[key] = v;
  }
  return out as unknown as ServerLimits;
}
