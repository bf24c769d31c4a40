/**
 * The Grafana dashboard only queries metrics that exist: every metric name in every panel's PromQL
 * must have samples in a LIVE scrape of a coordinator (buildApp on a real port) and of a worker
 * (runWorker, real peer links) during a real run. Plus the dashboard's structure (datasource variable,
 * required panels, log scale for the consensus error) and a negative check of the name extractor.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { loadConfig } from '../../node/config/load.ts';
import { runWorker } from '../../node/worker.ts';
import { exposedNames, metricNames, sampledNames } from './promql-names.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/proxmesh-dashboard.json'), 'utf8'));

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string }[];
  fieldConfig?: any;
  gridPos: { x: number; y: number; w: number; h: number };
}
const panels: Panel[] = dashboard.panels;
const queryPanels = panels.filter((p) => p.type !== 'row');
// Panel queries, plus the metric behind each Grafana label_values(metric, label) variable.
const exprs = [
  ...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr }))),
  ...dashboard.templating.list
    .filter((v: any) => v.type === 'query')
    .map((v: any) => ({
      panel: `variable ${v.name}`,
      expr: /^label_values\(([^,]+),\s*\w+\)$/.exec(v.query.query)?.[1] ?? v.query.query,
    })),
];

/** Names in dashboard exprs that the scrapes lack. */
function unknownMetrics(list: { panel: string; expr: string }[], known: Set<string>): string[] {
  return list.flatMap(({ panel, expr }) =>
    metricNames(expr)
      .filter((n) => !known.has(n))
      .map((n) => `${panel}: ${n}`),
  );
}

describe('metric names in PromQL', () => {
  it('extracts metrics, not functions, labels, variables or keywords', () => {
    expect(
      metricNames('histogram_quantile(0.9, sum by (le, phase) (rate(proxmesh_step_seconds_bucket{run=~"$run"}[$__rate_interval])))'),
    ).toEqual(['proxmesh_step_seconds_bucket']);
    expect(
      metricNames(
        'sum by (phase) (rate(a_sum{x="y"}[5m])) / on (phase) group_left sum without (node) (rate(a_count[1m] offset 5m))',
      ).sort(),
    ).toEqual(['a_count', 'a_sum']);
    expect(metricNames('rate(proxmesh_peer_bytes_sent{kind="payload", run=~"$run"}[$__rate_interval]) > bool 0 and up')).toEqual([
      'proxmesh_peer_bytes_sent',
      'up',
    ]);
    expect(metricNames('label_replace(m, "dst", "$1", "src", "(.*)")')).toEqual(['m']);
  });
  it('exposition parsing: samples, and histogram parts from # TYPE', () => {
    const text = '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 2\n# TYPE g gauge\ng{a="b"} 1\n# TYPE empty gauge\n';
    expect([...sampledNames(text)].sort()).toEqual(['g', 'h_bucket']);
    expect([...exposedNames(text)].sort()).toEqual(['empty', 'g', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, a literal string in the dashboard JSON
const DATASOURCE_VAR = '${datasource}';

describe('dashboard structure', () => {
  it('takes its datasource from a templated variable, in every panel and query', () => {
    const v = dashboard.templating.list.find((t: any) => t.type === 'datasource');
    expect(v).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of queryPanels) {
      expect(p.datasource?.uid, p.title).toBe(DATASOURCE_VAR);
      for (const t of p.targets ?? []) expect((t as any).datasource?.uid, p.title).toBe(DATASOURCE_VAR);
    }
    const run = dashboard.templating.list.find((t: any) => t.name === 'run');
    expect(run.datasource.uid).toBe(DATASOURCE_VAR);
    expect(run.query.query).toBe('label_values(proxmesh_iteration, run)');
    expect(exprs.find((e) => e.panel === 'variable run')?.expr).toBe('proxmesh_iteration');
  });

  it('has the required panels, the consensus error on a log scale, unique ids and no overlaps', () => {
    const uses = (metric: string) => queryPanels.filter((p) => (p.targets ?? []).some((t) => metricNames(t.expr).includes(metric)));
    for (const m of [
      'proxmesh_objective',
      'proxmesh_stationarity',
      'proxmesh_consensus_error',
      'proxmesh_test_accuracy',
      'proxmesh_bits_per_iteration',
      'proxmesh_peer_bytes_sent',
      'proxmesh_frames_rejected_total',
      'proxmesh_step_seconds_sum',
      'proxmesh_step_seconds_bucket',
    ]) {
      expect(uses(m).length, m).toBeGreaterThan(0);
    }
    for (const p of uses('proxmesh_consensus_error'))
      expect(p.fieldConfig.defaults.custom.scaleDistribution).toEqual({ type: 'log', log: 10 });
    expect(uses('proxmesh_peer_bytes_sent').every((p) => p.targets!.every((t) => /kind="payload"/.test(t.expr)))).toBe(true);
    const split = uses('proxmesh_step_seconds_sum')[0];
    expect(split.targets![0].expr).toMatch(/by \(phase\)/);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });
});

describe('dashboard queries against live /metrics', () => {
  const TOKEN = 'grafana-test-token';
  const RUN = 'grafana-live';
  let dir = '';
  let coordinatorText = '';
  let workerText = '';
  let cleanup: () => Promise<void> = async () => {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proxmesh-grafana-'));
    const raw = parse(readFileSync(join(ROOT, 'examples/breast-cancer-beer-complete4.yaml'), 'utf8'));
    // Long enough that the run is still going while we scrape; it is aborted afterwards.
    const config = loadConfig({ ...raw, iterations: 1_000_000, evalEvery: 10, topology: { kind: 'complete', nodes: 3 }, output: { dir } });
    const { app, runs } = await buildApp({
      token: TOKEN,
      contexts: createRunContextFactory({ runsDir: dir }),
      validateConfig: (c) => loadConfig(c as object),
      defaultMetrics: true,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    await runs.createRun({ config }, RUN);
    const evaluated = new Promise<void>((resolve) => {
      const onRow = (id: string, row: { iter: number }) => {
        if (id === RUN && row.iter >= 20) {
          runs.off('row', onRow);
          resolve();
        }
      };
      runs.on('row', onRow);
    });
    const abort = new AbortController();
    const metricsUrls: string[] = [];
    const workers = [0, 1, 2].map((ordinal) =>
      runWorker({
        coordinatorUrl: `ws://127.0.0.1:${port}/control`,
        token: TOKEN,
        ordinal,
        listenHost: '127.0.0.1',
        listenPort: 0,
        metricsHost: '127.0.0.1',
        metricsPort: 0,
        connectTimeoutMs: 5000,
        signal: abort.signal,
        log: (line) => {
          const m = /metrics (http:\S+?)\)?$/.exec(line);
          if (m) metricsUrls[ordinal] = m[1];
        },
      }),
    );
    cleanup = async () => {
      if (runs.get(RUN).state === 'running')
        runs.abort(RUN, { code: 'PROXMESH_ERR_WORKER_FAILED', message: 'test done', node: null, round: null });
      abort.abort();
      await Promise.race([Promise.allSettled(workers), new Promise((r) => setTimeout(r, 5000))]);
      await app.close();
    };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      evaluated,
      Promise.all(workers).then(() => {
        throw new Error('workers ended before iteration 20');
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no evaluation at k ≥ 20 within 20 s')), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(metricsUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    // Scrape while the run is live (the worker serves /metrics only while it runs).
    [coordinatorText, workerText] = await Promise.all([
      fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()),
      fetch(metricsUrls[0]).then((r) => r.text()),
    ]);
  }, 30_000);

  afterAll(async () => {
    await cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every metric a panel queries has samples in the coordinator or worker scrape', () => {
    const known = new Set([...sampledNames(coordinatorText), ...sampledNames(workerText)]);
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    expect(unknownMetrics(exprs, known)).toEqual([]);
    // The split really is by phase, with the three phases the worker observes.
    for (const phase of ['compute', 'encode', 'wait'])
      expect(workerText).toContain(`proxmesh_step_seconds_count{run="${RUN}",node="0",phase="${phase}"}`);
    expect(workerText).toMatch(/proxmesh_peer_bytes_sent\{run="grafana-live",node="0",peer="1",kind="payload"\} [1-9]/);
  });

  it('a made-up or misspelt metric in an expr is reported', () => {
    const known = new Set([...sampledNames(coordinatorText), ...sampledNames(workerText)]);
    const broken = [
      ...exprs,
      { panel: 'made up', expr: 'rate(proxmesh_made_up_total{run=~"$run"}[$__rate_interval])' },
      { panel: 'misspelt', expr: 'proxmesh_consensus_errors' },
      { panel: 'no histogram', expr: 'histogram_quantile(0.5, sum by (le) (rate(proxmesh_objective_bucket[5m])))' },
    ];
    expect(unknownMetrics(broken, known)).toEqual([
      'made up: proxmesh_made_up_total',
      'misspelt: proxmesh_consensus_errors',
      'no histogram: proxmesh_objective_bucket',
    ]);
  });
});
