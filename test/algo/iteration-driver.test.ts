import { describe, expect, it } from 'vitest';
import { driveIterations, isCheckpointPoint, isEvalPoint, LossWindow } from '../../node/algo/iteration-driver.ts';

/** The sequence of hook calls the driver makes, as strings (s = step k, e = row at iter, c = checkpoint). */
async function trace(c: { iterations: number; evalEvery: number; checkpointEvery?: number }, start: number, async = false) {
  const calls: string[] = [];
  const wrap = (f: (v: number) => void) => (async ? async (v: number) => f(v) : f);
  await driveIterations(c, start, {
    step: wrap((k) => calls.push(`s${k}`)),
    evaluate: wrap((i) => calls.push(`e${i}`)),
    afterIteration: (i, ev) => calls.push(`a${i}${ev ? '+' : ''}`),
    checkpoint: wrap((i) => calls.push(`c${i}`)),
  });
  return calls.join(' ');
}

describe('iteration driver: the cadence every engine shares', () => {
  it('K = 5, evalEvery = 2, checkpointEvery = 2: rows at 0, 2, 4, 5; checkpoints at 2, 4 after their rows, none at K', async () => {
    const want = 'e0 s0 a1 s1 e2 a2+ c2 s2 a3 s3 e4 a4+ c4 s4 e5 a5+';
    expect(await trace({ iterations: 5, evalEvery: 2, checkpointEvery: 2 }, 0)).toBe(want);
    expect(await trace({ iterations: 5, evalEvery: 2, checkpointEvery: 2 }, 0, true)).toBe(want);
  });

  it('a resume at round 2 does not evaluate at its start and continues the same cadence', async () => {
    expect(await trace({ iterations: 5, evalEvery: 2, checkpointEvery: 2 }, 2)).toBe('s2 a3 s3 e4 a4+ c4 s4 e5 a5+');
  });

  it('no checkpoints when checkpointEvery is absent or 0; a row at K even off the evalEvery grid', async () => {
    expect(await trace({ iterations: 3, evalEvery: 5 }, 0)).toBe('e0 s0 a1 s1 a2 s2 e3 a3+');
    expect(await trace({ iterations: 3, evalEvery: 1, checkpointEvery: 0 }, 0)).toBe('e0 s0 e1 a1+ s1 e2 a2+ s2 e3 a3+');
  });

  it('start = K runs nothing but nothing is evaluated either (a resume never starts at K)', async () => {
    expect(await trace({ iterations: 3, evalEvery: 1 }, 3)).toBe('');
  });

  it('a throwing step stops the run before its row', async () => {
    const calls: number[] = [];
    const run = driveIterations({ iterations: 4, evalEvery: 1 }, 0, {
      step: (k) => {
        if (k === 2) throw new Error('boom');
      },
      evaluate: (i) => void calls.push(i),
    });
    await expect(run).rejects.toThrow('boom');
    expect(calls).toEqual([0, 1, 2]);
  });

  it('isEvalPoint / isCheckpointPoint', () => {
    const c = { iterations: 10, evalEvery: 4, checkpointEvery: 5 };
    expect([...Array(11).keys()].filter((i) => isEvalPoint(i, c))).toEqual([0, 4, 8, 10]);
    expect([...Array(11).keys()].filter((i) => isCheckpointPoint(i, c))).toEqual([5]);
  });

  it('LossWindow sums per node in call order and resets', () => {
    const w = new LossWindow(2);
    w.add(0, 0.1);
    w.add(1, 1);
    w.stepDone();
    w.add(0, 0.2);
    w.stepDone();
    expect(Array.from(w.sums)).toEqual([0.1 + 0.2, 1]);
    expect(w.count).toBe(2);
    w.reset();
    expect(Array.from(w.sums)).toEqual([0, 0]);
    expect(w.count).toBe(0);
  });
});
