import { describe, expect, it } from 'vitest';
import { aggregateSeeds, groupBySeed, paretoData, studyCurves, type Curve } from '../../node/report/aggregate.ts';
import { curveChartSpec, curveRows, paretoSpec } from '../../node/report/charts.ts';
import { compressorLabel, compressorSpecLabel, configSummary, formatNumber, getPath, isSeedPath } from '../../node/report/describe.ts';
import { FIGURE_NAMES, runFigures, studyFigures } from '../../node/report/figures.ts';
import { escapeHtml, inlineSvg } from '../../node/report/html.ts';
import type { RunFolder, StudyCell, StudyFolder } from '../../node/report/read.ts';
import type { StoredMetricsRow } from '../../node/results/metrics-row.ts';
import { meanMinMax, seedGroupsTable } from '../../node/report/tables.ts';
import { baseConfig, syntheticMetrics } from './fixtures.ts';

function row(iter: number, over: Partial<StoredMetricsRow> = {}): StoredMetricsRow {
  return {
    iter,
    epoch: iter / 10,
    objective: 1,
    f: 1,
    r: 0,
    stationarity: 1,
    consensus: 1,
    density: 1,
    trainAccuracy: 0.5,
    testAccuracy: 0.5,
    localLoss: 1,
    bitsSent: iter * 100,
    bytesSent: iter * 12.5,
    ...over,
  };
}

function run(metrics: StoredMetricsRow[], config = baseConfig()): RunFolder {
  return { dir: '/x', config, metrics, summary: null, paperMetrics: null };
}

function cell(id: string, diff: Record<string, unknown>, metrics: StoredMetricsRow[], config = baseConfig()): StudyCell {
  return { cell: id, diff, final: null, run: run(metrics, config) };
}

/** Layers of a layered spec, loosely typed for inspection. */
type Layer = {
  mark: { type: string } | string;
  encoding: Record<string, { field?: string; scale?: { type?: string } }>;
  transform?: unknown[];
};
const layers = (spec: unknown): Layer[] => (spec as { layer: Layer[] }).layer;
const values = (spec: unknown): Record<string, unknown>[] => (spec as { data: { values: Record<string, unknown>[] } }).data.values;

describe('seed aggregation', () => {
  it('computes mean, min and max over seeds exactly, at iterations every seed has', () => {
    const a = [row(0, { objective: 1 }), row(10, { objective: 0.5, bitsSent: 1000 }), row(20, { objective: 0.25, bitsSent: 2000 })];
    const b = [row(0, { objective: 3 }), row(10, { objective: 0.25, bitsSent: 1200 }), row(20, { objective: null, bitsSent: 2400 })];
    const c = [row(0, { objective: 2 }), row(10, { objective: 0.75, bitsSent: 1100 })];
    expect(aggregateSeeds([a, b, c], 'objective')).toEqual([
      { iter: 0, bits: 0, value: 2, lo: 1, hi: 3 },
      { iter: 10, bits: 1100, value: 0.5, lo: 0.25, hi: 0.75 },
    ]);
    // One seed: its own curve, nulls dropped, no band.
    expect(aggregateSeeds([b], 'objective')).toEqual([
      { iter: 0, bits: 0, value: 3, lo: null, hi: null },
      { iter: 10, bits: 1200, value: 0.25, lo: null, hi: null },
    ]);
    expect(aggregateSeeds([], 'objective')).toEqual([]);
  });

  it('groups cells that differ only by seed, in first-appearance order, labelled by what varies', () => {
    const topk = baseConfig({ kind: 'topk', ratio: 0.1 });
    const qsgd = baseConfig({ kind: 'qsgd', levels: 4 });
    const cells = [
      cell('t1', { 'compression.x.kind': 'topk', eta: 0.1, seed: 1 }, [row(0)], topk),
      cell('q1', { 'compression.x.kind': 'qsgd', eta: 0.1, '/seed': 1 }, [row(0)], qsgd),
      cell('t2', { seed: 2, eta: 0.1, 'compression.x.kind': 'topk' }, [row(0)], topk),
      cell('q2', { 'compression.x.kind': 'qsgd', eta: 0.1, '/seed': 2 }, [row(0)], qsgd),
      cell('t3', { 'compression.x.kind': 'topk', eta: 0.2, seed: 1 }, [row(0)], topk),
    ];
    const groups = groupBySeed(cells);
    expect(groups.map((g) => g.members.map((c) => c.cell))).toEqual([['t1', 't2'], ['q1', 'q2'], ['t3']]);
    expect(groups.map((g) => g.label)).toEqual(['topk(0.1), eta=0.1', 'qsgd(s=4), eta=0.1', 'topk(0.1), eta=0.2']);
    expect(groups[0].diff).toEqual({ 'compression.x.kind': 'topk', eta: 0.1 });
  });

  it('study curves carry bands only for groups with several seeds, coloured by the grouping axis', () => {
    const study: StudyFolder = {
      dir: '/s',
      failed: [],
      cells: [
        cell('a1', { ratio: 0.1, seed: 1 }, [row(0, { consensus: 2 }), row(10, { consensus: 4 })]),
        cell('a2', { ratio: 0.1, seed: 2 }, [row(0, { consensus: 4 }), row(10, { consensus: 8 })]),
        cell('b1', { ratio: 0.5, seed: 1 }, [row(0, { consensus: 1 })]),
      ],
    };
    const curves = studyCurves(study, 'consensus', { groupBy: 'compressor' });
    // Both configs label as topk(0.1), so colour alone would merge them: the ratio gets the dash channel.
    expect(curves).toEqual([
      {
        series: 'ratio=0.1',
        group: 'topk(0.1)',
        style: '0.1',
        panel: '',
        points: [
          { iter: 0, bits: 0, value: 3, lo: 2, hi: 4 },
          { iter: 10, bits: 1000, value: 6, lo: 4, hi: 8 },
        ],
      },
      { series: 'ratio=0.5', group: 'topk(0.1)', style: '0.5', panel: '', points: [{ iter: 0, bits: 0, value: 1, lo: null, hi: null }] },
    ]);
    expect(meanMinMax([1, 2, 6])).toEqual({ mean: 3, min: 1, max: 6 });
    expect(meanMinMax([1, null])).toBeNull();
    const table = seedGroupsTable(study);
    expect(table).toContain('<td>ratio=0.1</td><td class="num">2</td>');
    expect(table).toContain('6 [4, 8]'); // final consensus: mean [min, max] of 4 and 8
  });
});

describe('chart specs', () => {
  const curves: Curve[] = [
    {
      series: 's',
      group: 'g',
      points: [
        { iter: 0, bits: 0, value: 0, lo: null, hi: null },
        { iter: 10, bits: 500, value: 0.1, lo: 0.05, hi: 0.2 },
        { iter: 20, bits: 900, value: 0.01, lo: -1, hi: 0.02 },
      ],
    },
  ];

  it('consensus vs iterations: log y, iterations on a linear x, zero values dropped', () => {
    const spec = curveChartSpec(curves, { metric: 'consensus', x: 'iter' });
    const [band, line] = layers(spec);
    expect(line.encoding.x.field).toBe('iter');
    expect(line.encoding.x.scale?.type).toBeUndefined();
    expect(line.encoding.y.field).toBe('value');
    expect(line.encoding.y.scale?.type).toBe('log');
    expect(band.mark).toMatchObject({ type: 'area' });
    expect(band.encoding.y.field).toBe('lo');
    expect(band.encoding.y2.field).toBe('hi');
    expect(line.encoding.color.field).toBe('group');
    expect(line.encoding.detail.field).toBe('series');
    // iter 0 has consensus 0 (not on a log axis); iter 20's band reaches below 0 and is dropped.
    expect(values(spec).map((r) => [r.iter, r.lo])).toEqual([
      [10, 0.05],
      [20, null],
    ]);
  });

  it('objective vs bits: log x on bits, linear y, bits = 0 dropped, no band layer without bands', () => {
    const plain: Curve[] = [{ series: 's', group: 's', points: curves[0].points.map((p) => ({ ...p, lo: null, hi: null })) }];
    const spec = curveChartSpec(plain, { metric: 'objective', x: 'bits' });
    const ls = layers(spec);
    expect(ls).toHaveLength(1);
    expect(ls[0].encoding.x.field).toBe('bits');
    expect(ls[0].encoding.x.scale?.type).toBe('log');
    expect(ls[0].encoding.y.scale?.type).toBeUndefined();
    expect(values(spec).map((r) => r.bits)).toEqual([500, 900]);
  });

  it('stationarity is log-y by default, and logY overrides it', () => {
    expect(layers(curveChartSpec(curves, { metric: 'stationarity', x: 'bits' }))[1].encoding.y.scale?.type).toBe('log');
    expect(layers(curveChartSpec(curves, { metric: 'stationarity', x: 'bits', logY: false }))[1].encoding.y.scale?.type).toBeUndefined();
    expect(curveRows(curves, 'iter', false).map((r) => r.value)).toEqual([0, 0.1, 0.01]);
  });

  it('Pareto: frontier of (fewer bits, better value), log bits, colour per compressor', () => {
    const mk = (id: string, bits: number, acc: number | null, config = baseConfig()): StudyCell =>
      cell(id, { seed: 1 }, [row(0), row(100, { bitsSent: bits, testAccuracy: acc, objective: acc === null ? null : 1 - acc })], config);
    const study: StudyFolder = {
      dir: '/s',
      failed: [],
      cells: [
        mk('a', 100, 0.8),
        mk('b', 200, 0.79),
        mk('c', 300, 0.85, baseConfig({ kind: 'qsgd' })),
        mk('d', 50, 0.6),
        mk('e', 300, 0.9),
        mk('f', 10, null),
      ],
    };
    const data = paretoData(study, { groupBy: 'compressor' });
    expect(data.metric).toBe('testAccuracy');
    expect(data.points.map((p) => [p.cell, p.frontier])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
      ['d', true],
      ['e', true],
    ]);
    expect(data.points[2].compressor).toBe('qsgd(s=4)');
    const spec = paretoSpec(data);
    const [front, pts] = layers(spec);
    expect(front.transform).toEqual([{ filter: 'datum.frontier' }]);
    expect(pts.encoding.x.field).toBe('bits');
    expect(pts.encoding.x.scale?.type).toBe('log');
    expect(pts.encoding.color.field).toBe('group');
    expect(values(spec).map((p) => p.group)).toEqual(['topk(0.1)', 'topk(0.1)', 'qsgd(s=4)', 'topk(0.1)', 'topk(0.1)']);
    expect(pts.encoding.shape).toBeUndefined(); // only the compressor varies: nothing for a second channel
    // Without any test accuracy the objective is minimised instead.
    const noTest: StudyFolder = {
      dir: '/s',
      failed: [],
      cells: study.cells.map((c) => ({
        ...c,
        run: run(
          c.run.metrics.map((r) => ({ ...r, testAccuracy: null })),
          c.run.config,
        ),
      })),
    };
    const obj = paretoData(noTest);
    expect(obj.metric).toBe('objective');
    expect(obj.points.filter((p) => p.frontier).map((p) => p.cell)).toEqual(['a', 'd', 'e']);
  });

  it('run figures: every figure with data, accuracy with train and test lines', () => {
    const figs = runFigures(run(syntheticMetrics({ seed: 1, bitsPerIter: 100 })));
    // every figure but the study's Pareto, and no paper panels without paper-metrics.ndjson
    // … and no simulated-time figures without a clock (config `network`)
    expect(figs.map((f) => f.name)).toEqual(
      FIGURE_NAMES.filter((n) => n !== 'pareto' && n !== 'paper-panels' && !n.endsWith('-vs-sim-time')),
    );
    const acc = figs.find((f) => f.name === 'accuracy-vs-iter');
    expect(new Set(values(acc?.spec).map((r) => r.series))).toEqual(new Set(['train', 'test']));
    const noTest = runFigures(run(syntheticMetrics({ seed: 1, bitsPerIter: 100, test: false })));
    expect(new Set(values(noTest.find((f) => f.name === 'accuracy-vs-iter')?.spec).map((r) => r.series))).toEqual(new Set(['train']));
  });

  it('objective vs total wire bytes: x is the rows’ wireBytes (mean over seeds); runs that did not count them get no such figure', () => {
    const m = syntheticMetrics({ seed: 1, bitsPerIter: 100 });
    const fig = runFigures(run(m)).find((f) => f.name === 'objective-vs-wire-bytes');
    expect(fig?.title).toBe('Objective φ(x̄) vs total wire bytes');
    const line = layers(fig?.spec).find((l) => (typeof l.mark === 'string' ? l.mark : l.mark.type) === 'line')!;
    expect(line.encoding.x.field).toBe('wireBytes');
    expect(line.encoding.x.scale?.type).toBe('log');
    // the k = 0 row has 800 + 352 handshake and ack bytes: on the log axis too, unlike bits (0 at k = 0)
    expect(values(fig?.spec).map((r) => [r.iter, r.wireBytes, r.value])).toEqual(m.map((r) => [r.iter, r.wireBytes, r.objective]));
    const seeds = [m, m.map((r) => ({ ...r, wireBytes: r.wireBytes! + 100 }))];
    expect(aggregateSeeds(seeds, 'objective').map((p) => p.wireBytes)).toEqual(m.map((r) => r.wireBytes! + 50));
    // an older run folder: no wire keys → the figure is left out, the others stay
    const old = m.map(({ envelopeBytes, controlBytes, wireBytes, ...rest }) => rest);
    const names = runFigures(run(old)).map((f) => f.name);
    expect(names).not.toContain('objective-vs-wire-bytes');
    expect(names).toContain('objective-vs-bits');
    // one seed without wire bytes: the seed mean has none either
    expect(aggregateSeeds([m, old], 'objective').every((p) => p.wireBytes === undefined)).toBe(true);
  });

  it('every metric against simulated time when rows carry simTime (mean over seeds); row 0 (t = 0) is off the log axis', () => {
    const m = syntheticMetrics({ seed: 1, bitsPerIter: 100 }).map((r) => ({ ...r, simTime: r.iter * 0.25 }));
    const figs = runFigures(run(m));
    const timed = figs.filter((f) => f.name.endsWith('-vs-sim-time')).map((f) => f.name);
    expect(timed).toEqual([
      'objective-vs-sim-time',
      'stationarity-vs-sim-time',
      'consensus-vs-sim-time',
      'accuracy-vs-sim-time',
      'density-vs-sim-time',
    ]);
    const fig = figs.find((f) => f.name === 'objective-vs-sim-time');
    const line = layers(fig?.spec).find((l) => (typeof l.mark === 'string' ? l.mark : l.mark.type) === 'line')!;
    expect(line.encoding.x.field).toBe('simTime');
    expect(values(fig?.spec).map((r) => [r.simTime, r.value])).toEqual(
      m.filter((r) => r.iter > 0).map((r) => [r.iter * 0.25, r.objective]),
    );
    const slower = m.map((r) => ({ ...r, simTime: r.simTime * 3 }));
    expect(aggregateSeeds([m, slower], 'objective').map((p) => p.simTime)).toEqual(m.map((r) => r.iter * 0.5));
    // one seed without a clock: the mean has no simTime
    expect(aggregateSeeds([m, syntheticMetrics({ seed: 1, bitsPerIter: 100 })], 'objective').every((p) => p.simTime === undefined)).toBe(
      true,
    );
  });

  it('skips figures a log axis leaves empty (no bits sent, e.g. a single node)', () => {
    const m = syntheticMetrics({ seed: 1, bitsPerIter: 0 });
    const names = runFigures(run(m)).map((f) => f.name);
    expect(names).not.toContain('objective-vs-bits');
    expect(names).not.toContain('stationarity-vs-bits');
    expect(names).toContain('objective-vs-iter');
    expect(studyFigures({ dir: '/s', failed: [], cells: [cell('a', { seed: 1 }, m)] }).map((f) => f.name)).not.toContain('pareto');
  });

  it('study figures: accuracy falls back to train accuracy without a test set, Pareto last (no paper metrics)', () => {
    const m = syntheticMetrics({ seed: 1, bitsPerIter: 100, test: false });
    const figs = studyFigures({ dir: '/s', failed: [], cells: [cell('a', { seed: 1 }, m), cell('b', { seed: 2 }, m)] });
    expect(figs.map((f) => f.name)).toEqual(FIGURE_NAMES.filter((n) => n !== 'paper-panels' && !n.endsWith('-vs-sim-time')));
    expect(figs.find((f) => f.name === 'accuracy-vs-iter')?.title).toBe('Train accuracy vs iterations');
    expect(figs[figs.length - 1].title).toBe('Pareto: final objective vs total bits');
  });
});

describe('labels and HTML helpers', () => {
  it('names compressors and reads config paths', () => {
    expect(compressorSpecLabel({ kind: 'ef', inner: { kind: 'topk', k: 50, scope: 'global', precision: 'f16' } })).toBe(
      'ef(topk(k=50,global,f16))',
    );
    expect(compressorSpecLabel({ kind: 'chain', steps: [{ kind: 'randk', ratio: 0.2, scaled: false }, { kind: 'sign' }] })).toBe(
      'chain(randk(0.2,unscaled)→sign)',
    );
    const cfg = baseConfig();
    expect(compressorLabel(cfg)).toBe('topk(0.1)');
    expect(compressorLabel({ ...cfg, compression: { x: { kind: 'topk', ratio: 0.1 }, y: { kind: 'qsgd', levels: 8 } } })).toBe(
      'x: topk(0.1), y: qsgd(s=8)',
    );
    expect(compressorLabel(baseConfig({ algorithm: 'dproxsgt' }))).toBe('uncompressed');
    expect(getPath(cfg, '/topology/nodes')).toBe(8);
    expect(getPath(cfg, 'algorithm.eta')).toBe(0.05);
    expect(getPath(cfg, 'algorithm.nope.deeper')).toBeUndefined();
    expect(['seed', '/seed', '$.seed', 'init.seed'].map(isSeedPath)).toEqual([true, true, true, false]);
    expect([3, 0.123456, 1e-4, 2.5e9, 1234567].map(formatNumber)).toEqual(['3', '0.1235', '1e-4', '2.5e+9', '1.235e+6']);
  });

  it('config summary shows algorithm, compressors, topology, n, partition, η, γ, batch', () => {
    const rows = Object.fromEntries(configSummary(baseConfig()));
    expect(rows).toMatchObject({
      algorithm: 'cdproxsgt',
      'compressor Q_x': 'topk(0.1)',
      topology: 'ring, metropolis',
      'nodes n': '8',
      partition: 'dirichlet (alpha=0.3)',
      'step size η': '0.05',
      γ_x: '0.5',
      γ_y: '0.5',
      'batch size': '32',
    });
    expect(Object.keys(Object.fromEntries(configSummary(baseConfig({ algorithm: 'dpsgd' }))))).not.toContain('compressor Q_x');
  });

  it('escapes HTML and makes inline SVG ids unique without namespace URLs', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>';
    expect(inlineSvg(svg, 'f3')).toBe('<svg><clipPath id="f3-clip1"/><g clip-path="url(#f3-clip1)"/><use href="#f3-clip1"/></svg>');
  });
});
