/**
 * The dashboard plugin over real HTTP: the page and its assets (open, token-free), the state API
 * built from the run folder, and the SSE stream (snapshot, row, state, nodes, heartbeat; run-manager
 * listeners only while a client is connected; streams ended on app close).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../coordinator/app.ts';
import { createCoordinatorMetrics } from '../../coordinator/metrics.ts';
import { registerErrorHandler } from '../../coordinator/plugins/errors.ts';
import { dashboardCsp, dashboardPlugin, vendorPath } from '../../coordinator/plugins/dashboard.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { RunManager } from '../../coordinator/run-manager.ts';
import { loadConfig } from '../../node/config/load.ts';
import type { MetricsRow } from '../../node/results/metrics-row.ts';
import { openSse, waitFor, type SseClient } from './sse-client.ts';

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'coordinator', 'dashboard', 'public');
const TOKEN = 'dashboard-test-token-5f2c9e';

const config = (nodes: number) =>
  loadConfig({
    seed: 3,
    iterations: 100,
    evalEvery: 10,
    batchSize: 16,
    algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
    compression: { x: { kind: 'topk', ratio: 0.3 }, y: { kind: 'identity' } },
    problem: {
      dataset: { name: 'breast-cancer', testFraction: 0.2 },
      model: { kind: 'logistic', intercept: true },
      regularizer: { kind: 'l1', lambda: 1e-3 },
    },
    partition: { kind: 'iid' },
    topology: { kind: 'ring', nodes },
  });

const row = (iter: number): MetricsRow => ({
  iter,
  epoch: iter / 10,
  objective: 0.5,
  f: 0.4,
  r: 0.1,
  stationarity: 0.2,
  consensus: 1e-3,
  density: 1,
  trainAccuracy: 0.9,
  testAccuracy: 0.88,
  localLoss: 0.45,
  bitsSent: 1000 * iter,
  bytesSent: 125 * iter,
});

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'proxmesh-dash-api-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('dashboard routes in buildApp', () => {
  let app: FastifyInstance;
  let runs: RunManager;
  beforeAll(async () => {
    ({ app, runs } = await buildApp({
      token: TOKEN,
      contexts: createRunContextFactory({ runsDir: join(tmp, 'a') }),
      validateConfig: (c) => loadConfig(c as object),
      defaultMetrics: false,
    }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the page without a token, with a CSP, and never the token', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<script type="module" src="/dashboard/app.js"></script>');
    expect(res.body).not.toContain(TOKEN);
    // script-src: this origin and the one inline import map by its hash; never inline code or eval
    const csp = String(res.headers['content-security-policy']);
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(res.body)![1];
    expect(JSON.parse(importMap)).toEqual({ imports: { 'vega-util': '/dashboard/vega-util.js' } });
    const hash = createHash('sha256').update(importMap).digest('base64');
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}';`);
    expect(csp).not.toContain('unsafe-');
    expect(csp).toContain("default-src 'none'");
  });

  it('dashboardCsp: one hash per import map, none without', () => {
    expect(dashboardCsp('<p>no scripts</p>')).toContain("script-src 'self'; style-src");
    const two = dashboardCsp('<script type="importmap">{"a":1}</script><script type="importmap">{}</script>');
    const h = (t: string) => `'sha256-${createHash('sha256').update(t).digest('base64')}'`;
    expect(two).toContain(`script-src 'self' ${h('{"a":1}')} ${h('{}')};`);
  });

  it('serves the vega, vega-lite and vega-interpreter browser builds from node_modules, nothing else', async () => {
    const require = createRequire(import.meta.url);
    const expected: Record<string, string> = {
      'vega.min.js': join(dirname(require.resolve('vega')), 'vega.min.js'),
      'vega-lite.min.js': join(dirname(require.resolve('vega-lite')), 'vega-lite.min.js'),
      'vega-interpreter.js': require.resolve('vega-interpreter'),
    };
    const page = (await app.inject({ method: 'GET', url: '/' })).body;
    for (const [f, path] of Object.entries(expected)) {
      expect(vendorPath(f)).toBe(path);
      const res = await app.inject({ method: 'GET', url: `/dashboard/vendor/${f}` });
      expect(res.statusCode, f).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.body).toBe(await readFile(path, 'utf8'));
      if (f !== 'vega-interpreter.js') expect(page).toContain(`<script src="/dashboard/vendor/${f}"></script>`);
    }
    // the UMD bundles define the globals the page uses; vega-lite's takes vega from the global
    expect((await readFile(expected['vega.min.js'], 'utf8')).slice(0, 400)).toContain('.vega={}');
    expect((await readFile(expected['vega-lite.min.js'], 'utf8')).slice(0, 400)).toContain('.vegaLite={},e.vega)');
    // the interpreter's only bare import is the one the import map and vega-util.js shim provide
    const interp = await readFile(expected['vega-interpreter.js'], 'utf8');
    expect([...interp.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1])).toEqual(['vega-util']);
    const shim = await readFile(join(PUBLIC, 'vega-util.js'), 'utf8');
    const needed = /^import \{ (.*) \} from 'vega-util';$/m.exec(interp)![1].split(', ').sort();
    expect(/export \{ (.*) \};/.exec(shim)![1].split(', ').sort()).toEqual(needed);
    for (const bad of [
      'vega.js',
      'vega.module.js',
      'index.js',
      '..%2Fapp.js',
      '%2E%2E%2Fpackage.json',
      'constructor',
      '__proto__',
      'toString',
    ]) {
      const res = await app.inject({ method: 'GET', url: `/dashboard/vendor/${bad}` });
      expect(res.statusCode, bad).toBe(404);
      expect(res.json().error.code).toBe('PROXMESH_ERR_NOT_FOUND');
      expect(vendorPath(decodeURIComponent(bad))).toBeNull();
    }
  });

  it('serves every module the page imports, and nothing outside the asset list', async () => {
    const wanted = new Set(['app.js', 'style.css', 'vega-util.js']); // the last one through the import map
    for (const f of ['app.js', 'charts.js', 'topology.js', 'node-table.js', 'format.js']) {
      for (const m of (await readFile(join(PUBLIC, f), 'utf8')).matchAll(/from '\.\/([a-z-]+\.js)'/g)) wanted.add(m[1]);
    }
    expect([...wanted].sort()).toEqual(['app.js', 'charts.js', 'format.js', 'node-table.js', 'style.css', 'topology.js', 'vega-util.js']);
    for (const f of wanted) {
      const res = await app.inject({ method: 'GET', url: `/dashboard/${f}` });
      expect(res.statusCode, f).toBe(200);
      expect(res.headers['content-type']).toMatch(f.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect(res.body).toBe(await readFile(join(PUBLIC, f), 'utf8'));
    }
    for (const bad of ['index.html', 'nope.js', '..%2Fplugins%2Fdashboard.ts', '%2E%2E%2F..%2Fpackage.json', 'constructor', '__proto__']) {
      const res = await app.inject({ method: 'GET', url: `/dashboard/${bad}` });
      expect(res.statusCode, bad).toBe(404);
      expect(res.json().error.code).toBe('PROXMESH_ERR_NOT_FOUND');
    }
  });

  it('GET /api/dashboard/state: no run, then the created run with its config and topology', async () => {
    const empty = await app.inject({ method: 'GET', url: '/api/dashboard/state' });
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ run: null, config: null, topology: null, rows: [], nodeStats: [] });

    const created = await app.inject({
      method: 'POST',
      url: '/runs',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { config: config(6), id: 'dash-1' },
    });
    expect(created.statusCode).toBe(201);
    const res = await app.inject({ method: 'GET', url: '/api/dashboard/state' });
    const s = res.json();
    expect(s.run).toMatchObject({ id: 'dash-1', state: 'waiting', nodes: 6, iterations: 100, lastIteration: null, failure: null });
    expect(s.run).not.toHaveProperty('dir'); // no server paths
    expect(s.config).toMatchObject({
      algorithm: 'cdproxsgt',
      eta: 0.05,
      gammaX: 0.5,
      gammaY: 0.5,
      compressorX: 'topk(ratio=0.3, scope=layer, precision=f64)',
      compressorY: 'identity(precision=f64)',
      topology: 'ring',
      n: 6,
      partition: 'iid',
      batchSize: 16,
      iterations: 100,
      evalEvery: 10,
    });
    expect(s.topology).toMatchObject({ kind: 'ring', n: 6, degrees: [2, 2, 2, 2, 2, 2] });
    expect(s.topology.edges).toEqual([
      [0, 1],
      [0, 5],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(s.topology.nodes).toEqual([0, 1, 2, 3, 4, 5].map((id) => ({ id, degree: 2 })));
    expect(s.rows).toEqual([]);
    expect(JSON.stringify(s)).not.toContain(TOKEN);
    expect(runs.activeRun()!.id).toBe('dash-1');
  });
});

describe('dashboard SSE stream', () => {
  let app: FastifyInstance;
  let runs: RunManager;
  let base: string;
  let runId: string;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    app = Fastify();
    registerErrorHandler(app);
    runs = new RunManager({
      metrics: createCoordinatorMetrics({ defaultMetrics: false }),
      contexts: createRunContextFactory({ runsDir: join(tmp, 'b') }),
    });
    await app.register(dashboardPlugin, { runs, heartbeatMs: 40, nodesDelayMs: 5 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    runId = (await runs.createRun({ config: config(4) }, 'sse-1')).id;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await app.close();
  });

  it('starts with a snapshot, then relays rows, states and node stats; heartbeats in between', async () => {
    expect(runs.listenerCount('row')).toBe(0);
    const c = await openSse(`${base}/api/dashboard/events`);
    clients.push(c);
    expect(c.response.statusCode).toBe(200);
    expect(c.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await waitFor(() => c.events.length >= 1, 'snapshot');
    const snap = c.events[0];
    expect(snap.event).toBe('snapshot');
    expect(snap.data).toMatchObject({ run: { id: runId, state: 'waiting', nodes: 4 }, rows: [], nodeStats: [] });
    expect((snap.data as { topology: { edges: unknown } }).topology.edges).toEqual([
      [0, 1],
      [0, 3],
      [1, 2],
      [2, 3],
    ]);
    expect(runs.listenerCount('row')).toBe(1);
    expect(runs.listenerCount('state')).toBe(1);

    runs.emit('row', runId, row(10));
    runs.emit('state', runId, 'running');
    await waitFor(() => c.events.length >= 3, 'row and state events');
    expect(c.events[1]).toEqual({ event: 'row', data: { runId, row: row(10) } });
    expect(c.events[2]).toMatchObject({ event: 'state', data: { runId, state: 'running', run: { id: runId } } });

    // Two nodes report within the coalescing delay → one 'nodes' event with both; garbage is ignored.
    runs.emit('nodeStats', runId, {
      nodeId: 1,
      iter: 10,
      localLoss: 0.3,
      bytesSent: 640,
      rejectedFrames: 0,
      stepSeconds: { compute: 1e-3, encode: 1e-4, wait: 5e-4 },
      peerBytes: { 0: 320, 2: 320 },
    });
    runs.emit('nodeStats', runId, { nodeId: -1, iter: 10 });
    runs.emit('nodeStats', runId, { nodeId: 0, iter: 10, bytesSent: 700 });
    await waitFor(() => c.events.some((e) => e.event === 'nodes'), 'nodes event');
    const nodes = c.events.filter((e) => e.event === 'nodes');
    expect(nodes).toHaveLength(1);
    expect(nodes[0].data).toEqual({
      runId,
      nodes: [
        { nodeId: 0, iter: 10, bytesSent: 700 },
        {
          nodeId: 1,
          iter: 10,
          localLoss: 0.3,
          bytesSent: 640,
          rejectedFrames: 0,
          stepSeconds: { compute: 1e-3, encode: 1e-4, wait: 5e-4 },
          peerBytes: { 0: 320, 2: 320 },
        },
      ],
    });
    await waitFor(() => c.comments.some((t) => t.startsWith('heartbeat')), 'a heartbeat comment');

    // The state API sees the same node stats.
    const state = await app.inject({ method: 'GET', url: '/api/dashboard/state' });
    expect(state.json().nodeStats.map((s: { nodeId: number }) => s.nodeId)).toEqual([0, 1]);
  });

  it('removes its run-manager listeners when the last client disconnects', async () => {
    for (const c of clients.splice(0)) c.close();
    const a = await openSse(`${base}/api/dashboard/events`);
    const b = await openSse(`${base}/api/dashboard/events`);
    await waitFor(() => a.events.length >= 1 && b.events.length >= 1, 'two snapshots');
    expect(runs.listenerCount('row')).toBe(1); // one per plugin, not per client
    a.close();
    runs.emit('row', runId, row(20));
    await waitFor(() => b.events.some((e) => e.event === 'row'), 'row on the remaining client');
    b.close();
    await waitFor(() => runs.listenerCount('row') === 0 && runs.listenerCount('state') === 0, 'listeners removed');
    expect(runs.listenerCount('nodeStats')).toBe(1); // the node-stats book lives as long as the app
  });

  it('ends open streams when the app closes', async () => {
    const c = await openSse(`${base}/api/dashboard/events`);
    await waitFor(() => c.events.length >= 1, 'snapshot');
    await app.close();
    await waitFor(() => c.ended, 'stream end');
    expect(runs.listenerCount('row')).toBe(0);
    expect(runs.listenerCount('nodeStats')).toBe(0);
  });
});
