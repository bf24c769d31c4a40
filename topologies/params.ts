/**
 * Parameters of the graph generators (the kind-specific part of the config's `topology` section)
 * and their checks. Every bad value throws PROXMESH_ERR_TOPOLOGY naming the parameter.
 */
import { topologyError } from './errors.ts';

export interface TopologyParams {
  /** n, the number of nodes (workers). */
  readonly nodes: number;
  /** erdos-renyi: edge probability p ∈ [0, 1]. */
  readonly p?: number;
  /** regular: degree d, 0 ≤ d < n, n·d even. */
  readonly degree?: number;
  /** small-world: ring-lattice neighbours k (even, 2 ≤ k < n). */
  readonly k?: number;
  /** small-world: rewiring probability β ∈ [0, 1]. */
  readonly beta?: number;
  /** grid / torus: rows. */
  readonly rows?: number;
  /** grid / torus: columns. */
  readonly cols?: number;
  /** edge-list: path of the edge-list file. */
  readonly file?: string;
  /** Resampling bound for random generators that must produce a connected graph (default 100). */
  readonly maxAttempts?: number;
}

/** n as an integer ≥ min (1 by default). */
export function requireNodes(kind: string, n: unknown, min = 1): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw topologyError(`topology ${kind}: nodes must be an integer ≥ ${min}, got ${String(n)}`, { param: 'nodes', got: n });
  }
  return n;
}

/** A required integer parameter in [min, max]. */
export function requireInt(kind: string, name: string, v: unknown, min: number, max: number, why = ''): number {
  if (v === undefined) throw topologyError(`topology ${kind}: parameter ${name} is required${why ? ` (${why})` : ''}`, { param: name });
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw topologyError(
      `topology ${kind}: parameter ${name} must be an integer in [${min}, ${max}]${why ? ` (${why})` : ''}, got ${String(v)}`,
      { param: name, got: v },
    );
  }
  return v;
}

/** A required probability in [0, 1]. */
export function requireProb(kind: string, name: string, v: unknown): number {
  if (v === undefined) throw topologyError(`topology ${kind}: parameter ${name} is required (a probability in [0, 1])`, { param: name });
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw topologyError(`topology ${kind}: parameter ${name} must be a probability in [0, 1], got ${String(v)}`, { param: name, got: v });
  }
  return v;
}

export function attemptsOf(params: TopologyParams): number {
  const a = params.maxAttempts ?? 100;
  if (!Number.isInteger(a) || a < 1)
    throw topologyError(`topology: maxAttempts must be an integer ≥ 1, got ${a}`, { param: 'maxAttempts' });
  return a;
}
