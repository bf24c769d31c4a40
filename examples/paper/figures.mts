/**
 * The paper's panel layout (paper-spec §5.3): "Objective", "Test Accuracy", "Consensus Error" (log)
 * against epochs, one line per method, for one experiment folder of run-all.sh. `proxmesh report`
 * plots against iterations, which squeezes the b = 256 runs (46 it/epoch) against the b = 8 runs
 * (1500 it/epoch); these panels use the authors' epoch from paper-metrics.ndjson instead.
 *   Objective       = the mean local minibatch loss over the epoch (localLoss; §5.3's inference)
 *   Test accuracy   = of x̄ (solid) and the mean over the local models x_i (dashed)
 *   Consensus error = Σ_i‖x_i − x̄‖² (the authors' form, not divided by n); exact zeros (AllReduce,
 *                     a shared x⁰ at k = 0) cannot show on the log scale and are left out
 *   node --import tsx examples/paper/figures.ts <experiment folder> <out.png> [title]
 * Writes <out.png> and the SVG next to it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG } from '../../node/report/charts.ts';
import { renderSvg, svgToPng } from '../../node/report/render.ts';

const [folder, outPng, title] = process.argv.slice(2);
if (folder === undefined || outPng === undefined) {
  process.stderr.write('usage: figures.ts <experiment folder> <out.png> [title]\n');
  process.exit(2);
}
const LABEL: Record<string, string> = {
  allreduce: 'AllReduce', dproxsgt: 'DProxSGT', cdproxsgt: 'CDProxSGT', deepstorm: 'DEEPSTORM',
  proxgtsa: 'ProxGT-SA', choco: 'Choco-SGD', beer: 'BEER',
};
type Point = { method: string; epoch: number; value: number; model?: string };
const obj: Point[] = [];
const acc: Point[] = [];
const cons: Point[] = [];
for (const name of readdirSync(folder).sort()) {
  const file = join(folder, name, 'paper-metrics.ndjson');
  if (!existsSync(file)) continue;
  const config = JSON.parse(readFileSync(join(folder, name, 'config.json'), 'utf8'));
  const method = LABEL[config.algorithm.name] ?? config.algorithm.name;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line);
    if (typeof r.localLoss === 'number') obj.push({ method, epoch: r.epoch, value: r.localLoss });
    if (typeof r.testAccuracy === 'number') acc.push({ method, epoch: r.epoch, value: r.testAccuracy, model: 'x̄' });
    if (typeof r.localTestAccuracyMean === 'number') acc.push({ method, epoch: r.epoch, value: r.localTestAccuracyMean, model: 'mean of x_i' });
    // exact consensus (AllReduce, a shared x⁰) shows as ~1e-31 rounding: left out of the log panel
    if (r.consensusSum > 1e-20) cons.push({ method, epoch: r.epoch, value: r.consensusSum });
  }
}
const x = { field: 'epoch', type: 'quantitative', title: 'epoch' } as const;
const color = { field: 'method', type: 'nominal', title: 'method' } as const;
const panel = (values: Point[], t: string, y: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  title: t,
  width: 260,
  height: 200,
  data: { values },
  mark: { type: 'line', point: true },
  encoding: { x, y: { field: 'value', type: 'quantitative', ...y }, color, ...extra },
});
const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  config: CHART_CONFIG,
  ...(title ? { title } : {}),
  hconcat: [
    panel(obj, 'Objective', { title: 'mean local minibatch loss', scale: { zero: false } }),
    panel(acc, 'Test Accuracy (solid: x̄, dashed: mean of x_i)', { title: 'test accuracy', scale: { zero: false } }, {
      strokeDash: {
        field: 'model',
        type: 'nominal',
        scale: { domain: ['x̄', 'mean of x_i'], range: [[1, 0], [5, 3]] },
        legend: null, // stroke symbols do not rasterise: the panel title explains the dashes
      },
      detail: { field: 'model' },
    }),
    panel(cons, 'Consensus Error', { title: 'Σ_i ‖x_i − x̄‖²', scale: { type: 'log' } }),
  ],
} as unknown as TopLevelSpec;
const svg = await renderSvg(spec);
writeFileSync(outPng.replace(/\.png$/, '.svg'), svg);
writeFileSync(outPng, svgToPng(svg, { scale: 1.5 }));
process.stdout.write(`${outPng}: ${obj.length + acc.length + cons.length} points\n`);
