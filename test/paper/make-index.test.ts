/**
 * examples/paper/make-index.ts turns a folder of run folders (one experiment of run-all.sh) into a
 * study that `proxmesh report` reads: one index row per run with a metrics.ndjson, in name order,
 * diff = { algorithm.name, batchSize, algorithm.eta }, final = the last metrics row. A run stopped
 * by its time limit (no summary.json) is included; a folder without metrics is not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStudyFolder } from '../../node/report/read.ts';
import { baseConfig, syntheticMetrics, tempDir, writeRunFolder } from '../report/fixtures.ts';

const SCRIPT = join(import.meta.dirname, '..', '..', 'examples', 'paper', 'make-index.ts');
const root = tempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { encoding: 'utf8' });

describe('examples/paper/make-index.ts', () => {
  it('indexes every run folder, stopped runs included, so that the folder reads as a study', () => {
    const exp = join(root, 'B');
    const dpro = syntheticMetrics({ seed: 1, bitsPerIter: 100 });
    const choco = syntheticMetrics({ seed: 2, bitsPerIter: 50, rows: 4 });
    writeRunFolder(join(exp, 'b-dproxsgt'), { ...baseConfig({ algorithm: 'dproxsgt' }), batchSize: 8 }, dpro);
    writeRunFolder(join(exp, 'b-choco'), { ...baseConfig({ algorithm: 'choco' }), batchSize: 8 }, choco, null); // stopped: no summary
    mkdirSync(join(exp, 'report')); // a report folder from an earlier run: no metrics, not a run
    execFileSync(process.execPath, ['--import', 'tsx', SCRIPT, exp]);
    const rows = readFileSync(join(exp, 'index.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.cell)).toEqual(['b-choco', 'b-dproxsgt']);
    expect(rows[0]).toEqual({
      cell: 'b-choco',
      dir: 'b-choco',
      diff: { 'algorithm.name': 'choco', batchSize: 8, 'algorithm.eta': 0.05 },
      final: JSON.parse(JSON.stringify(choco[3])),
    });
    expect(rows[1].final).toEqual(JSON.parse(JSON.stringify(dpro[dpro.length - 1])));
    const study = readStudyFolder(exp);
    expect(study.cells.map((c) => [c.cell, c.run.metrics.length, c.run.summary === null])).toEqual([
      ['b-choco', 4, true],
      ['b-dproxsgt', 11, false],
    ]);
  });

  it('without a folder argument prints its usage and exits with 2', () => {
    const res = run([]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('usage: make-index.ts <folder>');
  });
});
