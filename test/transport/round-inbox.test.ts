import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProxmeshError } from '../../node/errors.ts';
import { RoundInbox } from '../../node/transport/round-inbox.ts';

const b = (v: number) => Uint8Array.of(v);

describe('RoundInbox', () => {
  it('resolves aligned with peers, whatever the arrival order', async () => {
    const inbox = new RoundInbox();
    const p = inbox.waitFor(0, 'x', [1, 3, 4], { signal: AbortSignal.timeout(2000) });
    inbox.push(4, 0, 'x', b(40));
    inbox.push(1, 0, 'x', b(10));
    inbox.push(3, 0, 'y', b(99)); // other phase: not this wait
    inbox.push(3, 0, 'x', b(30));
    expect((await p).map((u) => u[0])).toEqual([10, 30, 40]);
    expect(inbox.buffered).toBe(1);
  });

  it('buffers frames of future rounds until asked', async () => {
    const inbox = new RoundInbox();
    for (let k = 0; k < 5; k++) inbox.push(2, k, 'x', b(k));
    expect(inbox.buffered).toBe(5);
    for (let k = 0; k < 5; k++) expect((await inbox.waitFor(k, 'x', [2]))[0][0]).toBe(k);
    expect(inbox.buffered).toBe(0);
  });

  it('rejects stale, duplicate and overflowing frames, and drops stale buffered ones', async () => {
    const reasons: string[] = [];
    const inbox = new RoundInbox({ maxFrames: 3, onReject: (r) => reasons.push(r) });
    expect(inbox.push(1, 2, 'x', b(0))).toBe(true);
    expect(inbox.push(1, 2, 'x', b(0))).toBe(false); // duplicate
    expect(inbox.push(1, 3, 'x', b(0))).toBe(true);
    expect(inbox.push(1, 9, 'x', b(0))).toBe(true);
    expect(inbox.push(1, 10, 'x', b(0))).toBe(false); // overflow (3 held)
    inbox.push(2, 5, 'x', b(5)); // overflow too
    // entering round 5 drops rounds < 4 (rounds 2 and 3) and makes them stale
    const p = inbox.waitFor(5, 'x', [2]);
    expect(inbox.buffered).toBe(1);
    expect(inbox.push(1, 3, 'x', b(0))).toBe(false); // stale
    expect(inbox.push(1, 4, 'x', b(0))).toBe(true); // round − 1 is still accepted
    inbox.push(2, 5, 'x', b(5));
    expect((await p)[0][0]).toBe(5);
    expect(reasons).toEqual(['duplicate', 'overflow', 'overflow', 'stale']);
    expect(inbox.rejected).toEqual({ stale: 1, duplicate: 1, overflow: 2 });
  });

  it('an aborted wait rejects with the signal reason and frees the inbox for the next wait', async () => {
    const inbox = new RoundInbox();
    const ac = new AbortController();
    const p = inbox.waitFor(0, 'x', [1], { signal: ac.signal });
    ac.abort(new Error('stopped'));
    await expect(p).rejects.toThrow('stopped');
    const q = inbox.waitFor(0, 'x', [1], { signal: AbortSignal.timeout(2000) });
    inbox.push(1, 0, 'x', b(1));
    expect((await q)[0][0]).toBe(1);
  });

  it('fail() rejects the pending and every later wait; a second concurrent wait is a bug', async () => {
    const inbox = new RoundInbox();
    const p = inbox.waitFor(0, 'x', [1]);
    await expect(inbox.waitFor(0, 'y', [1])).rejects.toMatchObject({ code: 'PROXMESH_ERR_INTERNAL' });
    const err = new ProxmeshError('PROXMESH_ERR_PEER_TIMEOUT', 'node 0 lost peer 1 at round 0 (no frame for 10 ms)');
    inbox.fail(err);
    await expect(p).rejects.toBe(err);
    await expect(inbox.waitFor(1, 'x', [1])).rejects.toBe(err);
  });

  it('many waits on one run signal hold one abort listener; an abort rejects the pending wait and every later one', async () => {
    const inbox = new RoundInbox();
    const ac = new AbortController();
    for (let r = 0; r < 50; r++) {
      const p = inbox.waitFor(r, 'x', [1], { signal: ac.signal });
      inbox.push(1, r, 'x', b(r));
      expect((await p)[0][0]).toBe(r);
    }
    expect(getEventListeners(ac.signal, 'abort').length).toBe(1);
    const pending = inbox.waitFor(50, 'x', [1], { signal: ac.signal });
    ac.abort(new Error('run stopped'));
    await expect(pending).rejects.toThrow('run stopped');
    await expect(inbox.waitFor(51, 'x', [1], { signal: ac.signal })).rejects.toThrow('run stopped');
  });

  it('an empty peer list resolves at once', async () => {
    expect(await new RoundInbox().waitFor(0, 'x', [])).toEqual([]);
  });
});
