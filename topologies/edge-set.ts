/**
 * An accumulator of undirected edges for generators whose construction can produce the same edge
 * twice by coincidence of the maths (ring with n=2, torus side 2, exponential offsets +2^k ≡ −2^k).
 * Those coincidences are one edge by definition, so merging them here is not a silent fix of user
 * input; user edge lists go straight to graphFromEdges, which rejects duplicates.
 */
export class EdgeSet {
  private readonly seen = new Set<number>();
  private readonly flat: number[] = [];

  constructor(private readonly n: number) {}

  /** Adds {i, j}; ignores i = j (no self loops by construction) and repeats. */
  add(i: number, j: number): void {
    if (i === j) return;
    const a = Math.min(i, j);
    const b = Math.max(i, j);
    const key = a * this.n + b;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.flat.push(a, b);
  }

  has(i: number, j: number): boolean {
    return this.seen.has(Math.min(i, j) * this.n + Math.max(i, j));
  }

  get size(): number {
    return this.flat.length / 2;
  }

  edges(): Int32Array {
    return Int32Array.from(this.flat);
  }
}
