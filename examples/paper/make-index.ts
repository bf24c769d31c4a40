/**
 * Writes <folder>/index.ndjson for a folder of run folders (one per method of one experiment), so
 * that `proxmesh report <folder>` reads it as a study (node/report/read.ts) and overlays the runs.
 * Row: { cell: <run name>, dir: <run name>, diff: { "algorithm.name": …, batchSize, eta }, final: <last metrics row> }.
 * A run stopped early (no summary.json) is included with the rows it has.
 *   node --import tsx examples/paper/make-index.ts <folder>
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2];
if (folder === undefined) {
  process.stderr.write('usage: make-index.ts <folder>\n');
  process.exit(2);
}
const rows: string[] = [];
for (const name of readdirSync(folder).sort()) {
  const dir = join(folder, name);
  const metricsFile = join(dir, 'metrics.ndjson');
  if (!statSync(dir).isDirectory() || !existsSync(metricsFile)) continue;
  const lines = readFileSync(metricsFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) continue;
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const diff = { 'algorithm.name': config.algorithm.name, batchSize: config.batchSize, 'algorithm.eta': config.algorithm.eta };
  rows.push(JSON.stringify({ cell: name, dir: name, diff, final: JSON.parse(lines[lines.length - 1]) }));
}
writeFileSync(join(folder, 'index.ndjson'), rows.length > 0 ? `${rows.join('\n')}\n` : '');
process.stdout.write(`${join(folder, 'index.ndjson')}: ${rows.length} runs\n`);
