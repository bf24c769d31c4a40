/**
 * Round inbox (DESIGN.md §5.4): rounds are synchronous between neighbours only, so a fast
 * neighbour's frames for future rounds arrive early and wait here. `waitFor(round, phase, peers)`
 * resolves with the payloads aligned with `peers` once all have arrived — never in arrival order.
 * Memory is bounded (maxFrames), frames of rounds before the current round − 1 are stale, and a
 * second frame for the same (round, phase, sender) is a duplicate.
 */
import { ProxmeshError } from '../errors.ts';
import { abortable } from './base-transport.ts';
import type { AbortOptions } from './types.ts';

export type InboxRejectReason = 'stale' | 'duplicate' | 'overflow';

export interface RoundInboxOptions {
  /** Most frames held at once (default 4096). */
  readonly maxFrames?: number;
  /** Called for each rejected frame. */
  readonly onReject?: (reason: InboxRejectReason, from: number, round: number, phase: string) => void;
}

interface Waiter {
  readonly round: number;
  readonly phase: string;
  readonly peers: readonly number[];
  readonly resolve: (payloads: Uint8Array[]) => void;
  readonly reject: (err: unknown) => void;
}

export class RoundInbox {
  /** round → phase → sender → payload */
  private readonly rounds = new Map<number, Map<string, Map<number, Uint8Array>>>();
  private size = 0;
  private floor = -Infinity;
  private waiter: Waiter | null = null;
  private failure: unknown = null;
  /** The signal whose abort listener this inbox holds (see watch). */
  private watched: AbortSignal | null = null;
  readonly rejected: Record<InboxRejectReason, number> = { stale: 0, duplicate: 0, overflow: 0 };

  constructor(private readonly opts: RoundInboxOptions = {}) {}

  /** Frames currently held. */
  get buffered(): number {
    return this.size;
  }

  /** Adds a frame; returns false (and counts the reason) when it is rejected. */
  push(from: number, round: number, phase: string, payload: Uint8Array): boolean {
    if (round < this.floor) return this.rejectFrame('stale', from, round, phase);
    let phases = this.rounds.get(round);
    const senders = phases?.get(phase);
    if (senders?.has(from)) return this.rejectFrame('duplicate', from, round, phase);
    if (this.size >= (this.opts.maxFrames ?? 4096)) return this.rejectFrame('overflow', from, round, phase);
    if (phases === undefined) {
      phases = new Map();
      this.rounds.set(round, phases);
    }
    let s = senders;
    if (s === undefined) {
      s = new Map();
      phases.set(phase, s);
    }
    s.set(from, payload);
    this.size++;
    this.settle();
    return true;
  }

  /**
   * Resolves with the payloads of `peers` for (round, phase), in the order of `peers`. Entering
   * round r makes rounds before r − 1 stale (their frames are dropped). One wait at a time.
   */
  waitFor(round: number, phase: string, peers: readonly number[], opts: AbortOptions = {}): Promise<Uint8Array[]> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.waiter !== null)
      return Promise.reject(new ProxmeshError('PROXMESH_ERR_INTERNAL', 'RoundInbox.waitFor: a wait is already pending'));
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.advance(round - 1);
    const p = new Promise<Uint8Array[]>((resolve, reject) => {
      this.waiter = { round, phase, peers, resolve, reject };
    });
    this.settle();
    if (signal === undefined) return p;
    if (this.watched === null) this.watch(signal);
    if (this.watched === signal) return p; // its one listener rejects the pending wait on abort
    return abortable(p, signal).catch((err) => {
      if (this.waiter !== null && signal.aborted) this.waiter = null;
      throw err;
    });
  }

  /**
   * One abort listener for the inbox's life, on the signal its waits pass (a node's run signal),
   * instead of an add/removeEventListener pair per wait: EventTarget listeners cost microseconds
   * each, twice per exchange (issue 11's per-frame path). An abort rejects the pending wait with the
   * signal's reason; later waits reject at once (above), as abortable() does.
   */
  private watch(signal: AbortSignal): void {
    this.watched = signal;
    signal.addEventListener(
      'abort',
      () => {
        const w = this.waiter;
        this.waiter = null;
        w?.reject(signal.reason);
      },
      { once: true },
    );
  }

  /** Rejects the pending and every later wait (e.g. a peer failed). */
  fail(err: unknown): void {
    if (this.failure === null) this.failure = err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }

  private advance(floor: number): void {
    if (floor <= this.floor) return;
    this.floor = floor;
    for (const [round, phases] of this.rounds) {
      if (round >= floor) continue;
      for (const s of phases.values()) this.size -= s.size;
      this.rounds.delete(round);
    }
  }

  private settle(): void {
    const w = this.waiter;
    if (w === null) return;
    const senders = this.rounds.get(w.round)?.get(w.phase);
    if (senders === undefined && w.peers.length > 0) return;
    for (const p of w.peers) if (!senders!.has(p)) return;
    const out = w.peers.map((p) => senders!.get(p)!);
    if (senders !== undefined) {
      for (const p of w.peers) senders.delete(p);
      this.size -= w.peers.length;
      if (senders.size === 0) {
        const phases = this.rounds.get(w.round)!;
        phases.delete(w.phase);
        if (phases.size === 0) this.rounds.delete(w.round);
      }
    }
    this.waiter = null;
    w.resolve(out);
  }

  private rejectFrame(reason: InboxRejectReason, from: number, round: number, phase: string): false {
    this.rejected[reason]++;
    this.opts.onReject?.(reason, from, round, phase);
    return false;
  }
}
