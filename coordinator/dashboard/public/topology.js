// The communication graph as SVG: nodes on a circle (on their grid for grid/torus topologies),
// one <line data-edge="i-j"> per undirected edge and one <circle data-node="i"> per node. When the
// nodes report per-peer bytes, an edge's width and label show the payload bytes sent both ways
// (bytes_i→j + bytes_j→i); until then all edges are drawn thin.
import { fmtBytes, svgEl } from './format.js';

const SIZE = 420;

function positions(topo) {
  const n = topo.n;
  const pos = [];
  const gridLike = (topo.kind === 'grid' || topo.kind === 'torus') && topo.rows && topo.cols && topo.rows * topo.cols === n;
  if (gridLike) {
    const step = (SIZE - 80) / Math.max(topo.rows - 1, topo.cols - 1, 1);
    const ox = (SIZE - step * (topo.cols - 1)) / 2;
    const oy = (SIZE - step * (topo.rows - 1)) / 2;
    for (let i = 0; i < n; i++) pos.push([ox + (i % topo.cols) * step, oy + Math.floor(i / topo.cols) * step]);
    return pos;
  }
  const r = n === 1 ? 0 : SIZE / 2 - 40;
  for (let i = 0; i < n; i++) {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos.push([SIZE / 2 + r * Math.cos(a), SIZE / 2 + r * Math.sin(a)]);
  }
  return pos;
}

/** bytes over edge {i, j}, both directions, from the nodes' per-peer counters (null when unknown). */
function edgeBytes(statsById, i, j) {
  const a = statsById.get(i)?.peerBytes?.[String(j)];
  const b = statsById.get(j)?.peerBytes?.[String(i)];
  if (a === undefined && b === undefined) return null;
  return (a ?? 0) + (b ?? 0);
}

/** Draws (or redraws) the graph into `svg`; `stats` is the latest per-node stats array. */
export function renderTopology(svg, topo, stats) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${SIZE} ${SIZE}`);
  if (!topo) {
    svg.setAttribute('data-nodes', '0');
    svg.setAttribute('data-edges', '0');
    svg.appendChild(svgEl('text', { x: SIZE / 2, y: SIZE / 2, 'text-anchor': 'middle', class: 'empty' }, 'no topology yet'));
    return;
  }
  const pos = positions(topo);
  const statsById = new Map((stats ?? []).map((s) => [s.nodeId, s]));
  const bytes = topo.edges.map(([i, j]) => edgeBytes(statsById, i, j));
  const maxBytes = Math.max(0, ...bytes.map((b) => b ?? 0));
  const labelled = topo.edges.length <= 40;
  const edges = svgEl('g', { class: 'edges' });
  topo.edges.forEach(([i, j], q) => {
    const b = bytes[q];
    const width = b !== null && maxBytes > 0 ? 1 + 6 * (b / maxBytes) : 1.5;
    const line = svgEl('line', {
      x1: pos[i][0].toFixed(1),
      y1: pos[i][1].toFixed(1),
      x2: pos[j][0].toFixed(1),
      y2: pos[j][1].toFixed(1),
      'stroke-width': width.toFixed(2),
      class: 'edge',
      'data-edge': `${i}-${j}`,
      ...(b !== null ? { 'data-bytes': b } : {}),
    });
    line.appendChild(svgEl('title', {}, `edge ${i}–${j}${b !== null ? `: ${fmtBytes(b)} payload` : ''}`));
    edges.appendChild(line);
    if (b !== null && labelled) {
      const mx = (pos[i][0] + pos[j][0]) / 2;
      const my = (pos[i][1] + pos[j][1]) / 2;
      edges.appendChild(
        svgEl('text', { x: mx.toFixed(1), y: (my - 3).toFixed(1), class: 'edge-label', 'text-anchor': 'middle' }, fmtBytes(b)),
      );
    }
  });
  svg.appendChild(edges);
  const radius = topo.n > 32 ? 7 : 13;
  const nodes = svgEl('g', { class: 'nodes' });
  for (let i = 0; i < topo.n; i++) {
    const s = statsById.get(i);
    const g = svgEl('g', { class: 'node' });
    const c = svgEl('circle', {
      cx: pos[i][0].toFixed(1),
      cy: pos[i][1].toFixed(1),
      r: radius,
      'data-node': i,
      ...(s ? { 'data-iter': s.iter } : {}),
    });
    c.appendChild(svgEl('title', {}, `node ${i}, degree ${topo.degrees[i] ?? '?'}${s ? `, iteration ${s.iter}` : ''}`));
    g.appendChild(c);
    if (topo.n <= 64)
      g.appendChild(
        svgEl('text', { x: pos[i][0].toFixed(1), y: (pos[i][1] + 4).toFixed(1), class: 'node-label', 'text-anchor': 'middle' }, String(i)),
      );
    nodes.appendChild(g);
  }
  svg.appendChild(nodes);
  svg.setAttribute('data-nodes', String(topo.n));
  svg.setAttribute('data-edges', String(topo.edges.length));
}
