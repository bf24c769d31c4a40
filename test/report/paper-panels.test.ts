/**
 * The paper's panel figure: reading paper-metrics.ndjson (every defect named by file, line and key),
 * the three panels' data, series labels of a study, and the figure in a real rendered report.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProxmeshError } from '../../node/errors.ts';
import type { PaperMetricsRow } from '../../node/eval/paper-metrics.ts';
import { FIGURE_NAMES, studyPaperSeries } from '../../node/report/figures.ts';
import { paperPanelPoints, paperPanelsSpec, X_LOCAL, X_MEAN } from '../../node/report/paper-panels.ts';
import { readPaperMetrics } from '../../node/report/read-paper-metrics.ts';
import { readRunFolder, readStudyFolder } from '../../node/report/read.ts';
import { writeReport } from '../../node/report/report.ts';
import { baseConfig, syntheticMetrics, syntheticPaperMetrics, tempDir, writePaperMetrics, writeRunFolder } from './fixtures.ts';

const root = tempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function runWithPaper(
  rows: readonly Record<string, unknown>[] | null,
  algorithm = 'cdproxsgt',
  parent = root,
  name = `run-${counter++}`,
): string {
  const dir = writeRunFolder(join(parent, name), baseConfig({ algorithm }), syntheticMetrics({ seed: 3, bitsPerIter: 100 }));
  if (rows !== null) writePaperMetrics(dir, rows);
  return dir;
}

/** An experiment folder as examples/paper/run-all.sh leaves it: one run per method and an index. */
function experiment(methods: readonly [cell: string, algorithm: string, itersPerEpoch: number][]): string {
  const dir = join(root, `exp-${counter++}`);
  const index = methods.map(([cell, algorithm, ipe]) => {
    runWithPaper(syntheticPaperMetrics({ itersPerEpoch: ipe, allreduce: algorithm === 'allreduce' }), algorithm, dir, cell);
    return JSON.stringify({ cell, dir: cell, diff: { 'algorithm.name': algorithm }, final: null });
  });
  writeFileSync(join(dir, 'index.ndjson'), `${index.join('\n')}\n`);
  return dir;
}

describe('readPaperMetrics', () => {
  it('reads every row; a run without the file has none', () => {
    const rows = syntheticPaperMetrics({ itersPerEpoch: 1500, epochs: 3 });
    expect(readPaperMetrics(runWithPaper(rows))).toEqual(rows);
    expect(readPaperMetrics(runWithPaper(null))).toBeNull();
    expect(readRunFolder(runWithPaper(null)).paperMetrics).toBeNull();
    expect(readRunFolder(runWithPaper(rows)).paperMetrics).toHaveLength(4);
  });

  const BAD: Array<[string, (r: Record<string, unknown>) => Record<string, unknown> | string, string | null, RegExp]> = [
    ['a missing key', ({ localLoss: _, ...r }) => r, 'localLoss', /"localLoss" is missing/],
    ['a missing iter', ({ iter: _, ...r }) => r, 'iter', /"iter" is missing/],
    ['a negative consensus', (r) => ({ ...r, consensusSum: -1 }), 'consensusSum', /finite number ≥ 0/],
    ['a null epoch', (r) => ({ ...r, epoch: null }), 'epoch', /finite number ≥ 0/],
    ['a fractional iter', (r) => ({ ...r, iter: 1.5 }), 'iter', /must be an integer/],
    ['an accuracy above 1', (r) => ({ ...r, testAccuracy: 88.4 }), 'testAccuracy', /accuracy and must lie in \[0, 1\]/],
    ['a string loss', (r) => ({ ...r, localLoss: '0.3' }), 'localLoss', /finite number or null/],
    ['an iter that does not increase', (r) => ({ ...r, iter: 0 }), 'iter', /must increase \(previous row has 0\)/],
    ['a line that is not JSON', () => '{"iter": 1', null, /not valid JSON/],
  ];
  it.each(BAD)('rejects %s with PROXMESH_ERR_IO naming file, line and key', (_what, edit, key, message) => {
    const rows = syntheticPaperMetrics({ itersPerEpoch: 46, epochs: 2 }).map((r) => ({ ...r }) as Record<string, unknown>);
    const dir = runWithPaper(null);
    const lines = rows.map((r, i) => (i === 1 ? edit(r) : r)).map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));
    writeFileSync(join(dir, 'paper-metrics.ndjson'), `${lines.join('\n')}\n`);
    let caught: unknown;
    try {
      readPaperMetrics(dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProxmeshError);
    const e = caught as ProxmeshError;
    expect(e.code).toBe('PROXMESH_ERR_IO');
    expect(e.detail).toMatchObject({ file: join(dir, 'paper-metrics.ndjson'), line: 2, ...(key ? { key } : {}) });
    expect(e.message).toMatch(message);
  });
});

describe('paper panels', () => {
  it('plot loss from epoch 1, both accuracies, and no consensus below the floor', () => {
    const rows = syntheticPaperMetrics({ itersPerEpoch: 1500, epochs: 2 }) as unknown as PaperMetricsRow[];
    const p = paperPanelPoints([{ label: 'CDProxSGT', rows }]);
    expect(p.objective.map((q) => [q.epoch, q.value])).toEqual([
      [1, 0.8],
      [2, 0.55],
    ]);
    const xbar = p.accuracy.filter((q) => q.model === X_MEAN).map((q) => q.value);
    expect(xbar).toEqual(rows.map((r) => r.testAccuracy));
    expect(xbar[0]).toBe(0.1);
    expect(p.accuracy.filter((q) => q.model === X_LOCAL).map((q) => q.value)).toEqual(rows.map((r) => r.localTestAccuracyMean));
    expect(p.consensus.map((q) => q.epoch)).toEqual([1, 2]); // k = 0 is 1e-31 < CONSENSUS_FLOOR = 1e-20
    const allreduce = paperPanelPoints([
      { label: 'AllReduce', rows: syntheticPaperMetrics({ itersPerEpoch: 1500, allreduce: true }) as unknown as PaperMetricsRow[] },
    ]);
    expect(allreduce.consensus).toEqual([]);
    expect(paperPanelsSpec([{ label: 'x', rows: [] }])).toBeNull();
  });

  it('name a study series as the paper does, with the cell id only when two share a method', () => {
    const study = readStudyFolder(
      experiment([
        ['a-dproxsgt', 'dproxsgt', 1500],
        ['b-dproxsgt', 'dproxsgt', 1500],
        ['a-proxgtsa', 'proxgtsa', 46],
      ]),
    );
    expect(studyPaperSeries(study).map((s) => s.label)).toEqual(['DProxSGT (a-dproxsgt)', 'DProxSGT (b-dproxsgt)', 'ProxGT-SA']);
  });

  it('are drawn by proxmesh report for an experiment folder: three panels against epochs, one colour per method', async () => {
    expect(FIGURE_NAMES).toContain('paper-panels');
    const dir = experiment([
      ['b-allreduce', 'allreduce', 1500],
      ['b-cdproxsgt', 'cdproxsgt', 1500],
      ['b-beer', 'beer', 46],
    ]);
    const res = await writeReport(dir, { figures: ['paper-panels'], pngScale: 1 });
    expect(res.figures.map((f) => f.name)).toEqual(['paper-panels']);
    const svg = readFileSync(res.figures[0].svgPath, 'utf8');
    for (const text of ['Objective', 'Consensus Error', 'AllReduce', 'CDProxSGT', 'BEER', 'epoch', 'Σ_i ‖x_i − x̄‖²'])
      expect(svg).toContain(text);
    // b = 8 and b = 256 share the epoch axis: both reach epoch 4, not iteration 6000 against 184.
    expect(svg).not.toContain('6,000');
    expect(readFileSync(res.htmlPath, 'utf8')).toContain('panels: objective, test accuracy and consensus error vs epochs');
  });

  it('are drawn for a lone run that wrote paper metrics, and absent for one that did not', async () => {
    const withPaper = await writeReport(runWithPaper(syntheticPaperMetrics({ itersPerEpoch: 10 }), 'choco'), { pngScale: 1 });
    expect(withPaper.figures.map((f) => f.name)).toContain('paper-panels');
    expect(readFileSync(withPaper.figures.find((f) => f.name === 'paper-panels')!.svgPath, 'utf8')).toContain('Choco-SGD');
    const without = await writeReport(runWithPaper(null), { pngScale: 1 });
    expect(without.figures.map((f) => f.name)).not.toContain('paper-panels');
  });
});
