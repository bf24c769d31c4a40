/**
 * Edge-list files: one undirected edge "i j" per line (whitespace-separated, 0-based ids), '#'
 * starts a comment, blank lines ignored. Each edge must appear once (either direction); duplicates,
 * self loops, out-of-range ids and disconnection are errors, never repaired. Errors name the file,
 * the line and the rule, never the line's text: the file may be any file on a coordinator's host.
 */
import { MAX_NODES } from '../node/limits/bounds.ts';
import { RegularFileError, readRegularFile } from '../node/limits/regular-file.ts';
import type { Graph } from './types.ts';
import type { Rng } from '../node/linalg/rng.ts';
import type { TopologyParams } from './params.ts';
import { graphFromEdges } from './graph.ts';
import { topologyError } from './errors.ts';

export interface ParseEdgeListOptions {
  /** Node count; inferred as (largest id + 1) when absent. */
  readonly n?: number;
  /** Used in the graph name and error messages (e.g. the file path). */
  readonly source?: string;
}

export function parseEdgeList(text: string, opts: ParseEdgeListOptions = {}): Graph {
  const source = opts.source ?? 'edge list';
  const edges: number[] = [];
  const lineOf: number[] = [];
  const lines = text.split(/\r?\n/);
  let maxId = -1;
  for (let ln = 0; ln < lines.length; ln++) {
    const hash = lines[ln].indexOf('#');
    const body = (hash >= 0 ? lines[ln].slice(0, hash) : lines[ln]).trim();
    if (body === '') continue;
    const tok = body.split(/\s+/);
    if (tok.length !== 2 || !tok.every((t) => /^\d+$/.test(t))) {
      throw topologyError(`${source}:${ln + 1}: expected "i j" (two non-negative integer node ids)`, { line: ln + 1 });
    }
    const i = Number(tok[0]);
    const j = Number(tok[1]);
    // Checked before anything is sized by the ids: "0 999999999" would otherwise allocate n = 10⁹.
    if (i >= MAX_NODES || j >= MAX_NODES) {
      throw topologyError(`${source}:${ln + 1}: a node id is over the limit of ${MAX_NODES} nodes`, { line: ln + 1 });
    }
    if (opts.n !== undefined && (i >= opts.n || j >= opts.n)) {
      throw topologyError(`${source}:${ln + 1}: a node id is out of range [0, ${opts.n - 1}] for nodes = ${opts.n}`, { line: ln + 1 });
    }
    edges.push(i, j);
    lineOf.push(ln + 1);
    maxId = Math.max(maxId, i, j);
  }
  const n = opts.n ?? maxId + 1;
  if (n < 1) throw topologyError(`${source}: no edges and no node count; give nodes`, { param: 'nodes' });
  return graphFromEdges({
    n,
    edges,
    name: `edge-list(${source}, n=${n})`,
    edgeOrigin: (e) => `${source}:${lineOf[e]}`,
    connectivityHint: 'add edges so every node is reachable',
  });
}

/** The `edge-list` generator: reads params.file; params.nodes fixes n (ids must be < nodes). */
export function edgeListFile(params: TopologyParams, _rng?: Rng): Graph {
  const file = params.file;
  if (typeof file !== 'string' || file === '')
    throw topologyError('topology edge-list: parameter file is required (path of an "i j" per line edge-list file)', { param: 'file' });
  let text: string;
  try {
    text = readRegularFile(file).toString('utf8');
  } catch (err) {
    const why = err instanceof RegularFileError ? err.message : 'cannot read';
    throw topologyError(`topology edge-list: file ${file}: ${why}`, { param: 'file', file });
  }
  return parseEdgeList(text, { n: params.nodes, source: file });
}
