import { describe, expect, it } from 'vitest';
import { paretoData, studyCurves } from '../../node/report/aggregate.ts';
import { planEncodings, STYLE_LIMIT, type Part } from '../../node/report/encodings.ts';
import { studyFigures } from '../../node/report/figures.ts';
import type { StudyCell, StudyFolder } from '../../node/report/read.ts';
import type { StoredMetricsRow } from '../../node/results/metrics-row.ts';
import { renderSvg } from '../../node/report/render.ts';
import { baseConfig, syntheticMetrics } from './fixtures.ts';

// A grid like the compression study's: compressor × algorithm × topology × partition × seed, γ zipped
// with the compressor. Every figure must tell every series apart by colour, dash/shape or panel.
type Axis = 'compressor' | 'algorithm' | 'topology' | 'partition';
const COMPRESSORS = [
  { kind: 'topk', ratio: 0.1, gamma: 0.5 },
  { kind: 'topk', ratio: 0.01, gamma: 0.05 },
  { kind: 'qsgd', levels: 15, gamma: 0.5 },
];

function grid(axes: readonly Axis[], seeds = [1, 2]): StudyFolder {
  const cells: StudyCell[] = [];
  const comps = axes.includes('compressor') ? COMPRESSORS : [COMPRESSORS[0]];
  const algs = axes.includes('algorithm') ? ['cdproxsgt', 'choco'] : ['cdproxsgt'];
  const tops = axes.includes('topology') ? ['ring', 'torus'] : ['ring'];
  const parts = axes.includes('partition') ? ['iid', 'sorted'] : ['iid'];
  let k = 0;
  for (const a of algs)
    for (const c of comps)
      for (const t of tops)
        for (const p of parts)
          for (const seed of seeds) {
            const config = baseConfig({ seed, kind: c.kind, ratio: c.ratio, levels: c.levels, algorithm: a }) as Record<string, any>;
            config.topology.kind = t;
            config.partition = { kind: p };
            const diff: Record<string, unknown> = { seed };
            if (axes.includes('algorithm')) diff['algorithm.name'] = a;
            if (axes.includes('compressor')) Object.assign(diff, { 'compression.x': { kind: c.kind }, 'algorithm.gammaX': c.gamma });
            if (axes.includes('topology')) diff['topology.kind'] = t;
            if (axes.includes('partition')) diff['partition.kind'] = p;
            const metrics: StoredMetricsRow[] = syntheticMetrics({ seed: seed + 10 * k++, bitsPerIter: 1000 * (1 + comps.indexOf(c)) });
            cells.push({ cell: `c${k}`, diff, final: null, run: { dir: '/x', config, metrics, summary: null, paperMetrics: null } });
          }
  return { dir: '/s', failed: [], cells };
}

type Row = { series?: string; cell?: string; group: string; style: string; panel: string };
const rowsOf = (spec: unknown): Row[] => (spec as { data: { values: Row[] } }).data.values;
/** A spec's layer list, faceted or not. */
const layersOf = (spec: any): any[] => spec.layer ?? spec.spec.layer;

describe('planEncodings', () => {
  const row = (o: Record<string, string>): Part[] => Object.entries(o).map(([key, value]) => ({ key, value }));

  it('colour by compressor: the algorithm gets the style channel, γ zipped with the compressor none', () => {
    const rows = [
      row({ compressor: 'a', 'algorithm.gammaX': '0.5', 'algorithm.name': 'x' }),
      row({ compressor: 'b', 'algorithm.gammaX': '0.1', 'algorithm.name': 'x' }),
      row({ compressor: 'a', 'algorithm.gammaX': '0.5', 'algorithm.name': 'y' }),
      row({ compressor: 'b', 'algorithm.gammaX': '0.1', 'algorithm.name': 'y' }),
    ];
    expect(planEncodings(rows, ['a', 'b', 'a', 'b'])).toEqual({ style: ['algorithm.name'], panel: [] });
  });

  it(`style takes keys while their combinations fit ${STYLE_LIMIT}; the rest go to panels`, () => {
    const rows: Part[][] = [];
    const colors: string[] = [];
    for (const c of ['p', 'q'])
      for (const a of ['x', 'y'])
        for (const t of ['r', 't'])
          for (const p of ['i', 's']) {
            rows.push(row({ compressor: c, alg: a, top: t, part: p }));
            colors.push(c);
          }
    expect(planEncodings(rows, colors)).toEqual({ style: ['alg', 'top'], panel: ['part'] });
  });

  it('a key with more values than the style channel holds goes to panels', () => {
    const rows = Array.from({ length: STYLE_LIMIT + 1 }, (_, i) => row({ lr: String(i) }));
    expect(
      planEncodings(
        rows,
        rows.map(() => 'same'),
      ),
    ).toEqual({ style: [], panel: ['lr'] });
  });

  it('nothing left when colour separates every row', () => {
    expect(planEncodings([row({ k: 'a' }), row({ k: 'b' })], ['a', 'b'])).toEqual({ style: [], panel: [] });
  });
});

describe('every study figure separates every grouping key', () => {
  const designs: Array<[string, Axis[], string | undefined]> = [
    ['compressor × algorithm, --group-by compressor (the ring-sorted figures)', ['compressor', 'algorithm'], 'compressor'],
    ['compressor × algorithm, no --group-by', ['compressor', 'algorithm'], undefined],
    ['compressor × algorithm × topology × partition (all cells)', ['compressor', 'algorithm', 'topology', 'partition'], 'compressor'],
    ['--group-by algorithm', ['compressor', 'algorithm', 'topology'], 'algorithm'],
    ['one key', ['compressor'], 'compressor'],
  ];
  it.each(designs)('%s', (_what, axes, groupBy) => {
    const study = grid(axes);
    const series = studyCurves(study, 'objective', groupBy ? { groupBy } : {});
    const looks = series.map((c) => `${c.group}|${c.style}|${c.panel}`);
    expect(new Set(looks).size).toBe(series.length);
    for (const fig of studyFigures(study, groupBy ? { groupBy } : {})) {
      if (fig.name === 'pareto') {
        // Cells differ only by seed within a look; across looks, never the same look.
        const byLook = new Map<string, Set<string>>();
        for (const p of rowsOf(fig.spec)) byLook.set(`${p.group}|${p.style}|${p.panel}`, new Set());
        expect(byLook.size).toBe(series.length);
        continue;
      }
      const seen = new Map<string, string>();
      for (const r of rowsOf(fig.spec)) {
        const look = `${r.group}|${r.style}|${r.panel}`;
        expect(seen.get(look) ?? r.series, fig.name).toBe(r.series);
        seen.set(look, r.series!);
      }
    }
  });

  it('compressor × algorithm: dash and shape by algorithm, one legend per channel naming it', async () => {
    const fig = studyFigures(grid(['compressor', 'algorithm']), { groupBy: 'compressor' }).find((f) => f.name === 'objective-vs-bits')!;
    const line = layersOf(fig.spec).at(-1);
    expect(line.encoding.color).toMatchObject({ field: 'group', title: 'compressor' });
    expect(line.encoding.strokeDash).toMatchObject({ field: 'style', title: 'algorithm' });
    expect(line.encoding.shape).toMatchObject({ field: 'styleShape', title: 'algorithm (marker)' });
    expect(line.transform).toEqual([{ calculate: 'datum.style', as: 'styleShape' }]);
    const svg = await renderSvg(fig.spec);
    for (const text of ['compressor', 'algorithm', 'algorithm (marker)', 'cdproxsgt', 'choco', 'topk(0.1)', 'qsgd(s=15)'])
      expect(svg.includes(`>${text}</text>`), text).toBe(true);
    expect(/stroke-dasharray="7(,| )3"/.test(svg)).toBe(true); // choco's dash pattern is drawn
  });

  it('all cells: the last key (paths sort: topology) in panels with a header naming it, frontier per panel', async () => {
    const study = grid(['compressor', 'algorithm', 'topology', 'partition']);
    const fig = studyFigures(study, { groupBy: 'compressor' }).find((f) => f.name === 'pareto')!;
    const spec = fig.spec as any;
    expect(spec.facet).toMatchObject({ field: 'panel', title: 'topology' });
    expect(layersOf(spec)[1].encoding.shape).toMatchObject({ field: 'style', title: 'algorithm, partition' });
    const data = paretoData(study, { groupBy: 'compressor' });
    expect(new Set(data.points.map((p) => p.panel))).toEqual(new Set(['ring', 'torus']));
    for (const panel of ['ring', 'torus'])
      expect(
        data.points.some((p) => p.panel === panel && p.frontier),
        panel,
      ).toBe(true);
    const svg = await renderSvg(fig.spec);
    for (const text of ['topology', 'ring', 'torus', 'algorithm, partition', 'algorithm=choco, partition=sorted'])
      expect(svg.includes(`>${text}</text>`), text).toBe(true);
  });
});
