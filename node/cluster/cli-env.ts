/**
 * Small pieces shared by the cluster commands (run, coordinator, worker): host:port parsing, the
 * StatefulSet ordinal, the token from the environment, and SIGINT/SIGTERM → AbortSignal. Kept apart
 * from node/cli so the worker's entry point (worker-bin.ts) loads only what a worker needs.
 */
import { ProxmeshError } from '../errors.ts';

/** "host:port" → parts; port 0 means ephemeral. */
export function parseListen(value: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ProxmeshError('PROXMESH_ERR_USAGE', `${what}: expected host:port, e.g. 0.0.0.0:7070 (got '${value}')`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** The StatefulSet ordinal from a pod host name such as "worker-3". */
export function ordinalFromHostname(name: string): number {
  const m = /-(\d+)$/.exec(name);
  if (!m)
    throw new ProxmeshError(
      'PROXMESH_ERR_USAGE',
      `cannot take the node id from host name '${name}': expected a StatefulSet pod name ending in -<ordinal>`,
    );
  return Number(m[1]);
}

/** The cluster token from PROXMESH_TOKEN (never argv, which `ps` shows). */
export function tokenFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const token = env.PROXMESH_TOKEN;
  if (!token) throw new ProxmeshError('PROXMESH_ERR_USAGE', 'set the cluster token in the environment: PROXMESH_TOKEN=<secret>');
  return token;
}

/** A non-negative integer from an environment variable (undefined when unset or empty). */
export function intFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const x = Number(v);
  if (!Number.isSafeInteger(x) || x < 0) throw new ProxmeshError('PROXMESH_ERR_USAGE', `${name} must be an integer ≥ 0 (got '${v}')`);
  return x;
}

/** One AbortController that SIGINT/SIGTERM trip; dispose() removes the handlers. */
export function abortOnSignals(): { signal: AbortSignal; dispose: () => void; which: () => string | null } {
  const ac = new AbortController();
  let got: string | null = null;
  const on = (sig: NodeJS.Signals) => () => {
    got = sig;
    ac.abort(new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', `interrupted by ${sig}`));
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: ac.signal,
    which: () => got,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** --nodes-per-worker / PROXMESH_NODES_PER_WORKER: an integer ≥ 1 (default 1). */
export function nodesPerWorker(v: number | undefined): number {
  if (v === undefined) return 1;
  if (!Number.isSafeInteger(v) || v < 1)
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `nodes per worker must be an integer ≥ 1 (got ${v})`);
  return v;
}

/** PROXMESH_COORDINATOR value meaning "read the coordinator URL from the first line of stdin". */
export const STDIN_COORDINATOR = '-';

/** The first line of a stream (the coordinator URL a parent writes), without its newline. */
export function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (fn: () => void) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      stream.pause();
      fn();
    };
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(() => resolve(buf.slice(0, nl).trim()));
      else if (buf.length > 4096)
        done(() =>
          reject(
            new ProxmeshError('PROXMESH_ERR_USAGE', 'worker: PROXMESH_COORDINATOR=- but the first line of stdin is over 4096 characters'),
          ),
        );
    };
    const onEnd = () =>
      done(() =>
        reject(new ProxmeshError('PROXMESH_ERR_USAGE', 'worker: PROXMESH_COORDINATOR=- but stdin ended before a coordinator URL line')),
      );
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}
