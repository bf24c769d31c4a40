/**
 * Real sweeps with child processes: the mini compression study (4 cells on a9a, K = 20), its rerun
 * (every cell skipped), and crash handling through the cell worker's test hooks (see
 * node/sweep/cell-worker.ts: PROXMESH_SWEEP_TEST_CRASH_ONCE / _ALWAYS, honoured only under vitest).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProxmeshError } from '../../node/errors.ts';
import { readStudyFolder } from '../../node/report/read.ts';
import { identityBitsSent, linksFromTopology } from '../../node/sweep/derive.ts';
import { sweepCommand } from '../../node/sweep/command.ts';
import type { IndexRow } from '../../node/sweep/study-index.ts';

const MINI = join(import.meta.dirname, '../../examples/studies/compression-a9a-mini.yaml');
const CELL_TIMEOUT_MS = 60_000;

function capture(): Writable & { text: () => string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => buf;
  return w;
}

function readIndex(dir: string): IndexRow[] {
  return readFileSync(join(dir, 'index.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as IndexRow);
}

describe('proxmesh sweep end to end', () => {
  it('runs the mini study, writes study.json + cells + index, then a rerun skips every cell', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'proxmesh-sweep-e2e-')), 'study');
    const err1 = capture();
    const r1 = await sweepCommand({ config: MINI, out, stderr: err1, cellTimeoutMs: CELL_TIMEOUT_MS });
    expect(r1.stdout).toMatch(/4\/4 cells done \(0 skipped, 4 run, 0 failed\)/);
    expect(err1.text()).toMatch(/study: 4 cells, 0 already done \(skipped\), 4 to run, 2 at a time/);
    expect(err1.text().match(/^\[\d\/4\] done /gm)).toHaveLength(4);

    const study = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
    expect(study.name).toBe('compression-a9a-mini');
    expect(study.cells).toHaveLength(4);
    expect(readdirSync(join(out, 'cells')).sort()).toEqual(study.cells.map((c: { cell: string }) => c.cell).sort());

    const rows = readIndex(out);
    expect(rows.map((r) => r.cell)).toEqual(study.cells.map((c: { cell: string }) => c.cell)); // grid order
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    const ident = rows.filter((r) => (r.diff['compression.x'] as { kind: string }).kind === 'identity');
    const topk = rows.filter((r) => (r.diff['compression.x'] as { kind: string }).kind === 'topk');
    expect(ident).toHaveLength(2);
    for (const r of ident) {
      expect(r.derived).toMatchObject({ identitySource: 'cell', compressionRatio: 1, iterations: 20 });
      // The analytic identity formula reproduces the measured dense run bit for bit.
      const summary = JSON.parse(readFileSync(join(out, r.dir, 'summary.json'), 'utf8'));
      const topology = JSON.parse(readFileSync(join(out, r.dir, 'topology.json'), 'utf8'));
      const links = linksFromTopology(topology, 'graph');
      expect(links).toBe(32); // ring of 16: Σ deg = 32
      expect(identityBitsSent({ dim: summary.dim, links, phases: 2, initPhases: 0, iterations: 20 })).toBe(r.final!.bitsSent);
    }
    for (const r of topk) {
      const twin = ident.find((i) => i.diff.seed === r.diff.seed)!;
      expect(r.derived!.identitySource).toBe('cell');
      expect(r.derived!.identityBits).toBe(twin.final!.bitsSent);
      expect(r.derived!.compressionRatio).toBe(r.final!.bitsSent! / twin.final!.bitsSent!);
      expect(r.derived!.compressionRatio).toBeLessThan(0.5);
    }
    // Targets: the first metrics row meeting them (from the cell's own metrics.ndjson).
    for (const r of rows) {
      const metrics = readFileSync(join(out, r.dir, 'metrics.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const first = metrics.find((m) => m.testAccuracy !== null && m.testAccuracy >= 0.76);
      expect(r.derived!.reach.testAccuracy).toEqual({ target: 0.76, iter: first?.iter ?? null, bits: first?.bitsSent ?? null });
    }
    const csv = readFileSync(join(out, 'index.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0].split(',').slice(0, 6)).toEqual(['cell', 'dir', 'status', 'compression.x', 'compression.y', 'seed']);
    // The report module reads the folder as a study.
    expect(readStudyFolder(out).cells).toHaveLength(4);

    const indexBefore = readFileSync(join(out, 'index.ndjson'), 'utf8');
    const err2 = capture();
    const r2 = await sweepCommand({ config: MINI, out, stderr: err2, json: true, cellTimeoutMs: CELL_TIMEOUT_MS });
    expect(JSON.parse(r2.stdout)).toMatchObject({ total: 4, done: 4, skipped: 4, ran: 0, failed: [] });
    expect(err2.text()).toBe(''); // --json: no progress
    expect(readFileSync(join(out, 'index.ndjson'), 'utf8')).toBe(indexBefore);
  });

  it('retries a crashed cell once, marks a cell failing twice as failed, finishes the rest, then fails', async () => {
    const d = mkdtempSync(join(tmpdir(), 'proxmesh-sweep-crash-'));
    const file = join(d, 'crash.yaml');
    writeFileSync(
      file,
      [
        'name: crash',
        'base:',
        '  iterations: 10',
        '  evalEvery: 5',
        '  batchSize: 16',
        '  algorithm: { name: cdproxsgt, eta: 0.1 }',
        '  problem: { dataset: { name: breast-cancer, testFraction: 0.2 }, model: { kind: logistic }, regularizer: { kind: l1, lambda: 1.0e-4 } }',
        '  partition: { kind: iid }',
        '  topology: { kind: ring, nodes: 4 }',
        'axes:',
        '  compression.x: [{ kind: identity }, { kind: sign }]',
        'seeds: [5]',
      ].join('\n'),
    );
    const out = join(d, 'study');
    const err = capture();
    const env = { ...process.env, PROXMESH_SWEEP_TEST_CRASH_ONCE: 'seed=5', PROXMESH_SWEEP_TEST_CRASH_ALWAYS: 'compression.x=sign' };
    let thrown: unknown;
    try {
      await sweepCommand({ config: file, out, stderr: err, env, parallel: 2, cellTimeoutMs: CELL_TIMEOUT_MS });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ProxmeshError);
    expect((thrown as ProxmeshError).code).toBe('PROXMESH_ERR_WORKER_FAILED');
    expect((thrown as ProxmeshError).message).toMatch(/1 of 2 cells failed twice: compression\.x=sign,seed=5-[0-9a-f]{8}/);
    const text = err.text();
    expect(text.match(/exited with status 3 \(attempt 1\); retrying once/g)).toHaveLength(2);
    expect(text).toMatch(/simulated crash/); // the stderr tail is shown
    expect(text).toMatch(/FAILED twice: exited with status 3/);

    const rows = readIndex(out);
    expect(rows.map((r) => r.status)).toEqual(['done', 'failed']);
    expect(rows[0].derived!.identitySource).toBe('cell');
    expect(rows[1]).toMatchObject({ final: null, derived: null, error: { attempts: 2, exitCode: 3, signal: null } });
    expect(rows[1].error!.stderrTail).toMatch(/PROXMESH_SWEEP_TEST_CRASH_ALWAYS/);
  });
});
