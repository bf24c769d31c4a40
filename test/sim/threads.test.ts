/**
 * The threaded simulator (issue 10, `proxmesh sim --threads N`, node/sim/threads): nodes split into
 * contiguous blocks, one per worker thread, messages crossing threads through the payload codec in
 * SharedArrayBuffer mailboxes, an Atomics barrier per exchange. Its run folder must be
 * byte-identical to the one-thread simulator's (which test/cluster/equivalence.test.ts ties to a
 * real cluster; that test also runs the threaded simulator against the cluster).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { cdproxsgt } from '../../node/algo/cdproxsgt.ts';
import { dpsgd } from '../../node/algo/dpsgd.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { Barrier, CTL_LENGTH, ThreadAbort } from '../../node/sim/threads/barrier.ts';
import { threadsFor } from '../../node/sim/threads/engine.ts';
import { blockBounds, createSharedLayout } from '../../node/sim/threads/layout.ts';
import { ring } from '../../topologies/generators.ts';
import { metropolisMixing, mixingRow } from '../../topologies/mixing.ts';
import { readText, smallConfig, tempDirs } from '../cluster/helpers.ts';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const params = { eta: 0.05, gammaX: 0.5, gammaY: 0.5, beta: 0.8, initBatches: 3 };

/** Every file of the run folder except timings.ndjson (wall-clock times). */
function folder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) if (f !== 'timings.ndjson') out[f] = readText(dir, f);
  return out;
}

const cdp = { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 };
const cases: [string, Record<string, unknown>][] = [
  // top-k on both channels, full batch: the bench's run on a small dataset
  [
    'CDProxSGT + top-k, full batch, ring of 8',
    {
      algorithm: cdp,
      batchSize: 'full',
      topology: { kind: 'ring', nodes: 8 },
      compression: { x: { kind: 'topk', ratio: 0.1, scope: 'global' }, y: { kind: 'topk', ratio: 0.2, scope: 'layer' } },
    },
  ],
  // minibatches (each node's sampler stream in its own thread), odd n (blocks of unequal size),
  // a random 4-regular graph (most nodes have peers in another block), an η schedule
  [
    'CDProxSGT + rand-k/QSGD, minibatches, random 4-regular n = 13',
    {
      algorithm: { ...cdp, etaSchedule: { kind: 'cosine', warmup: 2 } },
      topology: { kind: 'regular', degree: 4, nodes: 13 },
      compression: { x: { kind: 'randk', ratio: 0.3, scope: 'layer' }, y: { kind: 'qsgd', levels: 4, scope: 'global' } },
    },
  ],
  // DProxSGT (dense f64 messages through identity compressors, the largest mailbox entries)
  ['DProxSGT, minibatches, ring of 5', { algorithm: { name: 'dproxsgt', eta: 0.05 }, topology: { kind: 'ring', nodes: 5 } }],
  // BEER (no prox), f32 values on the wire, dense identity compressor
  [
    'BEER + identity f32, complete graph of 6',
    {
      algorithm: { name: 'beer', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      topology: { kind: 'complete', nodes: 6 },
      compression: { x: { kind: 'identity', precision: 'f32' }, y: { kind: 'natural' } },
    },
  ],
  // a plug-in compressor: each thread has its own registries and must load the config's plug-ins
  // itself (the compiled `proxmesh sim` failed with PROXMESH_ERR_COMPRESSOR in thread 1 before)
  [
    'CDProxSGT + the topk-sr plug-in compressor, ring of 6',
    {
      plugins: [fileURLToPath(new URL('../../examples/plugins/topk-sr.js', import.meta.url))],
      algorithm: cdp,
      topology: { kind: 'ring', nodes: 6 },
      compression: { x: { kind: 'topk-sr', ratio: 0.3 }, y: { kind: 'topk-sr', ratio: 0.3 } },
    },
  ],
];

describe('threaded simulator ≡ one-thread simulator (byte-identical run folder)', () => {
  it.each(cases)(
    '%s',
    async (_name, over) => {
      const config = smallConfig(over);
      const one = dirs.make('proxmesh-threads-');
      await runSimulation(config, { outDir: one, threads: 1 });
      const want = folder(one);
      expect(want['metrics.ndjson'].trim().split('\n')).toHaveLength(5);
      for (const threads of [2, 3]) {
        const dir = dirs.make('proxmesh-threads-');
        const res = await runSimulation(config, { outDir: dir, threads });
        expect(res.threads).toBe(threads);
        expect(folder(dir)).toEqual(want);
        expect(res.rows[res.rows.length - 1].bytesSent).toBeGreaterThan(0);
      }
      // generous: every run starts its threads, which load the TypeScript sources through the dev
      // loader (25–40 s per case on the loaded 2-core machine, more beside other test files)
    },
    240_000,
  );
});

describe('threadsFor: which runs are split', () => {
  it('splits algorithms with stepBatch, capped at n', () => {
    expect(threadsFor(2, 8, cdproxsgt(params), false)).toBe(2);
    expect(threadsFor(5, 3, cdproxsgt(params), false)).toBe(3);
    expect(threadsFor(1, 8, cdproxsgt(params), false)).toBe(1);
  });
  it('falls back to one thread without stepBatch, with a time-varying W, or with checkpoints', () => {
    expect(threadsFor(2, 8, dpsgd(params), false)).toBe(1);
    expect(threadsFor(2, 8, cdproxsgt(params), true)).toBe(1);
    expect(threadsFor(2, 8, cdproxsgt(params), false, true)).toBe(1);
  });
  it('rejects a thread count that is not a positive integer, naming the option', () => {
    expect(() => threadsFor(0, 8, cdproxsgt(params), false)).toThrow(
      expect.objectContaining({ code: 'PROXMESH_ERR_USAGE', message: expect.stringContaining('--threads') }),
    );
    expect(() => threadsFor(1.5, 8, cdproxsgt(params), false)).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_USAGE' }));
  });
});

describe('shared layout', () => {
  it('splits n into contiguous blocks differing by at most one node', () => {
    expect(Array.from(blockBounds(8, 2))).toEqual([0, 4, 8]);
    expect(Array.from(blockBounds(13, 3))).toEqual([0, 4, 8, 13]);
    expect(Array.from(blockBounds(2, 2))).toEqual([0, 1, 2]);
  });
  it('gives mailbox slots only to nodes with a peer in another block', () => {
    const W = metropolisMixing(ring({ nodes: 8 }));
    const rows = Array.from({ length: 8 }, (_, i) => mixingRow(W, i));
    const s = createSharedLayout(rows, 5, 2);
    // blocks {0..3}, {4..7}: the ring edges 3–4 and 7–0 cross
    expect(Array.from(s.slot)).toEqual([0, -1, -1, 1, 2, -1, -1, 3]);
    expect(s.edgeOff[8]).toBe(rows.reduce((a, r) => a + r.ids.length, 0));
  });
});

describe('barrier', () => {
  it('an abort by another thread wakes a waiter, which throws instead of hanging', async () => {
    const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_LENGTH));
    const w = new Worker(
      `const { workerData } = require('node:worker_threads');
       const ctl = workerData; setTimeout(() => { Atomics.store(ctl, 2, 1); Atomics.add(ctl, 1, 1); Atomics.notify(ctl, 1); }, 100);`,
      { eval: true, workerData: ctl },
    );
    expect(() => new Barrier(ctl, 2).arrive()).toThrow(ThreadAbort);
    await new Promise((r) => w.once('exit', r));
  });
  it('releases T parties together, generation after generation', async () => {
    const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_LENGTH));
    const seen = new Int32Array(new SharedArrayBuffer(4 * 2));
    // the other party arrives 50 times; each time after it, its count must be at least ours
    const w = new Worker(
      `const { workerData: [ctl, seen] } = require('node:worker_threads');
       for (let r = 0; r < 50; r++) { Atomics.store(seen, 1, r + 1); const g = Atomics.load(ctl, 1);
         if (Atomics.add(ctl, 0, 1) === 1) { Atomics.store(ctl, 0, 0); Atomics.add(ctl, 1, 1); Atomics.notify(ctl, 1); }
         else while (Atomics.load(ctl, 1) === g) Atomics.wait(ctl, 1, g, 50); }`,
      { eval: true, workerData: [ctl, seen] },
    );
    const b = new Barrier(ctl, 2);
    for (let r = 0; r < 50; r++) {
      b.arrive();
      expect(Atomics.load(seen, 1)).toBeGreaterThanOrEqual(r + 1);
    }
    await new Promise((r) => w.once('exit', r));
    expect(Atomics.load(ctl, 0)).toBe(0);
  });
});
