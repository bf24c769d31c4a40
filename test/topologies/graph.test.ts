import { describe, expect, it } from 'vitest';
import { degrees, edgeCount, edgeList, edgePosition, graphFromEdges, hasEdge, isConnected, validateGraph } from '../../topologies/graph.ts';
import type { Graph } from '../../topologies/types.ts';
import { expectCode, neighbours } from './helpers.ts';

describe('graphFromEdges', () => {
  it('builds symmetric CSR with ascending neighbours from an unordered edge list', () => {
    const g = graphFromEdges({ n: 4, edges: [3, 0, 1, 0, 2, 1, 0, 2], name: 'g' });
    expect(Array.from(g.indptr)).toEqual([0, 3, 5, 7, 8]);
    expect(neighbours(g, 0)).toEqual([1, 2, 3]);
    expect(neighbours(g, 1)).toEqual([0, 2]);
    expect(neighbours(g, 2)).toEqual([0, 1]);
    expect(neighbours(g, 3)).toEqual([0]);
    expect(edgeCount(g)).toBe(4);
    expect(Array.from(degrees(g))).toEqual([3, 2, 2, 1]);
    expect(Array.from(edgeList(g))).toEqual([0, 1, 0, 2, 0, 3, 1, 2]);
    expect(hasEdge(g, 3, 0)).toBe(true);
    expect(hasEdge(g, 3, 1)).toBe(false);
    expect(edgePosition(g, 1, 2)).toBe(4);
    expect(() => validateGraph(g)).not.toThrow();
  });

  it('accepts a single node with no edges', () => {
    const g = graphFromEdges({ n: 1, edges: [], name: 'one' });
    expect(g.n).toBe(1);
    expect(g.indices.length).toBe(0);
    expect(isConnected(g)).toBe(true);
  });

  it('rejects n < 1, non-integer n, odd-length edge lists', () => {
    expectCode(() => graphFromEdges({ n: 0, edges: [], name: 'g' }), 'PROXMESH_ERR_TOPOLOGY', /n must be an integer ≥ 1/);
    expectCode(() => graphFromEdges({ n: 2.5, edges: [], name: 'g' }), 'PROXMESH_ERR_TOPOLOGY');
    expectCode(() => graphFromEdges({ n: 3, edges: [0, 1, 2], name: 'g' }), 'PROXMESH_ERR_TOPOLOGY', /odd length/);
  });

  it('rejects out-of-range ids, self loops and duplicate edges, naming them', () => {
    expectCode(() => graphFromEdges({ n: 3, edges: [0, 3], name: 'g' }), 'PROXMESH_ERR_TOPOLOGY', /node id 3 out of range \[0, 2\]/);
    expectCode(() => graphFromEdges({ n: 3, edges: [-1, 0], name: 'g' }), 'PROXMESH_ERR_TOPOLOGY', /node id -1/);
    expectCode(() => graphFromEdges({ n: 3, edges: [0, 1, 1, 1, 1, 2], name: 'g' }), 'PROXMESH_ERR_TOPOLOGY', /self loop at node 1/);
    expectCode(() => graphFromEdges({ n: 3, edges: [0, 1, 1, 2, 1, 0], name: 'g' }), 'PROXMESH_ERR_TOPOLOGY', /duplicate edge \(0, 1\)/);
  });

  it('rejects a disconnected graph naming the first unreachable node and the hint', () => {
    const e = expectCode(
      () => graphFromEdges({ n: 5, edges: [0, 1, 1, 2, 3, 4], name: 'er(n=5)', connectivityHint: 'increase p or use another kind' }),
      'PROXMESH_ERR_TOPOLOGY',
      /graph er\(n=5\) is disconnected: node 3 unreachable from node 0; increase p or use another kind/,
    );
    expect(e.detail).toEqual({ node: 3 });
  });

  it('with requireConnected: false, builds the disconnected graph (isConnected says false)', () => {
    const g = graphFromEdges({ n: 3, edges: [0, 1], name: 'g', requireConnected: false });
    expect(isConnected(g)).toBe(false);
  });

  it('uses edgeOrigin to say where a bad edge came from', () => {
    expectCode(
      () => graphFromEdges({ n: 3, edges: [0, 1, 2, 2], name: 'g', edgeOrigin: (e) => `line ${e + 10}` }),
      'PROXMESH_ERR_TOPOLOGY',
      /self loop at node 2 \(line 11\)/,
    );
  });
});

describe('validateGraph', () => {
  const mk = (n: number, indptr: number[], indices: number[]): Graph => ({
    n,
    indptr: Int32Array.from(indptr),
    indices: Int32Array.from(indices),
    name: 'raw',
  });

  it('accepts a valid path 0-1-2', () => {
    expect(() => validateGraph(mk(3, [0, 1, 3, 4], [1, 0, 2, 1]))).not.toThrow();
  });

  it('rejects asymmetric, self loop, unsorted/multi-edge, out of range, malformed, disconnected', () => {
    expectCode(
      () => validateGraph(mk(3, [0, 1, 3, 3], [1, 0, 2])),
      'PROXMESH_ERR_TOPOLOGY',
      /not symmetric: edge 1 → 2 present but 2 → 1 missing/,
    );
    expectCode(() => validateGraph(mk(2, [0, 2, 3], [0, 1, 0])), 'PROXMESH_ERR_TOPOLOGY', /self loop at node 0/);
    expectCode(() => validateGraph(mk(3, [0, 2, 3, 4], [2, 1, 0, 0])), 'PROXMESH_ERR_TOPOLOGY', /not strictly ascending/);
    expectCode(() => validateGraph(mk(2, [0, 2, 4], [1, 1, 0, 0])), 'PROXMESH_ERR_TOPOLOGY', /not strictly ascending/);
    expectCode(() => validateGraph(mk(2, [0, 1, 2], [5, 0])), 'PROXMESH_ERR_TOPOLOGY', /out of range/);
    expectCode(() => validateGraph(mk(2, [0, 1], [1])), 'PROXMESH_ERR_TOPOLOGY', /malformed CSR/);
    expectCode(() => validateGraph(mk(4, [0, 1, 2, 3, 4], [1, 0, 3, 2])), 'PROXMESH_ERR_TOPOLOGY', /disconnected: node 2 unreachable/);
  });
});
