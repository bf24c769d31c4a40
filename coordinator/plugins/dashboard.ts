/**
 * The live dashboard. Open by default, like /metrics (read-only summaries, never the token; see
 * docs/security.md for what it shows); with `token` set every route below requires the cluster
 * token, as `Authorization: Bearer <token>` or HTTP Basic with the token as the password (a browser
 * prompts for it on the 401's WWW-Authenticate challenge and then sends it with the page's fetch and
 * EventSource requests, which cannot carry a Bearer header):
 *   GET /                       the page (coordinator/dashboard/public/index.html)
 *   GET /dashboard/:file        its scripts and stylesheet (a fixed list; nothing else is served)
 *   GET /dashboard/vendor/:file the charting libraries' browser builds, read from node_modules
 *                               (vega, vega-lite, vega-interpreter; a fixed list)
 *   GET /api/dashboard/state    the current run: config summary, topology, rows so far, node stats
 *   GET /api/dashboard/events   Server-Sent Events: snapshot (on connect), row, state, nodes; a
 *                               heartbeat comment every heartbeatMs.
 * Run-manager listeners for 'row' and 'state' exist only while at least one client is connected;
 * per-node stats are collected from the run manager's 'nodeStats' event (see
 * dashboard/server/node-stats.ts) and, when `metrics` is given, from the coordinator's per-node gauges.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ProxmeshError } from '../../node/errors.ts';
import { PACKAGE_ROOT } from '../../node/runtime/package-root.ts';
import { tokenMatches } from '../auth.ts';
import type { MetricsRow } from '../../node/results/metrics-row.ts';
import type { CoordinatorMetrics } from '../metrics.ts';
import type { RunManager, RunState } from '../run-manager.ts';
import { coordinatorNodeStats } from '../dashboard/server/coordinator-node-stats.ts';
import { NodeStatsBook, isNodeStats } from '../dashboard/server/node-stats.ts';
import { buildDashboardState, publicRun } from '../dashboard/server/run-state.ts';
import { createSseHub } from '../dashboard/server/sse-hub.ts';

export interface DashboardPluginOptions {
  readonly runs: RunManager;
  /** The coordinator's metrics: per-node iteration and bytes for the node table when workers send no stats. */
  readonly metrics?: CoordinatorMetrics;
  /** SSE heartbeat period (ms, default 15 000). */
  readonly heartbeatMs?: number;
  /** Coalescing delay of 'nodes' events (ms, default 200): n nodes report at once every evalEvery. */
  readonly nodesDelayMs?: number;
  /** Event-stream (SSE) clients at once (default 32); one more gets 503 PROXMESH_ERR_UNAVAILABLE. */
  readonly maxStreams?: number;
  /** The cluster token: when given, every dashboard route requires it (see above). */
  readonly token?: string;
}

/** The token from `Bearer <t>` or `Basic base64(<any user>:<t>)`; undefined otherwise. */
export function dashboardCredential(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

// From the package root: the static files are not compiled, so dist/ has none beside this module.
const PUBLIC_DIR = join(PACKAGE_ROOT, 'coordinator', 'dashboard', 'public');

const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'topology.js': 'text/javascript; charset=utf-8',
  'node-table.js': 'text/javascript; charset=utf-8',
  'format.js': 'text/javascript; charset=utf-8',
  'vega-util.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/**
 * The browser builds, by package: vega and vega-lite ship UMD bundles (globals vega, vegaLite) next
 * to their package entry points; vega-interpreter (CSP-safe expression evaluation, no Function
 * constructor) is its ESM entry itself. Resolved from this file, so any cwd and the Docker image work.
 */
const VENDOR: Readonly<Record<string, { pkg: string; file: string | null }>> = {
  'vega.min.js': { pkg: 'vega', file: 'vega.min.js' },
  'vega-lite.min.js': { pkg: 'vega-lite', file: 'vega-lite.min.js' },
  'vega-interpreter.js': { pkg: 'vega-interpreter', file: null },
};

/** Path of a vendor file, or null when its package is not installed. */
export function vendorPath(name: string): string | null {
  const v = Object.hasOwn(VENDOR, name) ? VENDOR[name] : undefined;
  if (!v) return null;
  try {
    const entry = createRequire(import.meta.url).resolve(v.pkg);
    return v.file ? join(dirname(entry), v.file) : entry;
  } catch {
    return null;
  }
}

/**
 * The page's CSP. Scripts only from this origin, plus the page's one inline import map allowed by
 * its sha256 (no 'unsafe-inline', no 'unsafe-eval': vega evaluates expressions with its interpreter).
 */
export function dashboardCsp(html: string): string {
  const hashes = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`,
  );
  return (
    `default-src 'none'; script-src 'self'${hashes.map((h) => ` ${h}`).join('')}; style-src 'self'; connect-src 'self'; ` +
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
  );
}

export async function dashboardPlugin(app: FastifyInstance, opts: DashboardPluginOptions): Promise<void> {
  const { runs } = opts;
  const maxStreams = opts.maxStreams ?? 32;
  if (opts.token !== undefined) {
    const token = opts.token;
    // This plugin is encapsulated (no fastify-plugin), so the hook guards its routes only.
    app.addHook('onRequest', async (req, reply) => {
      if (tokenMatches(dashboardCredential(req.headers.authorization), token)) return;
      reply.header('www-authenticate', 'Basic realm="proxmesh dashboard", charset="UTF-8"');
      throw new ProxmeshError(
        'PROXMESH_ERR_UNAUTHORIZED',
        'the dashboard requires the cluster token (Bearer, or HTTP Basic with the token as the password)',
      );
    });
  }
  const book = new NodeStatsBook();
  let nodesTimer: NodeJS.Timeout | null = null;

  const hub = createSseHub({
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    onFirst: () => {
      runs.on('row', onRow);
      runs.on('state', onState);
    },
    onEmpty: () => {
      runs.off('row', onRow);
      runs.off('state', onState);
    },
  });

  const scheduleNodes = (runId: string) => {
    if (nodesTimer || hub.size() === 0) return;
    nodesTimer = setTimeout(() => {
      nodesTimer = null;
      hub.broadcast('nodes', { runId, nodes: book.list(runId) });
    }, opts.nodesDelayMs ?? 200);
  };

  const refreshFromMetrics = async (runId: string) => {
    if (!opts.metrics) return;
    for (const s of await coordinatorNodeStats(opts.metrics, runId)) book.update(runId, s);
  };

  function onRow(runId: string, row: MetricsRow): void {
    hub.broadcast('row', { runId, row });
    if (opts.metrics)
      void refreshFromMetrics(runId).then(
        () => scheduleNodes(runId),
        () => {
          /* metrics read failed: table keeps old values */
        },
      );
  }

  function onState(runId: string, state: RunState): void {
    let run = null;
    try {
      run = publicRun(runs.get(runId));
    } catch {
      /* unknown run: send the bare state */
    }
    hub.broadcast('state', { runId, state, run });
  }

  const onNodeStats = (runId: unknown, stats: unknown) => {
    if (typeof runId !== 'string' || !isNodeStats(stats)) return;
    book.update(runId, stats);
    scheduleNodes(runId);
  };
  runs.on('nodeStats', onNodeStats);

  const currentState = async () => {
    const view = runs.activeRun();
    if (view) await refreshFromMetrics(view.id);
    return buildDashboardState(view, view ? book.list(view.id) : []);
  };

  const stop = async () => {
    if (nodesTimer) clearTimeout(nodesTimer);
    nodesTimer = null;
    hub.closeAll();
    runs.off('nodeStats', onNodeStats);
  };
  // preClose: open event streams would otherwise keep server.close() waiting.
  app.addHook('preClose', stop);
  app.addHook('onClose', stop);

  const sendAsset = async (file: string, type: string) => readFile(join(PUBLIC_DIR, file)).then((body) => ({ body, type }));
  // The vendor builds are large (≈ 0.8 MB) and fixed for the process's life: read once per app.
  const vendorCache = new Map<string, Promise<Buffer>>();

  app.get('/', async (_req, reply) => {
    const { body } = await sendAsset('index.html', 'text/html');
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', dashboardCsp(body.toString('utf8')))
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache');
    return body;
  });

  app.get(
    '/dashboard/:file',
    {
      schema: { params: { type: 'object', properties: { file: { type: 'string', maxLength: 64 } }, required: ['file'] } },
    },
    async (req, reply) => {
      const { file } = req.params as { file: string };
      const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
      if (!type) throw new ProxmeshError('PROXMESH_ERR_NOT_FOUND', `no dashboard asset '${file}'`);
      const { body } = await sendAsset(file, type);
      reply.header('content-type', type).header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache');
      return body;
    },
  );

  app.get(
    '/dashboard/vendor/:file',
    {
      schema: { params: { type: 'object', properties: { file: { type: 'string', maxLength: 64 } }, required: ['file'] } },
    },
    async (req, reply) => {
      const { file } = req.params as { file: string };
      if (!Object.hasOwn(VENDOR, file)) throw new ProxmeshError('PROXMESH_ERR_NOT_FOUND', `no dashboard vendor file '${file}'`);
      const path = vendorPath(file);
      if (!path)
        throw new ProxmeshError(
          'PROXMESH_ERR_NOT_FOUND',
          `dashboard vendor file '${file}': package '${VENDOR[file].pkg}' is not installed`,
        );
      let body = vendorCache.get(path);
      if (!body) {
        body = readFile(path);
        vendorCache.set(path, body);
        body.catch(() => vendorCache.delete(path));
      }
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=3600');
      return body;
    },
  );

  app.get('/api/dashboard/state', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return currentState();
  });

  app.get('/api/dashboard/events', async (req, reply) => {
    // A stream holds a socket and a listener for as long as the client likes: a fixed cap.
    if (hub.size() >= maxStreams) {
      reply.header('retry-after', '10');
      throw new ProxmeshError(
        'PROXMESH_ERR_UNAVAILABLE',
        `the dashboard already serves ${maxStreams} event streams (PROXMESH_MAX_EVENT_STREAMS); retry later`,
      );
    }
    reply.hijack();
    const res = reply.raw;
    // The stream's heartbeat keeps it alive; the server's idle timeout is for silent sockets.
    res.socket?.setTimeout(0);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    // Subscribe first, then snapshot: a row emitted meanwhile is in both, and the page drops
    // rows whose iteration it already has.
    hub.add(res);
    try {
      hub.send(res, 'snapshot', await currentState());
    } catch (err) {
      req.log.warn({ err }, 'dashboard snapshot failed');
      res.end();
    }
  });
}
