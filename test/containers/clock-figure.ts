/**
 * Draws docs/figures/clock/clock-vs-network.{svg,png} from the JSON the clock check writes
 * (PROXMESH_CLOCK_CHECK_OUT): measured wall time and simTime since the first row after warm-up,
 * against the iteration, with the report's chart look and renderer.
 *   node --import tsx test/containers/clock-figure.ts <check.json> <out-dir>
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG } from '../../node/report/charts.ts';
import { renderSvg, svgToPng } from '../../node/report/render.ts';

interface Check {
  config: { nodes: number; latencyS: number; bandwidthBit: number };
  perIteration: { measuredS: number; simulatedS: number; ratio: number };
  rows: { iter: number; wallS: number; simS: number }[];
}

const [file, outDir] = process.argv.slice(2);
if (!file || !outDir) {
  console.error('usage: clock-figure <check.json> <out-dir>');
  process.exit(2);
}
const check = JSON.parse(readFileSync(file, 'utf8')) as Check;
const values = check.rows.flatMap((r) => [
  { iter: r.iter, seconds: r.wallS, series: 'measured wall time (container cluster)' },
  { iter: r.iter, seconds: r.simS, series: 'simTime (simulated clock)' },
]);
const { nodes, latencyS, bandwidthBit } = check.config;
const p = check.perIteration;
const spec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  config: CHART_CONFIG,
  width: 520,
  height: 300,
  title: {
    text: `Simulated clock vs a real network: ring of ${nodes}, ${bandwidthBit / 1e6} Mbit/s per link, ${latencyS * 1000} ms`,
    subtitle: `per iteration: measured ${(p.measuredS * 1000).toFixed(1)} ms, simulated ${(p.simulatedS * 1000).toFixed(1)} ms (ratio ${p.ratio.toFixed(3)})`,
  },
  data: { values },
  mark: { type: 'line', point: true, strokeWidth: 2 },
  encoding: {
    x: { field: 'iter', type: 'quantitative', title: 'iteration k', scale: { zero: false } },
    y: { field: 'seconds', type: 'quantitative', title: 'seconds since the first row after warm-up' },
    color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top-left' } },
    strokeDash: { field: 'series', type: 'nominal', legend: null },
  },
};
mkdirSync(outDir, { recursive: true });
const svg = await renderSvg(spec);
writeFileSync(join(outDir, 'clock-vs-network.svg'), svg);
writeFileSync(join(outDir, 'clock-vs-network.png'), svgToPng(svg));
writeFileSync(join(outDir, 'clock-vs-network.json'), `${JSON.stringify(check, null, 2)}\n`);
console.log(`wrote ${join(outDir, 'clock-vs-network.{svg,png,json}')}`);
