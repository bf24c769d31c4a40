/**
 * The coordinator's HTTP API through app.inject(): open probes, the token on the run API, request
 * and config validation with their error codes, the one-active-run rule, and results files driven
 * by fake workers (RunManager.handle) so the rows are exactly aggregateReports' output.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smallRaw } from '../cluster/helpers.ts';
import { loadConfig } from '../../node/config/load.ts';
import { aggregateReports } from '../../node/eval/aggregate-reports.ts';
import type { NodeReport } from '../../node/results/metrics-row.ts';
import { aggregateContextOf, buildAlgorithm, buildRunProblem, buildRunTopology, peerRow } from '../../node/assemble/assemble.ts';
import { wirePlanOf } from '../../node/results/wire-accounting.ts';
import { canonicalRow } from '../../node/results/metrics-format.ts';
import { auth, registerFakes, testApp, TOKEN } from './fixtures.ts';

let t: Awaited<ReturnType<typeof testApp>>;
beforeEach(async () => {
  t = await testApp();
});
afterEach(async () => {
  await t.dispose();
});

const post = (body: unknown, headers: Record<string, string> = auth) =>
  t.app.inject({
    method: 'POST',
    url: '/runs',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('open endpoints', () => {
  it('healthz, readyz and metrics need no token', async () => {
    const h = await t.app.inject('/healthz');
    expect(h.statusCode).toBe(200);
    expect(h.json()).toEqual({ status: 'ok' });
    const r = await t.app.inject('/readyz');
    expect(r.json()).toEqual({ status: 'ready', run: null });
    const m = await t.app.inject('/metrics');
    expect(m.statusCode).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain/);
    expect(m.body).toContain('proxmesh_workers_connected 0');
  });
});

describe('token on the run API', () => {
  const cases: [string, Record<string, string>][] = [
    ['missing', {}],
    ['wrong', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
    ['wrong length', { authorization: `Bearer ${TOKEN}${TOKEN}` }],
    ['not bearer', { authorization: `Basic ${TOKEN}` }],
    ['empty bearer', { authorization: 'Bearer ' }],
  ];
  it.each(cases)(
    '%s → 401 PROXMESH_ERR_UNAUTHORIZED on GET /runs, GET /runs/x and POST /runs (even with a bad body)',
    async (_n, headers) => {
      for (const res of [
        await t.app.inject({ url: '/runs', headers }),
        await t.app.inject({ url: '/runs/some-run/results', headers }),
        await post('{not json', headers),
      ]) {
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('PROXMESH_ERR_UNAUTHORIZED');
      }
      const m = await t.app.inject('/metrics');
      expect(m.body).toMatch(/proxmesh_control_rejected_total\{reason="(missing|bad)-token"\} 3/);
    },
  );
  it('the right token passes', async () => {
    const res = await t.app.inject({ url: '/runs', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ runs: [] });
  });
});

describe('POST /runs request validation', () => {
  const bad: [string, unknown][] = [
    ['not JSON', '{"config": '],
    ['missing config', { id: 'r1' }],
    ['config not an object', { config: 'seed: 1' }],
    ['extra key', { config: smallRaw(), id: 'r1', extra: true }],
    ['bad id (space)', { config: smallRaw(), id: 'bad id' }],
    ['bad id (path)', { config: smallRaw(), id: '../escape' }],
    ['bad id (too long)', { config: smallRaw(), id: 'a'.repeat(129) }],
    ['id an array', { config: smallRaw(), id: ['a', 'b'] }],
    ['id null', { config: smallRaw(), id: null }],
  ];
  it.each(bad)('%s → 400 PROXMESH_ERR_REQUEST', async (_n, body) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('PROXMESH_ERR_REQUEST');
    expect(t.runs.list()).toEqual([]);
  });
});

describe('POST /runs config validation', () => {
  const edges = () => {
    const f = join(t.runsDir, 'edges.txt');
    writeFileSync(f, '0 1\n2 3\n');
    return f;
  };
  const corpus: [string, string, () => unknown][] = [
    ['unknown key', 'PROXMESH_ERR_CONFIG', () => smallRaw({ foo: 1 })],
    ['wrong type', 'PROXMESH_ERR_CONFIG', () => smallRaw({ iterations: 'ten' })],
    ['disconnected edge-list graph', 'PROXMESH_ERR_TOPOLOGY', () => smallRaw({ topology: { kind: 'edge-list', nodes: 4, file: edges() } })],
    ['nodes < 1', 'PROXMESH_ERR_CONFIG', () => smallRaw({ topology: { kind: 'ring', nodes: 0 } })],
    ['more nodes than samples', 'PROXMESH_ERR_CONFIG_INCONSISTENT', () => smallRaw({ topology: { kind: 'ring', nodes: 500 } })],
    [
      'k > d',
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      () =>
        smallRaw({
          algorithm: { name: 'cdproxsgt', eta: 0.05 },
          compression: { x: { kind: 'topk', k: 100, scope: 'global' }, y: { kind: 'topk', k: 2 } },
        }),
    ],
    ['η = 0', 'PROXMESH_ERR_CONFIG', () => smallRaw({ algorithm: { name: 'dproxsgt', eta: 0 } })],
    ['η < 0', 'PROXMESH_ERR_CONFIG', () => smallRaw({ algorithm: { name: 'dproxsgt', eta: -0.1 } })],
    [
      'missing dataset file',
      'PROXMESH_ERR_DATASET',
      () =>
        smallRaw({
          problem: {
            dataset: { path: join(t.runsDir, 'nope.svm'), format: 'libsvm' },
            model: { kind: 'logistic' },
            regularizer: { kind: 'none' },
          },
        }),
    ],
  ];
  it.each(corpus)('%s → 400 %s', async (_n, code, raw) => {
    const res = await post({ config: raw(), id: 'bad-config' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message.length).toBeGreaterThan(10);
    // nothing was created: the same id is still free and no run folder exists
    expect(t.runs.list()).toEqual([]);
    expect(existsSync(join(t.runsDir, 'bad-config'))).toBe(false);
  });
});

describe('runs lifecycle', () => {
  it('409 while a run is active, 404 for an unknown run, results as NDJSON and CSV', async () => {
    const created = await post({ config: smallRaw({ iterations: 4, evalEvery: 2 }), id: 'r1' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'r1', state: 'waiting', nodes: 4, iterations: 4, rows: 0 });
    const second = await post({ config: smallRaw(), id: 'r2' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('PROXMESH_ERR_CONFLICT');
    const again = await post({ config: smallRaw(), id: 'r1' });
    expect(again.statusCode).toBe(409);
    const missing = await t.app.inject({ url: '/runs/nope', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('PROXMESH_ERR_NOT_FOUND');
    expect((await t.app.inject({ url: '/runs/nope/results', headers: auth })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/runs/r1/results?format=xml', headers: auth })).statusCode).toBe(400);

    // Four fake workers play the run: reports at k = 0, 2, 4 with known x_i.
    const ws = registerFakes(t.runs, 4);
    expect(ws.map((w) => w.inbox[0])).toMatchObject([0, 1, 2, 3].map((i) => ({ t: 'assign', runId: 'r1', nodeId: i })));
    for (const [i, w] of ws.entries()) t.runs.handle(w, { t: 'ready', runId: 'r1', nodeId: i });
    expect(ws.every((w) => w.inbox[1]?.t === 'start')).toBe(true);
    const config = loadConfig(smallRaw({ iterations: 4, evalEvery: 2 }));
    const problem = buildRunProblem(config, 4);
    const d = problem.model.dim;
    const reportsAt = (iter: number): NodeReport[] =>
      ws.map((_, i) => ({
        nodeId: i,
        iter,
        x: Float64Array.from({ length: d }, (_, j) => (iter + 1) * 0.01 * Math.sin(i + j)),
        lossSum: iter === 0 ? 0 : 0.5 * (i + 1),
        lossCount: iter === 0 ? 0 : 2,
        bytesSent: iter * 100 * (i + 1),
      }));
    const expected: string[] = [];
    const stats: unknown[] = [];
    t.runs.on('nodeStats', (runId: string, s: unknown) => stats.push({ runId, s }));
    for (const iter of [0, 2, 4]) {
      const reps = reportsAt(iter);
      // out of node order on purpose: rows must not depend on arrival order
      for (const i of [2, 0, 3, 1]) t.runs.handle(ws[i], { t: 'report', runId: 'r1', ...reps[i] });
      // the coordinator counts wire bytes from the exchange schedule (node/results/wire-accounting.ts)
      const algorithm = buildAlgorithm(config);
      const topology = buildRunTopology(config);
      const plan = wirePlanOf(
        algorithm,
        [0, 1, 2, 3].map((n) => peerRow(algorithm, topology, n)),
      );
      expected.push(JSON.stringify(canonicalRow(aggregateReports(reps, aggregateContextOf(config, problem, plan)))));
    }
    expect(t.runs.get('r1').state).toBe('running');
    // one nodeStats event per report, in arrival order, for live views
    expect(stats).toHaveLength(12);
    expect(stats[4]).toEqual({
      runId: 'r1',
      s: { nodeId: 2, iter: 2, localLoss: 0.75, bytesSent: 600, rejectedFrames: null, stepSeconds: null, peerBytes: null },
    });
    for (const [i, w] of ws.entries()) t.runs.handle(w, { t: 'done', runId: 'r1', nodeId: i });
    expect(t.runs.get('r1').state).toBe('done');
    expect(ws.every((w) => w.inbox.at(-1)?.t === 'stop')).toBe(true);

    const nd = await t.app.inject({ url: '/runs/r1/results', headers: auth });
    expect(nd.statusCode).toBe(200);
    expect(nd.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(nd.body).toBe(`${expected.join('\n')}\n`);
    const csv = await t.app.inject({ url: '/runs/r1/results?format=csv', headers: auth });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'iter,epoch,objective,f,r,stationarity,consensus,density,trainAccuracy,testAccuracy,localLoss,bitsSent,bytesSent,envelopeBytes,controlBytes,wireBytes',
    );
    expect(lines).toHaveLength(4);
    const summary = JSON.parse(readFileSync(join(t.runsDir, 'r1', 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(summary.final.bytesSent).toBe(400 * (1 + 2 + 3 + 4));
    // the Prometheus view equals the last row
    const m = (await t.app.inject('/metrics')).body;
    const last = JSON.parse(expected[2]);
    expect(m).toContain(`proxmesh_objective{run="r1"} ${last.objective}`);
    expect(m).toContain(`proxmesh_bits_sent{run="r1"} ${last.bitsSent}`);
    expect(m).toContain('proxmesh_bytes_sent_total{run="r1",node="3"} 1600');
    // once done, a new run may start
    expect((await post({ config: smallRaw(), id: 'r2' })).statusCode).toBe(201);
  });

  it('two concurrent POST /runs: exactly one is created, the other is 409', async () => {
    const [a, b] = await Promise.all([post({ config: smallRaw(), id: 'c1' }), post({ config: smallRaw(), id: 'c2' })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect(t.runs.list()).toHaveLength(1);
  });

  it('a failed run leaves summary.json with status failed and the failure, never "completed"', async () => {
    expect((await post({ config: smallRaw({ iterations: 4, evalEvery: 2 }), id: 'rf' })).statusCode).toBe(201);
    const ws = registerFakes(t.runs, 4);
    for (const [i, w] of ws.entries()) t.runs.handle(w, { t: 'ready', runId: 'rf', nodeId: i });
    const d = buildRunProblem(loadConfig(smallRaw()), 4).model.dim;
    for (const [i, w] of ws.entries())
      t.runs.handle(w, { t: 'report', runId: 'rf', nodeId: i, iter: 0, x: new Float64Array(d), lossSum: 0, lossCount: 0, bytesSent: 0 });
    t.runs.handle(ws[2], {
      t: 'fail',
      runId: 'rf',
      nodeId: 2,
      code: 'PROXMESH_ERR_PEER_TIMEOUT',
      message: 'node 2 lost peer 3 (no frame for 1500 ms)',
      round: 1,
    });
    const view = (await t.app.inject({ url: '/runs/rf', headers: auth })).json();
    expect(view).toMatchObject({ state: 'failed', rows: 1, failure: { code: 'PROXMESH_ERR_PEER_TIMEOUT', node: 2, round: 1 } });
    const summary = JSON.parse(readFileSync(join(t.runsDir, 'rf', 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    expect(summary.failure).toMatchObject({ code: 'PROXMESH_ERR_PEER_TIMEOUT', node: 2, round: 1 });
    expect(
      readFileSync(join(t.runsDir, 'rf', 'metrics.ndjson'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    expect(ws.every((w) => w.inbox.at(-1)?.t === 'stop')).toBe(true);
    // later messages of the failed run change nothing
    t.runs.handle(ws[0], { t: 'done', runId: 'rf', nodeId: 0 });
    expect(t.runs.get('rf').state).toBe('failed');
  });

  it('closing the app fails a run still waiting for workers', async () => {
    expect((await post({ config: smallRaw(), id: 'rw' })).statusCode).toBe(201);
    const dir = join(t.runsDir, 'rw');
    await t.app.close();
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    expect(summary.failure.message).toMatch(/coordinator shut down/);
  });
});
