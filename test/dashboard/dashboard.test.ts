/**
 * The live dashboard in a real browser against a real local cluster (coordinator + 4 worker
 * processes on loopback): the page draws the ring's 4 nodes and 4 edges, its charts gain points as
 * evaluations arrive over SSE, the node table fills from the coordinator's per-node gauges, and the
 * page never requests anything beyond the coordinator. Screenshot: test/artifacts/dashboard.png.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { loadConfig } from '../../node/config/load.ts';
import { runLocalCluster, type LocalClusterResult } from '../../node/run/local-cluster.ts';
import { CHROMIUM_PATH, IN_CI, launchChromium } from './chromium.ts';

/** The browser globals the page.evaluate callbacks use (module-scoped: the tsconfig has no DOM lib). */
interface El {
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const document: {
  getElementById(id: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
};

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const N = 4;

describe.skipIf(!CHROMIUM_PATH && !IN_CI)('dashboard in headless Chromium', () => {
  let browser: Browser | null = null;
  let tmp: string | null = null;
  const ac = new AbortController();
  let cluster: Promise<LocalClusterResult | Error> | null = null;

  let listening: Promise<string> | null = null;

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    // runLocalCluster only hears an abort once it waits for the run (right after onListening),
    // so abort after that, or after it ended on its own.
    if (cluster) await Promise.race([listening, cluster]);
    ac.abort(new Error('test finished'));
    await cluster;
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('shows the run config, the ring topology, growing charts and the node table', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'proxmesh-dashboard-'));
    // K is far beyond what the test waits for: the run is aborted at teardown.
    const config = loadConfig({
      seed: 7,
      iterations: 200_000,
      evalEvery: 40,
      batchSize: 16,
      algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      compression: { x: { kind: 'topk', ratio: 0.3 }, y: { kind: 'topk', ratio: 0.3 } },
      problem: {
        dataset: { name: 'breast-cancer', testFraction: 0.2 },
        model: { kind: 'logistic', intercept: true },
        regularizer: { kind: 'l1', lambda: 1e-3 },
      },
      partition: { kind: 'iid' },
      topology: { kind: 'ring', nodes: N },
      output: { dir: tmp },
    });
    let resolveUrl!: (url: string) => void;
    listening = new Promise<string>((r) => {
      resolveUrl = r;
    });
    cluster = runLocalCluster(config, { outDir: join(tmp, 'run'), signal: ac.signal, onListening: ({ url }) => resolveUrl(url) }).catch(
      (err: Error) => err,
    );
    const [url, b] = await Promise.all([
      Promise.race([
        listening,
        cluster.then((r) => {
          throw r instanceof Error ? r : new Error('cluster ended before listening');
        }),
      ]),
      launchChromium(),
    ]);
    browser ??= b;
    const page = await browser.newPage({ viewport: { width: 1280, height: 1300 } });
    const requests: string[] = [];
    const pageErrors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${url}/`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });

    // Topology: ring of 4 → edges {0-1, 1-2, 2-3, 0-3}.
    const topo = page.locator('#topology');
    expect(await topo.getAttribute('data-nodes')).toBe(String(N));
    expect(await topo.locator('circle[data-node]').count()).toBe(N);
    const edges = await topo.locator('line[data-edge]').evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')).sort());
    expect(edges).toEqual(['0-1', '0-3', '1-2', '2-3']);

    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (the rendered text), not the DOM property
    const config_ = await page.locator('#config').innerText();
    expect(config_).toContain('cdproxsgt');
    expect(config_).toContain('topk(ratio=0.3');
    expect(config_).toContain('ring');

    // Charts grow: read the point counts, wait (bounded) for more evaluations, read again. The
    // charts render asynchronously (vega runs), so read them at a moment when every chart has drawn
    // the same rows (#charts data-rows) and no newer row is half applied.
    const counts = () =>
      page
        .waitForFunction(
          () => {
            const c = (id: string) => Number(document.querySelector(`[data-chart="${id}"]`)!.getAttribute('data-count'));
            const rows = Number(document.getElementById('charts')!.dataset.rows);
            const s = {
              rows,
              objective: c('objective'),
              consensus: c('consensus'),
              bits: c('bits'),
              objectiveBits: c('objective-bits'),
              marks: document.querySelectorAll('[data-chart="objective"] svg path').length,
            };
            return rows >= 2 && s.objective === rows && s.bits === rows ? s : null;
          },
          undefined,
          { timeout: 30_000 },
        )
        .then(
          (h) =>
            h.jsonValue() as Promise<{
              rows: number;
              objective: number;
              consensus: number;
              bits: number;
              objectiveBits: number;
              marks: number;
            }>,
        );
    const first = await counts();
    await page.waitForFunction((n) => Number(document.getElementById('charts')!.dataset.rows) > n, first.rows, { timeout: 15_000 });
    const second = await counts();
    expect(second.rows).toBeGreaterThan(first.rows);
    expect(second.objective).toBeGreaterThan(first.objective);
    for (const c of [first, second]) {
      // every row has a finite objective and bits count; the k = 0 row has bitsSent = 0, which the log-x chart drops
      expect(c.objectiveBits).toBe(c.rows - 1);
      // x⁰ = 0 on every node (init zero): consensus error 0 at k = 0, which the log-y chart drops
      expect(c.consensus).toBe(c.rows - 1);
      // vega drew the chart as SVG (line + points + axes paths)
      expect(c.marks).toBeGreaterThan(c.rows);
    }
    expect(Number(await page.locator('#rows').getAttribute('data-count'))).toBeGreaterThanOrEqual(second.rows);
    // Every chart is a vega SVG view with its title; the two-series chart has a legend with both.
    for (const id of ['objective', 'stationarity', 'consensus', 'accuracy', 'bits', 'objective-bits']) {
      expect(await page.locator(`[data-chart="${id}"] svg.marks`).count(), id).toBe(1);
    }
    expect(await page.locator('[data-chart="accuracy"] svg .role-legend').count()).toBe(1);
    expect(await page.locator('[data-chart="accuracy"] svg .role-legend-label text').allTextContents()).toEqual(['test', 'train']);
    expect(await page.locator('[data-chart="stationarity"] svg .role-title-text').textContent()).toContain('stationarity');
    // After data changes the layout is redone: every label (ticks, titles, legend) lies inside its chart's box.
    const outside = await page.locator('[data-chart]').evaluateAll((els) =>
      els.flatMap((box) => {
        const b = box.getBoundingClientRect();
        return [...box.querySelectorAll('svg text')]
          .map((t) => [t.textContent, t.getBoundingClientRect()] as const)
          .filter(([text, r]) => text && (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1))
          .map(([text]) => `${box.getAttribute('data-chart')}: ${text}`);
      }),
    );
    expect(outside).toEqual([]);
    expect(await page.locator('#status').getAttribute('data-state')).toBe('running');

    // The node table: one row per node, iterations from the coordinator's per-node gauge.
    await page.waitForFunction((n) => Number(document.getElementById('nodes')!.getAttribute('data-rows')) === n, N, { timeout: 10_000 });
    const iters = await page.locator('#nodes tbody tr[data-node] td:nth-child(2)').allInnerTexts();
    expect(iters).toHaveLength(N);
    for (const t of iters) expect(Number(t)).toBeGreaterThanOrEqual(0);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    expect(pageErrors).toEqual([]);
    const origin = new URL(url).origin;
    expect(requests.filter((r) => !r.startsWith(origin))).toEqual([]);
  }, 55_000);

  it('draws per-node stats from nodeStats events: table cells and edge widths by bytes', async () => {
    browser ??= await launchChromium();
    const dir = await mkdtemp(join(tmpdir(), 'proxmesh-dashboard-stats-'));
    const { app, runs } = await buildApp({
      token: 'x'.repeat(24),
      contexts: createRunContextFactory({ runsDir: dir }),
      validateConfig: (c) => loadConfig(c as object),
      defaultMetrics: false,
    });
    try {
      const run = await runs.createRun(
        {
          config: loadConfig({
            iterations: 100,
            evalEvery: 10,
            algorithm: { name: 'dproxsgt', eta: 0.05 },
            problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic', intercept: true }, regularizer: { kind: 'none' } },
            partition: { kind: 'iid' },
            topology: { kind: 'ring', nodes: 4 },
          }),
        },
        'stats-run',
      );
      await app.listen({ host: '127.0.0.1', port: 0 });
      const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(m.text());
      });
      await page.goto(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
      await page.waitForFunction(() => document.getElementById('conn')!.dataset.live === '1', undefined, { timeout: 10_000 });
      expect(await page.locator('#status').getAttribute('data-state')).toBe('waiting');
      // node i sent 1000·(i+1) bytes to each neighbour: edge {i, j} carries 1000·(i+1) + 1000·(j+1).
      const ring: Record<number, number[]> = { 0: [1, 3], 1: [0, 2], 2: [1, 3], 3: [0, 2] };
      for (let i = 0; i < 4; i++) {
        runs.emit('nodeStats', run.id, {
          nodeId: i,
          iter: 30 + i,
          localLoss: 0.25 * (i + 1),
          bytesSent: 2000 * (i + 1),
          rejectedFrames: i,
          stepSeconds: { compute: 0.002, encode: 0.0005, wait: 0.01 * i },
          peerBytes: Object.fromEntries(ring[i].map((j) => [String(j), 1000 * (i + 1)])),
        });
      }
      await page.waitForFunction(() => document.getElementById('nodes')!.getAttribute('data-rows') === '4', undefined, { timeout: 10_000 });
      const cells = await page.locator('#nodes tbody tr[data-node="3"] td').allInnerTexts();
      expect(cells).toEqual(['3', '33', '1', '7.81 KiB', '3', '2 ms', '500 µs', '30 ms']);
      const edges = await page
        .locator('#topology line[data-edge]')
        .evaluateAll((els) =>
          Object.fromEntries(
            els.map((e) => [e.getAttribute('data-edge'), [Number(e.getAttribute('data-bytes')), Number(e.getAttribute('stroke-width'))]]),
          ),
        );
      // widths: 1 + 6·bytes/max, max = edge 2-3 (3000 + 4000)
      expect(edges).toEqual(
        Object.fromEntries(
          Object.entries({ '0-1': 3000, '0-3': 5000, '1-2': 5000, '2-3': 7000 }).map(([k, b]) => [
            k,
            [b, Number((1 + (6 * b) / 7000).toFixed(2))],
          ]),
        ),
      );
      expect(await page.locator('#topology circle[data-node="2"]').getAttribute('data-iter')).toBe('32');
      // a row for this run is appended to every chart
      runs.emit('row', run.id, {
        iter: 0,
        epoch: 0,
        objective: 0.69,
        f: 0.69,
        r: 0,
        stationarity: 1.5,
        consensus: 0,
        density: 0,
        trainAccuracy: 0.4,
        testAccuracy: null,
        localLoss: 0.69,
        bitsSent: 0,
        bytesSent: 0,
      });
      await page.waitForFunction(() => document.getElementById('charts')!.dataset.rows === '1', undefined, { timeout: 10_000 });
      expect(await page.locator('#rows').getAttribute('data-count')).toBe('1');
      const counts = await page
        .locator('[data-chart]')
        .evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-chart'), Number(e.getAttribute('data-count'))])));
      // consensus 0 and bits 0 cannot be drawn on log axes; test accuracy is null, train is drawn
      expect(counts).toEqual({ objective: 1, stationarity: 1, consensus: 0, accuracy: 1, bits: 1, 'objective-bits': 0 });
      // one-value domains (bits = 0) still get readable tick labels; empty charts say so
      const labels = await page.locator('[data-chart] svg text').allTextContents();
      expect(labels.filter((t) => /NaN|undefined|Infinity/.test(t))).toEqual([]);
      expect(await page.locator('[data-chart="bits"] svg .role-axis-label text').allTextContents()).toContain('0');
      expect(await page.locator('.chart-box .empty:not([hidden])').count()).toBe(2);
      expect(pageErrors).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-node-stats.png'), fullPage: true });
      await page.close();
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
