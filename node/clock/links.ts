/**
 * Per-link latency ℓ_ij (s) and bandwidth B_ij (bit/s) of every directed link i → j of a run, from
 * the `network.links` spec. Tables are indexed like the run's links: latency[i][s] is the link from
 * i to links[i][s].
 */
import { readRegularFile, RegularFileError } from '../limits/regular-file.ts';
import { ProxmeshError } from '../errors.ts';
import { Rng } from '../linalg/rng.ts';
import { parseLinkFile } from './link-file.ts';
import type { LinkTable } from './link-table.ts';
import type { LinksSpec } from './spec.ts';

/** min ≤ max for the random kind (data-free; load time and build time). */
export function checkLinksSpec(spec: LinksSpec): void {
  if (spec.kind !== 'random') return;
  for (const key of ['latency', 'bandwidth'] as const) {
    const r = spec[key];
    if (r.min > r.max) {
      throw new ProxmeshError('PROXMESH_ERR_NETWORK', `config /network/links/${key}: min (${r.min}) must be ≤ max (${r.max}); swap them`, {
        path: `/network/links/${key}`,
        got: r,
      });
    }
  }
}

export function buildLinks(spec: LinksSpec, links: readonly (readonly number[])[], seed: number): LinkTable {
  checkLinksSpec(spec);
  switch (spec.kind) {
    case 'uniform':
      return {
        latency: links.map((out) => new Float64Array(out.length).fill(spec.latency)),
        bandwidth: links.map((out) => new Float64Array(out.length).fill(spec.bandwidth)),
      };
    case 'random': {
      // One stream for the whole network, links visited in ascending (i, j): the draw of a link does
      // not depend on who asks for it. B is log-uniform: log B ~ U[log min, log max].
      const rng = Rng.derive(seed, -1, 'network-links');
      const { latency: L, bandwidth: Bw } = spec;
      const latency = links.map((out) => new Float64Array(out.length));
      const bandwidth = links.map((out) => new Float64Array(out.length));
      links.forEach((out, i) => {
        const order = out.map((j, s) => [j, s] as const).sort((a, b) => a[0] - b[0]);
        for (const [, s] of order) {
          latency[i][s] = L.min + (L.max - L.min) * rng.next();
          bandwidth[i][s] = Math.exp(Math.log(Bw.min) + (Math.log(Bw.max) - Math.log(Bw.min)) * rng.next());
        }
      });
      return { latency, bandwidth };
    }
    case 'file': {
      let text: string;
      try {
        text = readRegularFile(spec.path).toString('utf8');
      } catch (err) {
        const why = err instanceof RegularFileError ? err.message : 'cannot read';
        throw new ProxmeshError('PROXMESH_ERR_NETWORK', `network.links file ${spec.path}: ${why}`, { path: '/network/links/path' });
      }
      return parseLinkFile(text, links, spec.path);
    }
  }
}
