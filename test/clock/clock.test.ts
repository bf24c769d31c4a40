/**
 * The simulated clock's recurrence (node/clock/clock.ts) on a hand-computed 3-node example, and the
 * whole pipeline (config → sim rows' simTime) against the closed form for uniform links.
 */
import { describe, expect, it } from 'vitest';
import { createSimClock, type ClockExchange, type ClockNetwork } from '../../node/clock/clock.ts';
import { LINK_OVERHEAD_BYTES } from '../../node/codec/frame.ts';
import { loadConfig } from '../../node/config/load.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';

// Star centred at 0: links 0 → {1, 2}, 1 → 0, 2 → 0. Dyadic numbers, so every sum is exact in binary
// floating point and the expectations below are exact. 8 bit/s = 1 byte per second.
const net: ClockNetwork = {
  links: [[1, 2], [0], [0]],
  table: {
    latency: [Float64Array.of(0.5, 0.25), Float64Array.of(0.125), Float64Array.of(0.0625)],
    bandwidth: [Float64Array.of(8, 8), Float64Array.of(8), Float64Array.of(16)],
  },
  compute: Float64Array.of(1, 2, 5), // c_i, s
};
// Frame bytes: 0→1 3 B (3 s), 0→2 2 B (2 s), 1→0 1 B (1 s), 2→0 4 B at 2 B/s (2 s).
const bytes = [[3, 2], [1], [4]];
const phase = (compute: boolean): ClockExchange => ({ compute, sends: () => true, bytes: (i, s) => bytes[i][s] });

describe('simulated clock: t_i ← max(r_i, max_j r_j + ℓ_ji + 8 w_ji / B_ji), r_i = t_i + c_i on an iteration’s first exchange', () => {
  it('one exchange per iteration: two iterations computed by hand', () => {
    const clock = createSimClock(net);
    clock.exchange(phase(true));
    // r = [1, 2, 5]
    // t0 = max(1, 2 + 0.125 + 1, 5 + 0.0625 + 2) = 7.0625   (waits for the slow node 2)
    // t1 = max(2, 1 + 0.5 + 3) = 4.5
    // t2 = max(5, 1 + 0.25 + 2) = 5                          (its own compute dominates)
    expect(Array.from(clock.times())).toEqual([7.0625, 4.5, 5]);
    expect(clock.now()).toBe(7.0625);
    clock.exchange(phase(true));
    // r = [8.0625, 6.5, 10]
    // t0 = max(8.0625, 6.5 + 1.125, 10 + 2.0625) = 12.0625
    // t1 = max(6.5, 8.0625 + 3.5) = 11.5625
    // t2 = max(10, 8.0625 + 2.25) = 10.3125
    expect(Array.from(clock.times())).toEqual([12.0625, 11.5625, 10.3125]);
    expect(clock.now()).toBe(12.0625);
  });

  it('two exchanges per iteration: compute is charged once, before the first', () => {
    const clock = createSimClock(net);
    clock.exchange(phase(true)); // as above: [7.0625, 4.5, 5]
    clock.exchange(phase(false));
    // r = t = [7.0625, 4.5, 5]
    // t0 = max(7.0625, 4.5 + 1.125, 5 + 2.0625) = 7.0625
    // t1 = max(4.5, 7.0625 + 3.5) = 10.5625
    // t2 = max(5, 7.0625 + 2.25) = 9.3125
    expect(Array.from(clock.times())).toEqual([7.0625, 10.5625, 9.3125]);
  });

  it('a link that does not send this exchange is no dependency', () => {
    const clock = createSimClock(net);
    // only 0 → 1 sends: t0 = 1, t1 = max(2, 1 + 0.5 + 3) = 4.5, t2 = 5
    clock.exchange({ ...phase(true), sends: (i, s) => i === 0 && s === 0 });
    expect(Array.from(clock.times())).toEqual([1, 4.5, 5]);
  });

  it('computeOnly adds c_i to every node', () => {
    const clock = createSimClock(net);
    clock.computeOnly();
    clock.computeOnly();
    expect(Array.from(clock.times())).toEqual([2, 4, 10]);
  });
});

describe('simTime in a simulation', () => {
  const raw = (network?: Record<string, unknown>) => ({
    seed: 3,
    iterations: 6,
    evalEvery: 3,
    batchSize: 8,
    algorithm: { name: 'dproxsgt', eta: 0.05 },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-3 } },
    partition: { kind: 'iid' },
    topology: { kind: 'path', nodes: 3 },
    ...(network ? { network } : {}),
  });

  it('3-node path, uniform links and speed: T(k) = k · (c + 2 (ℓ + 8 w / B)), w = payload + envelope per frame', async () => {
    const ell = 0.001;
    const B = 1e6;
    const speed = 400; // samples/s: c = 8 / 400 = 0.02 s
    const r = await runSimulation(
      loadConfig(raw({ links: { kind: 'uniform', latency: ell, bandwidth: B }, compute: { samplesPerSecond: speed } })),
      { outDir: null },
    );
    // Path 0–1–2: 4 directed links, 2 exchanges (y, x) per iteration, dense f64 frames of one size.
    const last = r.rows[r.rows.length - 1];
    const frames = 4 * 2 * 6;
    const payload = last.bytesSent / frames;
    expect(Number.isInteger(payload)).toBe(true);
    const w = payload + LINK_OVERHEAD_BYTES;
    const perIter = 8 / speed + 2 * (ell + (8 * w) / B);
    expect(r.rows.map((x) => x.iter)).toEqual([0, 3, 6]);
    expect(r.rows[0].simTime).toBe(0);
    expect(r.rows[1].simTime).toBeCloseTo(3 * perIter, 12);
    expect(r.rows[2].simTime).toBeCloseTo(6 * perIter, 12);
  });

  it('without a network section rows carry no simTime', async () => {
    const r = await runSimulation(loadConfig(raw()), { outDir: null });
    expect(r.rows.every((x) => !('simTime' in x))).toBe(true);
  });

  it('a straggler on the path: its neighbours wait for it, T(k) follows the slow node', async () => {
    // n = 3, fraction 1/3 → one straggler at slowdown 10: c_s = 0.2 s, others 0.02 s. Links are fast
    // (ℓ = 0, B = 1e12) so T ≈ k · c_s: every node depends on the straggler within 2 exchanges.
    const r = await runSimulation(
      loadConfig(
        raw({
          links: { kind: 'uniform', latency: 0, bandwidth: 1e12 },
          compute: { samplesPerSecond: 400, stragglers: { fraction: 1 / 3, slowdown: 10 } },
        }),
      ),
      { outDir: null },
    );
    expect(r.rows[2].simTime! / 6).toBeGreaterThan(0.2);
    expect(r.rows[2].simTime! / 6).toBeLessThan(0.2 + 1e-6);
  });
});
