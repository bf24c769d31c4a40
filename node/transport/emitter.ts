/** A minimal typed listener registry (no global state, no EventEmitter leak warnings). */
export class Emitter<M> {
  private readonly listeners = new Map<keyof M, Set<(detail: any) => void>>();

  on<E extends keyof M>(event: E, listener: (detail: M[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
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
