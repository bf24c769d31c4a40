import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ErrorCode, ProxmeshError } from '../../node/errors.ts';
import { expectCodedError } from '../support/error-code.ts';
import { readResultsFolder, readRunFolder, readStudyFolder } from '../../node/report/read.ts';
import { BASE_METRICS_KEYS, WIRE_KEYS } from '../../node/results/metrics-row.ts';
import { baseConfig, syntheticMetrics, tempDir, writeRunFolder, writeStudy } from './fixtures.ts';

const root = tempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function freshRun(): string {
  return writeRunFolder(join(root, `run-${counter++}`), baseConfig(), syntheticMetrics({ seed: 7, bitsPerIter: 1000 }));
}

function expectError(fn: () => unknown, code: ErrorCode, detail: Record<string, unknown> = {}, message?: RegExp): ProxmeshError {
  const e = expectCodedError(fn, code, ...(message ? [message] : []));
  expect(e.detail).toMatchObject(detail);
  return e;
}

const line = (o: Record<string, unknown>): string => JSON.stringify(o);

/** Rewrite metrics.ndjson of a fresh run folder with `edit` applied to row `at` (0-based). */
function runWithRow(at: number, edit: (row: Record<string, unknown>) => Record<string, unknown> | string): string {
  const dir = freshRun();
  const rows = syntheticMetrics({ seed: 7, bitsPerIter: 1000 }).map((r) => ({ ...r }) as Record<string, unknown>);
  const lines = rows.map((r, i) => {
    if (i !== at) return line(r);
    const e = edit(r);
    return typeof e === 'string' ? e : line(e);
  });
  writeFileSync(join(dir, 'metrics.ndjson'), `${lines.join('\n')}\n`);
  return dir;
}

describe('readRunFolder', () => {
  it('reads a valid run folder with every row and the summary', () => {
    const dir = freshRun();
    const run = readRunFolder(dir);
    expect(run.metrics).toHaveLength(11);
    expect(run.metrics[0]).toEqual(syntheticMetrics({ seed: 7, bitsPerIter: 1000 })[0]);
    expect(Object.keys(run.metrics[3])).toEqual([...BASE_METRICS_KEYS, ...WIRE_KEYS]);
    expect(run.metrics[10].iter).toBe(200);
    expect(run.metrics[10].bitsSent).toBe(200_000);
    expect(run.metrics[0].localLoss).toBeNull();
    expect((run.config.algorithm as { name: string }).name).toBe('cdproxsgt');
    expect(run.summary).toMatchObject({ wallSeconds: 12.5 });
  });

  it('accepts a missing summary.json, blank lines and null metrics (diverged or no test set)', () => {
    const dir = writeRunFolder(join(root, 'nosummary'), baseConfig(), syntheticMetrics({ seed: 1, bitsPerIter: 10, test: false }), null);
    const rows = syntheticMetrics({ seed: 1, bitsPerIter: 10, test: false });
    rows[5] = { ...rows[5], objective: null, stationarity: null };
    writeFileSync(join(dir, 'metrics.ndjson'), `\n${rows.map((r) => line({ ...r })).join('\n\n')}\n\n`);
    const run = readRunFolder(dir);
    expect(run.summary).toBeNull();
    expect(run.metrics).toHaveLength(11);
    expect(run.metrics[5].objective).toBeNull();
    expect(run.metrics.every((r) => r.testAccuracy === null)).toBe(true);
  });

  it('rejects a missing folder and missing required files with NOT_FOUND', () => {
    expectError(() => readRunFolder(join(root, 'nope')), 'PROXMESH_ERR_NOT_FOUND', { dir: join(root, 'nope') });
    const noConfig = freshRun();
    rmSync(join(noConfig, 'config.json'));
    expectError(() => readRunFolder(noConfig), 'PROXMESH_ERR_NOT_FOUND', { file: join(noConfig, 'config.json') });
    const noMetrics = freshRun();
    rmSync(join(noMetrics, 'metrics.ndjson'));
    expectError(() => readRunFolder(noMetrics), 'PROXMESH_ERR_NOT_FOUND', { file: join(noMetrics, 'metrics.ndjson') });
  });

  it('rejects malformed config.json and summary.json with IO naming the file', () => {
    const a = freshRun();
    writeFileSync(join(a, 'config.json'), '{"seed": 4');
    expectError(() => readRunFolder(a), 'PROXMESH_ERR_IO', { file: join(a, 'config.json') }, /not valid JSON/);
    const b = freshRun();
    writeFileSync(join(b, 'config.json'), '[1, 2]');
    expectError(() => readRunFolder(b), 'PROXMESH_ERR_IO', { file: join(b, 'config.json') }, /JSON object/);
    const c = freshRun();
    writeFileSync(join(c, 'summary.json'), '"done"');
    expectError(() => readRunFolder(c), 'PROXMESH_ERR_IO', { file: join(c, 'summary.json') });
  });

  it('rejects an empty metrics.ndjson', () => {
    const dir = freshRun();
    writeFileSync(join(dir, 'metrics.ndjson'), '\n\n');
    expectError(() => readRunFolder(dir), 'PROXMESH_ERR_IO', { file: join(dir, 'metrics.ndjson') }, /no rows/);
  });

  const bad: [string, number, (r: Record<string, unknown>) => Record<string, unknown> | string, string | undefined, RegExp][] = [
    ['invalid JSON', 3, () => '{"iter": 60, ', undefined, /metrics\.ndjson:4: not valid JSON/],
    ['a non-object line', 2, () => '[1,2,3]', undefined, /metrics\.ndjson:3: each line must be a JSON object/],
    ['a missing key', 4, ({ consensus: _c, ...rest }) => rest, 'consensus', /:5: "consensus" is missing/],
    ['a string metric', 1, (r) => ({ ...r, objective: '0.5' }), 'objective', /finite number or null/],
    ['a null counter', 1, (r) => ({ ...r, bitsSent: null }), 'bitsSent', /"bitsSent" must be a finite number$/],
    ['a negative counter', 2, (r) => ({ ...r, bytesSent: -1 }), 'bytesSent', /must be ≥ 0/],
    ['a fractional iter', 2, (r) => ({ ...r, iter: 40.5 }), 'iter', /integer/],
    ['a repeated iter', 2, (r) => ({ ...r, iter: 20 }), 'iter', /must increase \(previous row has 20\)/],
    ['decreasing bits', 6, (r) => ({ ...r, bitsSent: 1 }), 'bitsSent', /must not decrease/],
    ['decreasing bytes', 6, (r) => ({ ...r, bytesSent: 1 }), 'bytesSent', /must not decrease/],
    ['decreasing wire bytes', 6, (r) => ({ ...r, wireBytes: 1 }), 'wireBytes', /must not decrease/],
    ['a negative wire figure', 3, (r) => ({ ...r, envelopeBytes: -1 }), 'envelopeBytes', /finite number ≥ 0 or null/],
    ['a string wire figure', 3, (r) => ({ ...r, controlBytes: '12' }), 'controlBytes', /finite number ≥ 0 or null/],
  ];
  for (const [what, at, edit, key, msg] of bad) {
    it(`rejects metrics.ndjson with ${what}, naming file and line`, () => {
      const dir = runWithRow(at, edit);
      const file = join(dir, 'metrics.ndjson');
      expectError(() => readRunFolder(dir), 'PROXMESH_ERR_IO', { file, line: at + 1, ...(key ? { key } : {}) }, msg);
    });
  }
});

describe('readStudyFolder', () => {
  it('reads a 2-compressor × 2-seed study', () => {
    const dir = writeStudy(join(root, 'study-ok'));
    const study = readStudyFolder(dir);
    expect(study.cells.map((c) => c.cell)).toEqual(['topk-s1', 'topk-s2', 'qsgd-s1', 'qsgd-s2']);
    expect(study.cells[1].diff).toEqual({ 'compression.x.kind': 'topk', 'compression.y.kind': 'topk', seed: 2 });
    expect(study.cells[2].run.dir).toBe(join(dir, 'cells', 'qsgd-s1'));
    expect(study.cells[3].final).toMatchObject({ iter: 200 });
    const detected = readResultsFolder(dir);
    expect(detected.kind).toBe('study');
    expect(readResultsFolder(study.cells[0].run.dir).kind).toBe('run');
  });

  function studyWithIndex(rows: string[]): string {
    const dir = join(root, `study-${counter++}`);
    writeStudy(dir);
    writeFileSync(join(dir, 'index.ndjson'), `${rows.join('\n')}\n`);
    return dir;
  }
  const ok = { cell: 'a', dir: 'cells/topk-s1', diff: { seed: 1 }, final: null };

  it('rejects an empty index', () => {
    const dir = studyWithIndex(['']);
    expectError(() => readStudyFolder(dir), 'PROXMESH_ERR_IO', { file: join(dir, 'index.ndjson') }, /no rows/);
  });

  const badRows: [string, Record<string, unknown>[] | string[], number, string | undefined, RegExp][] = [
    ['invalid JSON', ['{"cell":'], 1, undefined, /index\.ndjson:1: not valid JSON/],
    ['an empty cell id', [{ ...ok, cell: '' }], 1, 'cell', /non-empty string/],
    ['a duplicate cell id', [ok, { ...ok, dir: 'cells/topk-s2' }], 2, 'cell', /duplicates cell "a"/],
    ['a missing dir', [{ ...ok, dir: undefined }], 1, 'dir', /non-empty string/],
    ['a dir escaping the study', [{ ...ok, dir: '../elsewhere' }], 1, 'dir', /inside it/],
    ['an absolute dir', [{ ...ok, dir: '/tmp' }], 1, 'dir', /relative/],
    ['a non-object diff', [{ ...ok, diff: ['seed'] }], 1, 'diff', /object/],
    ['a non-object final', [{ ...ok, final: 3 }], 1, 'final', /metrics object or null/],
  ];
  for (const [what, rows, at, key, msg] of badRows) {
    it(`rejects index.ndjson with ${what}`, () => {
      const dir = studyWithIndex(rows.map((r) => (typeof r === 'string' ? r : line(r))));
      expectError(
        () => readStudyFolder(dir),
        'PROXMESH_ERR_IO',
        { file: join(dir, 'index.ndjson'), line: at, ...(key ? { key } : {}) },
        msg,
      );
    });
  }

  it('rejects a cell whose run folder is missing with NOT_FOUND', () => {
    const dir = studyWithIndex([line({ ...ok, dir: 'cells/missing' })]);
    expectError(() => readStudyFolder(dir), 'PROXMESH_ERR_NOT_FOUND', { dir: join(dir, 'cells', 'missing') });
  });

  it('propagates a malformed cell run folder with its own file and line', () => {
    const dir = studyWithIndex([line(ok)]);
    const metrics = join(dir, 'cells', 'topk-s1', 'metrics.ndjson');
    mkdirSync(join(dir, 'cells', 'topk-s1'), { recursive: true });
    writeFileSync(metrics, 'nonsense\n');
    expectError(() => readStudyFolder(dir), 'PROXMESH_ERR_IO', { file: metrics, line: 1 });
  });
});
