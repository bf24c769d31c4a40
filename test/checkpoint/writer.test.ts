/**
 * CheckpointWriter with its writer thread (node/checkpoint/store.ts, writer-thread.ts): a checkpoint
 * becomes durable while the caller never lets its event loop turn; until the thread has loaded the
 * writes go on the caller's loop, in order; the files are the bytes
 * encodeCheckpoint gives; up to `queue` checkpoints are on their way, settled in order, each holding
 * the state of its own round; pruning keeps the newest `keep` with the queue; an I/O error and a
 * thread that dies surface as PROXMESH_ERR_IO at the next write or flush; a process whose last act
 * was a write exits by itself once the file is durable.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointHeader } from '../../node/checkpoint/format.ts';
import { StateRegistry } from '../../node/checkpoint/state-registry.ts';
import {
  CheckpointWriter,
  checkpointDir,
  checkpointFileName,
  checkpointThreadAvailable,
  listCheckpoints,
  prestartCheckpointThread,
  readCheckpoint,
  terminateCheckpointThreads,
  writeCheckpoint,
} from '../../node/checkpoint/store.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { sourceEntry } from '../cluster/helpers.ts';

const HASH = 'cd'.repeat(32);
const header = (round: number): CheckpointHeader => ({ kind: 'sim', firstNode: 0, nodeCount: 2, round, configHash: HASH });
const tmp = () => mkdtempSync(join(tmpdir(), 'proxmesh-writer-'));
const turn = () => new Promise<void>((r) => setImmediate(r));

/** Live state the size of an a9a node's (a few 10⁴ doubles); `set(round)` changes every value. */
function state() {
  const x = new Float64Array(20_000);
  const k = Int32Array.of(0, 0);
  let blob: Uint8Array = new Uint8Array(0);
  const reg = new StateRegistry();
  reg.vector('node.0.algo.x', x);
  reg.vector('node.0.sampler.k', k);
  reg.bytes(
    'coord.rows',
    () => blob,
    (b) => (blob = b),
  );
  const set = (round: number) => {
    for (let i = 0; i < x.length; i++) x[i] = round + i * 1e-3;
    k[0] = round;
    blob = new TextEncoder().encode(`rows up to ${round}`);
  };
  return { reg, set };
}

/** The round each file's own state says it was captured at. */
const capturedRound = (file: string) => (readCheckpoint(file, HASH).entries.get('node.0.sampler.k')!.data as Int32Array)[0];

function codeOf(err: unknown): string {
  expect(err).toBeInstanceOf(ProxmeshError);
  return (err as ProxmeshError).code;
}

/** Until the writer thread has loaded, checkpoints go on the caller's loop: these tests are about the thread. */
async function threadLoaded(): Promise<void> {
  for (let i = 0; i < 6000 && !prestartCheckpointThread(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(prestartCheckpointThread()).toBe(true);
}

describe('CheckpointWriter (writer thread)', () => {
  beforeAll(threadLoaded, 120_000);

  it('runs in the writer thread here (the test runner gives threads the dev loader)', () => {
    expect(checkpointThreadAvailable()).toBe(true);
  });

  it('until the thread has loaded, checkpoints go on the caller’s loop, in order, and the files are the same', async () => {
    await terminateCheckpointThreads();
    const dir = tmp();
    const s = state();
    const order: number[] = [];
    const w = new CheckpointWriter(dir, 'sim', 3, (r) => order.push(Number(/-r(\d+)\.ckpt$/.exec(r.file)![1])));
    s.set(1);
    await w.write(header(1), () => s.reg.capture()); // the thread w started is still loading
    expect(w.needsTurns).toBe(true);
    await w.flush();
    await threadLoaded();
    for (const r of [2, 3]) {
      s.set(r);
      await w.write(header(r), () => s.reg.capture());
      expect(w.needsTurns).toBe(false);
    }
    await w.flush();
    expect(order).toEqual([1, 2, 3]);
    for (const f of listCheckpoints(dir, 'sim')) expect(capturedRound(f.file)).toBe(f.round);
  }, 120_000);

  it('a checkpoint becomes durable while the caller never yields to the event loop; busy reads it synchronously', async () => {
    const dir = tmp();
    const s = state();
    s.set(10);
    const durable: { bytes: number; blockingMs: number; durableMs: number }[] = [];
    const w = new CheckpointWriter(dir, 'sim', 2, (r) => durable.push(r));
    let turned = false;
    setImmediate(() => (turned = true));
    expect(w.busy).toBe(false);
    await w.write(header(10), () => s.reg.capture());
    expect(w.needsTurns).toBe(false);
    // Microtasks only from here: nothing on this thread can advance an fs callback.
    let spins = 0;
    while (w.busy && spins < 20_000_000) {
      await Promise.resolve();
      spins++;
    }
    expect(turned).toBe(false);
    expect(w.busy).toBe(false);
    expect(durable).toHaveLength(1);
    expect(durable[0].durableMs).toBeGreaterThanOrEqual(durable[0].blockingMs);
    expect(listCheckpoints(dir, 'sim').map((c) => c.round)).toEqual([10]);
    expect(readdirSync(checkpointDir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(capturedRound(listCheckpoints(dir, 'sim')[0].file)).toBe(10);
    await w.flush();
  }, 120_000);

  it('writes the same bytes as encodeCheckpoint (the format is unchanged)', async () => {
    const [a, b] = [tmp(), tmp()];
    const s = state();
    s.set(7);
    const w = new CheckpointWriter(a, 'node-3', 2);
    await w.write(header(7), () => s.reg.capture());
    await w.flush();
    writeCheckpoint(b, 'node-3', header(7), s.reg.capture());
    const name = checkpointFileName('node-3', 7);
    const bytes = readFileSync(join(checkpointDir(a), name));
    expect(bytes.equals(readFileSync(join(checkpointDir(b), name)))).toBe(true);
    expect(bytes.equals(encodeCheckpoint(header(7), s.reg.capture()))).toBe(true);
    expect(decodeCheckpoint(bytes, name).header).toEqual(header(7));
  });

  it('queue: up to `queue` checkpoints on their way, each with its own round’s state, settled in round order', async () => {
    const dir = tmp();
    const s = state();
    const order: number[] = [];
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const w = new CheckpointWriter(dir, 'sim', Number.MAX_SAFE_INTEGER, (r) => order.push(Number(/-r(\d+)\.ckpt$/.exec(r.file)![1])), {
      queue: 2,
      gate,
    });
    const captured: number[] = [];
    const write = (round: number) => {
      s.set(round);
      return w.write(header(round), () => {
        captured.push(round);
        return s.reg.capture();
      });
    };
    await write(10);
    await write(20);
    expect(captured).toEqual([10, 20]); // two on their way, neither durable (the gate holds the thread)
    let third = false;
    const p = write(30).then(() => (third = true));
    for (let i = 0; i < 20; i++) await turn();
    expect(third).toBe(false); // the queue is full: the third waits for the oldest, without capturing
    expect(captured).toEqual([10, 20]);
    expect(w.busy).toBe(true);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await p;
    expect(captured).toEqual([10, 20, 30]);
    for (const r of [40, 50, 60]) await write(r);
    await w.flush();
    expect(order).toEqual([10, 20, 30, 40, 50, 60]);
    const files = listCheckpoints(dir, 'sim');
    expect(files.map((f) => f.round)).toEqual([60, 50, 40, 30, 20, 10]);
    // each file holds the state at its own write, although the state changed while it was on its way
    for (const f of files) expect(capturedRound(f.file)).toBe(f.round);
  });

  it('pruning with the queue: the newest `keep` remain, stray temp files go', async () => {
    const dir = tmp();
    mkdirSync(checkpointDir(dir), { recursive: true });
    writeFileSync(join(checkpointDir(dir), `${checkpointFileName('sim', 1)}.tmp`), 'half-written leftover');
    const s = state();
    const w = new CheckpointWriter(dir, 'sim', 2, undefined, { queue: 3 });
    for (let r = 10; r <= 70; r += 10) {
      s.set(r);
      await w.write(header(r), () => s.reg.capture());
    }
    await w.flush();
    expect(listCheckpoints(dir, 'sim').map((c) => c.round)).toEqual([70, 60]);
    expect(readdirSync(checkpointDir(dir)).sort()).toEqual([checkpointFileName('sim', 60), checkpointFileName('sim', 70)]);
    expect(capturedRound(listCheckpoints(dir, 'sim')[0].file)).toBe(70);
  });

  for (const thread of [true, false]) {
    it(`an I/O error surfaces once as PROXMESH_ERR_IO, at flush or at the next write (${thread ? 'writer thread' : 'no thread'})`, async () => {
      const parent = tmp();
      const notADir = join(parent, 'file');
      writeFileSync(notADir, 'a file where the run folder should be');
      const s = state();
      // (the thread holds both until they are queued: else the second write may already see the first fail)
      const gate = new Int32Array(new SharedArrayBuffer(4));
      const w = new CheckpointWriter(notADir, 'sim', 2, undefined, thread ? { gate } : { thread });
      await w.write(header(10), () => s.reg.capture()); // the capture is taken; the failure comes later
      await w.write(header(20), () => s.reg.capture());
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      const err = await w.flush().then(
        () => null,
        (e: unknown) => e,
      );
      expect(codeOf(err)).toBe('PROXMESH_ERR_IO');
      expect((err as ProxmeshError).message).toContain(checkpointFileName('sim', 10));
      await w.flush(); // reported once
      // at the next write: the failed checkpoint is reported and the new one is not taken
      await w.write(header(30), () => s.reg.capture());
      while (w.busy) await turn();
      let captured = false;
      const next = await w
        .write(header(40), () => {
          captured = true;
          return s.reg.capture();
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(codeOf(next)).toBe('PROXMESH_ERR_IO');
      expect(captured).toBe(false);
      await w.flush();
    });
  }

  it('a writer thread that dies fails its checkpoints with PROXMESH_ERR_IO; the next write starts another', async () => {
    const dir = tmp();
    const s = state();
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const w = new CheckpointWriter(dir, 'sim', 2, undefined, { gate });
    s.set(10);
    await w.write(header(10), () => s.reg.capture()); // held by the gate: not durable
    await terminateCheckpointThreads();
    const err = await w.flush().then(
      () => null,
      (e: unknown) => e,
    );
    expect(codeOf(err)).toBe('PROXMESH_ERR_IO');
    expect((err as ProxmeshError).message).toMatch(/writer thread exited.*rounds 10 lost/);
    expect(listCheckpoints(dir, 'sim')).toEqual([]);
    Atomics.store(gate, 0, 1);
    await threadLoaded(); // (else the next writes go on this loop, which is fine too)
    const fresh = new CheckpointWriter(dir, 'sim', 2);
    for (const v of [w, fresh]) {
      s.set(20);
      await v.write(header(20), () => s.reg.capture());
      await v.flush();
      expect(listCheckpoints(dir, 'sim').map((c) => c.round)).toEqual([20]);
    }
  });

  it('a process whose last act is a write exits by itself, once the checkpoint is durable', () => {
    const store = pathToFileURL(join(import.meta.dirname, '..', '..', 'node', 'checkpoint', 'store.ts')).href;
    for (const flush of [false, true]) {
      const dir = tmp();
      const src = `
        import { CheckpointWriter, prestartCheckpointThread } from ${JSON.stringify(store)};
        while (!prestartCheckpointThread()) await new Promise((r) => setTimeout(r, 10));
        const w = new CheckpointWriter(${JSON.stringify(dir)}, 'sim', 2, (r) => console.log('durable', r.bytes));
        const x = new Float64Array(50_000).fill(1);
        const header = { kind: 'sim', firstNode: 0, nodeCount: 1, configHash: ${JSON.stringify(HASH)} };
        await w.write({ ...header, round: 5 }, () => [{ name: 'x', kind: 'f64', data: x }]);
        if (w.needsTurns) throw new Error('not in the writer thread');
        await w.write({ ...header, round: 6 }, () => [{ name: 'x', kind: 'f64', data: x }]);
        ${flush ? 'await w.flush();' : ''}
      `;
      const [imp, loader] = sourceEntry('node/checkpoint/store.ts'); // --import <the dev loader>
      const r = spawnSync(process.execPath, [imp, loader, '--input-type=module', '-e', src], { encoding: 'utf8', timeout: 60_000 });
      expect(r.signal, r.stderr).toBeNull(); // not killed by the timeout: it exited by itself
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(['durable 400136', 'durable 400136']);
      expect(listCheckpoints(dir, 'sim').map((c) => c.round)).toEqual([6, 5]);
    }
  }, 120_000);
});
