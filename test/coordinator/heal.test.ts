/**
 * The run manager's self-healing (RunManagerOptions.heal; docs/resume.md "Self-healing standalone
 * coordinator"), driven with fake workers: a lost worker of a checkpointing run sends the survivors
 * `rollback`, drops what they send until they register again, and assigns the run again (attempt + 1)
 * from the newest committed checkpoint, or from k = 0 before any; bounded by maxHeals and by the
 * wait for the lost node's worker; never for a run without checkpoints or without the option.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunView } from '../../coordinator/run-manager.ts';
import type { AssignMsg } from '../../node/protocol/control-protocol.ts';
import { smallConfig } from '../cluster/helpers.ts';
import { fakeWorker, registerFakes, testApp } from './fixtures.ts';

const N = 4;
/** breast-cancer (30 features) + intercept. */
const DIM = 31;
const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0)) await d();
});

async function setUp(heal: { maxHeals: number; timeoutMs: number } | undefined, checkpointEvery = 5) {
  const t = await testApp(heal ? { heal } : {});
  disposers.push(() => t.dispose());
  const config = smallConfig({ checkpointEvery, iterations: 20, evalEvery: 5 });
  await t.runs.createRun({ config }, 'h');
  const fakes = registerFakes(t.runs, N);
  for (let i = 0; i < N; i++) t.runs.handle(fakes[i], { t: 'ready', runId: 'h', nodeId: i });
  await until(t, (v) => v.state === 'running');
  return { t, fakes };
}

async function until(t: Awaited<ReturnType<typeof testApp>>, ok: (v: RunView) => boolean, ms = 10_000): Promise<RunView> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = t.runs.get('h');
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last view ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const report = (nodeId: number, iter: number) =>
  ({
    t: 'report',
    runId: 'h',
    nodeId,
    iter,
    x: new Float64Array(DIM).fill(0.01 * (nodeId + 1)),
    lossSum: iter,
    lossCount: iter > 0 ? 5 : 0,
    bytesSent: 8 * iter,
  }) as const;

/** Worker `w` (a survivor, or the lost node's restarted worker) registers with ordinal i. */
const register = (t: Awaited<ReturnType<typeof testApp>>, w: ReturnType<typeof fakeWorker>, i: number, port = 7000 + i) =>
  t.runs.handle(w, { t: 'register', peerUrl: `ws://127.0.0.1:${port}`, ordinal: i, metricsUrl: null });

const assigns = (w: ReturnType<typeof fakeWorker>) => w.inbox.filter((m): m is AssignMsg => m.t === 'assign');

describe('run manager self-healing', () => {
  it('a lost worker before any checkpoint: rollback to the survivors, stale messages dropped, assigned again from k = 0 as attempt 1', async () => {
    const { t, fakes } = await setUp({ maxHeals: 3, timeoutMs: 30_000 });
    t.runs.handle(fakes[0], report(0, 0));
    t.runs.disconnect(fakes[2]);
    const waiting = await until(t, (v) => v.state === 'waiting');
    expect(waiting.rows).toBe(0);
    for (const i of [0, 1, 3])
      expect(fakes[i].inbox.at(-1)).toMatchObject({ t: 'rollback', runId: 'h', reason: expect.stringMatching(/node 2 disconnected/) });
    expect(fakes[2].inbox.some((m) => m.t === 'rollback')).toBe(false);
    // A survivor's messages of the rolled-back attempt: dropped, not a protocol violation.
    expect(() => t.runs.handle(fakes[0], report(0, 5))).not.toThrow();
    expect(() => t.runs.handle(fakes[1], { t: 'done', runId: 'h', nodeId: 1 })).not.toThrow();
    expect(fakes[0].closed).toBeNull();
    // The survivors register again, then the lost node's new worker: the run is assigned again.
    for (const i of [0, 1, 3]) register(t, fakes[i], i);
    expect(t.runs.get('h').state).toBe('waiting');
    const back = fakeWorker('fake-2-restarted');
    t.runs.connect(back);
    register(t, back, 2, 7102);
    expect(t.runs.get('h').state).toBe('assigned');
    const again = assigns(back)[0];
    expect(again).toMatchObject({ runId: 'h', nodeId: 2, attempt: 1 });
    expect(again.resumeRound).toBeUndefined();
    expect(assigns(fakes[0]).at(-1)).toMatchObject({ attempt: 1 });
    expect(again.peers.find((p) => p.id === 2)?.url).toBe('ws://127.0.0.1:7102');
  });

  it('after a committed checkpoint: assigned again with resumeRound = that round and the rows up to it', async () => {
    const { t, fakes } = await setUp({ maxHeals: 3, timeoutMs: 30_000 });
    for (const iter of [0, 5]) for (let i = 0; i < N; i++) t.runs.handle(fakes[i], report(i, iter));
    await until(t, (v) => v.rows === 2);
    for (let i = 0; i < N; i++) t.runs.handle(fakes[i], { t: 'checkpointed', runId: 'h', nodeId: i, round: 5 });
    await new Promise<void>((resolve) => t.runs.once('checkpoint', () => resolve()));
    for (let i = 0; i < N; i++) t.runs.handle(fakes[i], report(i, 10)); // a row past the checkpoint: rolled back
    await until(t, (v) => v.rows === 3);
    t.runs.disconnect(fakes[1]);
    const waiting = await until(t, (v) => v.state === 'waiting');
    expect(waiting.rows).toBe(2);
    expect(waiting.lastIteration).toBe(5);
    for (const i of [0, 2, 3]) register(t, fakes[i], i);
    const back = fakeWorker('fake-1-restarted');
    t.runs.connect(back);
    register(t, back, 1, 7101);
    expect(assigns(back)[0]).toMatchObject({ nodeId: 1, resumeRound: 5, attempt: 1 });
  });

  it('bounded wait: no worker for the lost node within timeoutMs fails the run naming it', async () => {
    const { t, fakes } = await setUp({ maxHeals: 3, timeoutMs: 200 });
    t.runs.disconnect(fakes[3]);
    await until(t, (v) => v.state === 'waiting');
    for (const i of [0, 1, 2]) register(t, fakes[i], i);
    const failed = await until(t, (v) => v.state === 'failed', 5_000);
    expect(failed.failure).toMatchObject({ code: 'PROXMESH_ERR_WORKER_FAILED', node: 3 });
    expect(failed.failure!.message).toMatch(/node 3 disconnected .*; not healed: no worker registered for node 3 within 200 ms/);
    await expect(t.runs.waitForEnd('h')).rejects.toMatchObject({ code: 'PROXMESH_ERR_WORKER_FAILED' });
  });

  it('bounded heals: the loss after maxHeals heals fails the run at once', async () => {
    const { t, fakes } = await setUp({ maxHeals: 1, timeoutMs: 30_000 });
    t.runs.disconnect(fakes[0]);
    await until(t, (v) => v.state === 'waiting');
    for (const i of [1, 2, 3]) register(t, fakes[i], i);
    const back = fakeWorker('fake-0-restarted');
    t.runs.connect(back);
    register(t, back, 0, 7100);
    for (const [i, w] of [back, fakes[1], fakes[2], fakes[3]].entries()) t.runs.handle(w, { t: 'ready', runId: 'h', nodeId: i });
    await until(t, (v) => v.state === 'running');
    t.runs.disconnect(fakes[2]);
    const failed = await until(t, (v) => v.state === 'failed');
    expect(failed.failure).toMatchObject({ node: 2 });
  });

  it('never heals a run without checkpoints, nor without the option', async () => {
    const a = await setUp({ maxHeals: 3, timeoutMs: 30_000 }, 0);
    a.t.runs.disconnect(a.fakes[1]);
    expect(a.t.runs.get('h').state).toBe('failed');
    const b = await setUp(undefined);
    b.t.runs.disconnect(b.fakes[1]);
    expect(b.t.runs.get('h').state).toBe('failed');
    expect(b.fakes[0].inbox.some((m) => m.t === 'rollback')).toBe(false);
  });
});
