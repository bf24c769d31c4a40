/**
 * A reusable barrier for T threads over a shared Int32Array (Atomics), with an abort flag: a thread
 * that fails sets the flag and wakes everyone, and every waiter then throws instead of hanging.
 *
 * Layout of `ctl` (shared by all threads): [COUNT, GENERATION, ABORT]. A thread reads the
 * generation, then increments COUNT; the last of T arrivals resets COUNT and bumps the generation,
 * which releases the others. COUNT is reset before the generation moves, so a fast thread that
 * passes and arrives at the next barrier counts towards the next generation. Atomics give the
 * ordering: every write a thread made before arriving is visible to every thread after it passes.
 *
 * Waiting spins briefly (an exchange barrier is passed about a thousand times a second at small n,
 * where a futex sleep and wake costs as much as the work), then sleeps with Atomics.wait.
 */
import { ProxmeshError } from '../../errors.ts';

export const CTL_COUNT = 0;
export const CTL_GEN = 1;
export const CTL_ABORT = 2;
/** Int32 slots the control array needs. */
export const CTL_LENGTH = 4;

/** Thrown by a waiter when another thread aborted the run (the caller reports that thread's error). */
export class ThreadAbort extends ProxmeshError {
  constructor() {
    super('PROXMESH_ERR_WORKER_FAILED', 'another simulator thread failed (its error is reported separately)');
  }
}

/** Spins before sleeping; measured in Atomics.load polls (roughly 10–50 µs). */
const SPINS = 4000;

export class Barrier {
  constructor(
    private readonly ctl: Int32Array,
    private readonly parties: number,
  ) {}

  arrive(): void {
    const ctl = this.ctl;
    if (Atomics.load(ctl, CTL_ABORT) !== 0) throw new ThreadAbort();
    const gen = Atomics.load(ctl, CTL_GEN);
    if (Atomics.add(ctl, CTL_COUNT, 1) === this.parties - 1) {
      Atomics.store(ctl, CTL_COUNT, 0);
      Atomics.add(ctl, CTL_GEN, 1);
      Atomics.notify(ctl, CTL_GEN);
      return;
    }
    let spins = 0;
    while (spins < SPINS && Atomics.load(ctl, CTL_GEN) === gen) spins++;
    while (Atomics.load(ctl, CTL_GEN) === gen) {
      if (Atomics.load(ctl, CTL_ABORT) !== 0) break;
      Atomics.wait(ctl, CTL_GEN, gen, 200);
    }
    // abort() also moves the generation: a woken waiter must not take that for a passed barrier
    if (Atomics.load(ctl, CTL_ABORT) !== 0) throw new ThreadAbort();
  }

  /** Marks the run failed and wakes every waiter (they throw ThreadAbort). */
  abort(): void {
    Atomics.store(this.ctl, CTL_ABORT, 1);
    Atomics.add(this.ctl, CTL_GEN, 1);
    Atomics.notify(this.ctl, CTL_GEN);
  }
}
