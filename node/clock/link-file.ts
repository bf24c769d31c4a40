/**
 * Per-edge network files (network.links.kind = file): CSV with the header
 *   from,to,latency,bandwidth
 * then one line per directed link i → j (0-based ids, latency in s, bandwidth in bit/s); '#' starts a
 * comment, blank lines are ignored. Every link of the run's graph must appear exactly once: a missing
 * link, a link not in the graph, a duplicate or a bad number is PROXMESH_ERR_NETWORK naming the file
 * and line, never the line's text (the file may be any file on a coordinator's host).
 */
import { ProxmeshError } from '../errors.ts';
import type { LinkTable } from './link-table.ts';

const HEADER = 'from,to,latency,bandwidth';

function bad(source: string, line: number | null, message: string): ProxmeshError {
  const where = line === null ? source : `${source}:${line}`;
  return new ProxmeshError('PROXMESH_ERR_NETWORK', `network.links file ${where}: ${message}`, {
    path: '/network/links/path',
    ...(line === null ? {} : { line }),
  });
}

/**
 * Parses `text` into the latency and bandwidth of every directed link in `links` (links[i] = the nodes
 * i sends to). Returns tables indexed like `links`.
 */
export function parseLinkFile(text: string, links: readonly (readonly number[])[], source = 'links file'): LinkTable {
  const n = links.length;
  const latency = links.map((out) => new Float64Array(out.length).fill(Number.NaN));
  const bandwidth = links.map((out) => new Float64Array(out.length).fill(Number.NaN));
  const lines = text.split(/\r?\n/);
  let sawHeader = false;
  for (let ln = 0; ln < lines.length; ln++) {
    const hash = lines[ln].indexOf('#');
    const body = (hash >= 0 ? lines[ln].slice(0, hash) : lines[ln]).trim();
    if (body === '') continue;
    if (!sawHeader) {
      if (body.replace(/\s+/g, '') !== HEADER) throw bad(source, ln + 1, `the first line must be the header "${HEADER}"`);
      sawHeader = true;
      continue;
    }
    const tok = body.split(',').map((t) => t.trim());
    if (tok.length !== 4) throw bad(source, ln + 1, `expected 4 comma-separated fields (${HEADER}), got ${tok.length}`);
    if (!/^\d+$/.test(tok[0]) || !/^\d+$/.test(tok[1])) throw bad(source, ln + 1, 'from and to must be non-negative integer node ids');
    const i = Number(tok[0]);
    const j = Number(tok[1]);
    if (i >= n || j >= n) throw bad(source, ln + 1, `a node id is out of range [0, ${n - 1}]`);
    const slot = links[i].indexOf(j);
    if (slot < 0) throw bad(source, ln + 1, `${i} → ${j} is not a link of the run's graph; remove the line or fix the ids`);
    const lat = Number(tok[2]);
    const bw = Number(tok[3]);
    if (tok[2] === '' || !Number.isFinite(lat) || lat < 0) throw bad(source, ln + 1, 'latency must be a finite number of seconds ≥ 0');
    if (tok[3] === '' || !Number.isFinite(bw) || bw <= 0) throw bad(source, ln + 1, 'bandwidth must be a finite number of bit/s > 0');
    if (!Number.isNaN(latency[i][slot])) throw bad(source, ln + 1, `link ${i} → ${j} appears twice; keep one line per directed link`);
    latency[i][slot] = lat;
    bandwidth[i][slot] = bw;
  }
  if (!sawHeader) throw bad(source, null, `empty: expected the header "${HEADER}" and one line per directed link`);
  for (let i = 0; i < n; i++) {
    const s = latency[i].findIndex((v) => Number.isNaN(v));
    if (s >= 0) throw bad(source, null, `link ${i} → ${links[i][s]} is missing; give every directed link of the graph a line`);
  }
  return { latency, bandwidth };
}
