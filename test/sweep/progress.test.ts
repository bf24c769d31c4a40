import { textSink } from '../support/cli-io.ts';
import { describe, expect, it } from 'vitest';
import { createSweepProgress, etaSeconds, formatDuration } from '../../node/sweep/progress.ts';

describe('sweep progress', () => {
  it('ETA = elapsed · (R − p)/p, null before any progress', () => {
    expect(etaSeconds(10, 2, 10)).toBe(40);
    expect(etaSeconds(10, 0, 10)).toBeNull();
    expect(etaSeconds(10, 10, 10)).toBe(0);
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3720)).toBe('1h02m');
  });

  it('plain lines: one per finished cell with done/total, running count and ETA (running fractions count)', () => {
    let t = 0;
    const out = textSink();
    const p = createSweepProgress('lines', out, () => t);
    p.onEvent({ type: 'start', total: 5, toRun: 4, skipped: 1, stale: 0, parallel: 2, dir: '/s' });
    p.onEvent({ type: 'cell-start', cell: 'a', attempt: 1 });
    p.onEvent({ type: 'cell-start', cell: 'b', attempt: 1 });
    t = 10_000;
    p.onEvent({ type: 'cell-progress', cell: 'b', iter: 50, iterations: 100 });
    p.onEvent({ type: 'cell-done', cell: 'a', seconds: 10 });
    // 10 s for p = 1 + 0.5 units of R = 4: ETA = 10 · 2.5 / 1.5 ≈ 17 s
    p.onEvent({
      type: 'cell-failed',
      cell: 'b',
      failure: { attempts: 2, exitCode: 3, signal: null, message: 'exited with status 3', stderrTail: 'boom' },
    });
    p.onEvent({ type: 'end', done: 2, failed: 1, seconds: 12 });
    p.stop();
    const lines = out.text.trim().split('\n');
    expect(lines[0]).toBe('study: 5 cells, 1 already done (skipped), 4 to run, 2 at a time → /s');
    expect(lines[1]).toBe('[2/5] done a (10.0 s) | running 1 | ETA 17s');
    expect(lines[2]).toBe('cell b FAILED twice: exited with status 3. stderr tail:');
    expect(lines[3]).toBe('    boom');
    expect(lines[4]).toBe('study finished in 12s: 2/5 done, 1 failed');
    expect(out.text.includes('\x1b')).toBe(false); // no terminal control codes (ESC) off a TTY
  });
});
