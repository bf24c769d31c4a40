/**
 * Prints a Markdown table of the last evaluation of every run under <folder>/A and <folder>/B
 * (the layout of run-all.sh), from metrics.ndjson and paper-metrics.ndjson, plus the measured wall
 * time per epoch (timings.ndjson: iteration blocks and evaluations separately).
 *   node --import tsx examples/paper/summarize.ts <folder>
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (root === undefined) {
  process.stderr.write('usage: summarize.ts <folder>\n');
  process.exit(2);
}
const ndjson = (f: string): Record<string, any>[] =>
  existsSync(f)
    ? readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l))
    : [];
const fmt = (v: unknown, digits = 3): string =>
  typeof v === 'number' ? (Math.abs(v) < 1e-2 && v !== 0 ? v.toExponential(1) : v.toFixed(digits)) : '–';
const pct = (v: unknown): string => (typeof v === 'number' ? (100 * v).toFixed(1) : '–');

/** Every run folder of OUT/A and OUT/B with at least one metrics row, read once. */
const runs: { exp: string; name: string; m: Record<string, any>[]; p: Record<string, any>[]; t: Record<string, any>[] }[] = [];
for (const exp of ['A', 'B']) {
  const dir = join(root, exp);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir).sort()) {
    const m = ndjson(join(dir, name, 'metrics.ndjson'));
    if (m.length === 0) continue;
    runs.push({ exp, name, m, p: ndjson(join(dir, name, 'paper-metrics.ndjson')), t: ndjson(join(dir, name, 'timings.ndjson')) });
  }
}

const lines = [
  '| exp | run | epochs | test acc x̄ % | local test acc % mean (min–max) | φ(x̄) = f+r | local loss | Σ‖x_i−x̄‖² | density x̄ | s / epoch (iter + eval) |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
const meanSeconds = (rows: Record<string, any>[]) => (rows.length === 0 ? NaN : rows.reduce((s, r) => s + r.seconds, 0) / rows.length);
for (const { exp, name, m, p, t } of runs) {
  const last = m[m.length - 1];
  const lp = p.find((r) => r.iter === last.iter) ?? {};
  const blocks = t.filter((r) => r.phase === 'iterations');
  const evals = t.filter((r) => r.phase === 'eval' && r.iter > 0);
  const local =
    lp.localTestAccuracyMean === undefined
      ? '–'
      : `${pct(lp.localTestAccuracyMean)} (${pct(lp.localTestAccuracyMin)}–${pct(lp.localTestAccuracyMax)})`;
  lines.push(
    `| ${exp} | ${name} | ${fmt(lp.epoch ?? last.epoch, 2)} | ${pct(last.testAccuracy)} | ${local} | ${fmt(last.objective)} | ${fmt(last.localLoss)} | ${fmt(lp.consensusSum)} | ${fmt(last.density)} | ${meanSeconds(blocks).toFixed(0)} + ${meanSeconds(evals).toFixed(0)} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);

// Second table: test accuracy of x̄ / mean of the x_i (%) at equal epochs: 1, 2, then every 5th
// (the methods may have reached different numbers of epochs; a blank cell was not reached).
const byEpoch = runs.map((r) => new Map(r.p.filter((row) => row.iter > 0).map((row) => [Math.round(row.epoch), row])));
const reached = Math.max(0, ...byEpoch.flatMap((rows) => [...rows.keys()]));
const epochs = [1, 2, ...Array.from({ length: Math.floor(reached / 5) }, (_, i) => 5 * (i + 1))].filter((e) => e <= reached);
if (epochs.length > 0) {
  const out = [`| exp | run | ${epochs.map((e) => `epoch ${e}`).join(' | ')} |`, `|---|---|${epochs.map(() => '---').join('|')}|`];
  runs.forEach(({ exp, name }, i) => {
    if (byEpoch[i].size === 0) return;
    const cells = epochs.map((e) => {
      const r = byEpoch[i].get(e);
      return r === undefined ? '' : `${pct(r.testAccuracy)} / ${pct(r.localTestAccuracyMean)}`;
    });
    out.push(`| ${exp} | ${name} | ${cells.join(' | ')} |`);
  });
  process.stdout.write(`\n${out.join('\n')}\n`);
}
