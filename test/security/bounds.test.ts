/**
 * Issue 16, finding 3: bounds before work. Every input below used to allocate gigabytes, crash with
 * a RangeError or hang in W's O(n³) eigen-solve; each is now a coded error before that work starts
 * (the test timeout is the only clock: a run that did the work would not finish within it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { smallRaw } from '../cluster/helpers.ts';
import { loadConfig } from '../../node/config/load.ts';
import { MAX_BATCH_SIZE, MAX_FEATURES, MAX_NODES } from '../../node/limits/bounds.ts';
import { readDataFile } from '../../node/problem/datasets/io.ts';
import { parseLibsvm, readLibsvm } from '../../node/problem/datasets/libsvm.ts';
import { buildRunProblem } from '../../node/assemble/assemble.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { edgeListFile, parseEdgeList } from '../../topologies/edge-list.ts';
import { auth, testApp } from '../coordinator/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'proxmesh-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('bounds that need no data: refused by loadConfig', () => {
  it.each([
    ['topology.nodes: 100000', '/topology/nodes', { topology: { kind: 'ring', nodes: 100_000 } }],
    [`topology.nodes: ${MAX_NODES + 1}`, '/topology/nodes', { topology: { kind: 'ring', nodes: MAX_NODES + 1 } }],
    [
      'grid rows × cols: 1000 × 1000 (nodes 10⁶)',
      '/topology/nodes',
      { topology: { kind: 'grid', nodes: 1_000_000, rows: 1000, cols: 1000 } },
    ],
    ['batchSize: 1e9', '/batchSize', { batchSize: 1e9 }],
    [`batchSize: ${MAX_BATCH_SIZE + 1}`, '/batchSize', { batchSize: MAX_BATCH_SIZE + 1 }],
    [
      'nFeatures: 999999999',
      '/problem/dataset/nFeatures',
      {
        problem: {
          dataset: { path: 'x.svm', format: 'libsvm', nFeatures: 999_999_999 },
          model: { kind: 'logistic' },
          regularizer: { kind: 'none' },
        },
      },
    ],
  ] as [string, string, Record<string, unknown>][])('%s → PROXMESH_ERR_LIMIT naming %s', (_n, path, over) => {
    let err: { code?: string; message?: string; detail?: { path?: string } } = {};
    try {
      loadConfig(smallRaw(over));
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('PROXMESH_ERR_LIMIT');
    expect(err.detail?.path).toBe(path);
    expect(err.message).toContain(`config ${path}:`);
  });

  it('the limits themselves are accepted by loadConfig (the bound is ≤, not <)', () => {
    expect(() => loadConfig(smallRaw({ batchSize: MAX_BATCH_SIZE }))).not.toThrow();
    expect(() => loadConfig(smallRaw({ topology: { kind: 'ring', nodes: MAX_NODES } }))).not.toThrow();
  });

  it('POST /runs with topology.nodes: 100000 is a 400 PROXMESH_ERR_LIMIT and creates nothing', async () => {
    const t = await testApp();
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/runs',
        headers: auth,
        payload: { config: smallRaw({ topology: { kind: 'ring', nodes: 100_000 } }) },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('PROXMESH_ERR_LIMIT');
      expect(t.runs.list()).toEqual([]);
    } finally {
      await t.dispose();
    }
  });
});

describe('bounds that need the data: checked before the topology and any per-node state', () => {
  it('4000 nodes on breast-cancer (455 samples) fails in the simulator before W is built', async () => {
    const config = loadConfig(smallRaw({ topology: { kind: 'complete', nodes: 4000 } }));
    await expect(runSimulation(config, { outDir: null })).rejects.toMatchObject({
      code: 'PROXMESH_ERR_CONFIG_INCONSISTENT',
      message: expect.stringContaining('config /topology/nodes: 4000 nodes but only'),
    });
  });

  it('4000 nodes posted to the coordinator: 400 PROXMESH_ERR_CONFIG_INCONSISTENT, no run', async () => {
    const t = await testApp();
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/runs',
        headers: auth,
        payload: { config: smallRaw({ topology: { kind: 'complete', nodes: 4000 } }) },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
      expect(t.runs.list()).toEqual([]);
    } finally {
      await t.dispose();
    }
  });

  it('a model over the memory budget is PROXMESH_ERR_LIMIT before the model is allocated', () => {
    // mlp [200000, 200000] on breast-cancer: d ≈ 4·10¹⁰ parameters (≈ 300 GB per node if allocated).
    const config = loadConfig(
      smallRaw({
        problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'mlp', hidden: [200_000, 200_000] }, regularizer: { kind: 'none' } },
      }),
    );
    let err: { code?: string; message?: string } = {};
    try {
      buildRunProblem(config, 4);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('PROXMESH_ERR_LIMIT');
    expect(err.message).toMatch(/over the memory budget of \d+ MiB/);
  });

  it('PROXMESH_MEMORY_BUDGET_MB lowers the budget (an ordinary run over a 1 MiB budget is refused)', () => {
    const config = loadConfig(
      smallRaw({ problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'mlp', hidden: [2000] }, regularizer: { kind: 'none' } } }),
    );
    const before = process.env.PROXMESH_MEMORY_BUDGET_MB;
    process.env.PROXMESH_MEMORY_BUDGET_MB = '1';
    try {
      expect(codeOf(() => buildRunProblem(config, 4))).toBe('PROXMESH_ERR_LIMIT');
    } finally {
      if (before === undefined) delete process.env.PROXMESH_MEMORY_BUDGET_MB;
      else process.env.PROXMESH_MEMORY_BUDGET_MB = before;
    }
    expect(() => buildRunProblem(config, 4)).not.toThrow();
  });
});

describe('dataset files that declare or imply a huge dimension', () => {
  it('a LIBSVM feature index of 999999999 is a coded error naming the line', () => {
    let err: { code?: string; message?: string } = {};
    try {
      parseLibsvm(Buffer.from('1 1:1\n-1 999999999:1\n'), 'big.svm');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('PROXMESH_ERR_DATASET');
    expect(err.message).toBe(`big.svm:2: a feature index is over the limit of ${MAX_FEATURES} features`);
  });

  it('an index just over the limit is refused, the limit itself is read', () => {
    expect(codeOf(() => parseLibsvm(Buffer.from(`1 ${MAX_FEATURES + 1}:1\n`), 'f'))).toBe('PROXMESH_ERR_DATASET');
    expect(parseLibsvm(Buffer.from(`1 ${MAX_FEATURES}:1\n`), 'f').maxIndex).toBe(MAX_FEATURES);
  });

  it('an index with 10+ digits is not an integer index (no overflow into a small number)', () => {
    expect(codeOf(() => parseLibsvm(Buffer.from('1 4294967297:1\n'), 'f'))).toBe('PROXMESH_ERR_DATASET');
  });

  it('an edge list naming node 999999999 is refused before a graph is sized by it', () => {
    let err: { code?: string; message?: string } = {};
    try {
      parseEdgeList('0 1\n1 999999999\n', { source: 'e.txt' });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('PROXMESH_ERR_TOPOLOGY');
    expect(err.message).toBe(`e.txt:2: a node id is over the limit of ${MAX_NODES} nodes`);
  });
});

describe('gzip bombs and files that are not regular files', () => {
  it('a 0.5 MB gzip that inflates to 520 MiB is refused with PROXMESH_ERR_LIMIT (inflation stops at the cap)', () => {
    // 520 gzip members of 1 MiB of zeros each: ~0.5 MB on disk, 520 MiB inflated.
    const member = gzipSync(Buffer.alloc(1 << 20));
    const f = join(dir, 'bomb.svm.gz');
    writeFileSync(f, Buffer.concat(Array.from({ length: 520 }, () => member)));
    let err: { code?: string; message?: string; detail?: { rule?: string } } = {};
    try {
      readLibsvm(f);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('PROXMESH_ERR_LIMIT');
    expect(err.detail?.rule).toBe('inflates-too-large');
    expect(err.message).toContain('bomb.svm.gz: gzip data inflates past the limit');
  });

  it('the cap is configurable and applies to plain files too', () => {
    const f = join(dir, 'plain.svm');
    writeFileSync(f, '1 1:1\n'.repeat(1000));
    expect(codeOf(() => readDataFile(f, { maxBytes: 100 }))).toBe('PROXMESH_ERR_LIMIT');
    expect(readDataFile(f, { maxBytes: 6000 }).length).toBe(6000);
  });

  it('a corrupt gzip is a dataset error without zlib quoting anything', () => {
    const f = join(dir, 'corrupt.gz');
    writeFileSync(f, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('root:x:0:0:secret')]));
    let err: { code?: string; message?: string } = {};
    try {
      readDataFile(f);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('PROXMESH_ERR_DATASET');
    expect(err.message).not.toContain('secret');
  });

  it.skipIf(!existsSync('/dev/zero'))('/dev/zero as a dataset or a config file is refused (not a regular file)', () => {
    expect(codeOf(() => readLibsvm('/dev/zero'))).toBe('PROXMESH_ERR_DATASET');
    let err: { code?: string; message?: string } = {};
    try {
      loadConfig('/dev/zero');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('PROXMESH_ERR_CONFIG_PARSE');
    expect(err.message).toContain('not a regular file');
  });

  it('a FIFO as a dataset or a config file is refused at once (opening it does not wait for a writer)', () => {
    const fifo = join(dir, 'fifo');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return;
    } // no mkfifo: nothing to test here
    expect(codeOf(() => readLibsvm(fifo))).toBe('PROXMESH_ERR_DATASET');
    expect(codeOf(() => loadConfig(fifo))).toBe('PROXMESH_ERR_CONFIG_PARSE');
    expect(codeOf(() => edgeListFile({ file: fifo, nodes: 4 } as never))).toBe('PROXMESH_ERR_TOPOLOGY');
  });

  it('a folder as a config file is refused', () => {
    expect(codeOf(() => loadConfig(dir))).toBe('PROXMESH_ERR_CONFIG_PARSE');
  });
});
