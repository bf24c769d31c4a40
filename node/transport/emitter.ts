/** A minimal typed listener registry (no global state, no EventEmitter leak warnings). */
export class Emitter<M> {
  // The set under event E holds only listeners of M[E] (on() is the only writer), so emit(E, M[E])
  // calls each with its own detail type; the map's value type cannot say that per key.
  private readonly listeners = new Map<keyof M, Set<(detail: M[keyof M]) => void>>();

  on<E extends keyof M>(event: E, listener: (detail: M[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const l = listener as (detail: M[keyof M]) => void;
    set.add(l);
    return () => set.delete(l);
  }

  emit<E extends keyof M>(event: E, detail: M[E]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const l of [...set]) l(detail);
  }

  clear(): void {
    this.listeners.clear();
  }
}
