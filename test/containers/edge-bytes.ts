/**
 * Per-edge traffic, from each worker's own /metrics (proxmesh_peer_bytes_sent{node,peer,kind}).
 * Workers exit when their run ends, taking /metrics with them, so the scraper polls during the run and
 * keeps each worker's last answer; figures are as of that scrape (printed, not asserted).
 */
import type { Cluster } from './cluster.ts';

export interface EdgeBytes {
  readonly from: number;
  readonly to: number;
  readonly payload: number;
  readonly envelope: number;
  readonly control: number;
}

export function parseEdgeBytes(text: string): EdgeBytes[] {
  const edges = new Map<string, { from: number; to: number; payload: number; envelope: number; control: number }>();
  for (const m of text.matchAll(/^proxmesh_peer_bytes_sent\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${labels.node}->${labels.peer}`;
    const e = edges.get(key) ?? { from: Number(labels.node), to: Number(labels.peer), payload: 0, envelope: 0, control: 0 };
    if (labels.kind === 'payload' || labels.kind === 'envelope' || labels.kind === 'control') e[labels.kind] = Number(m[2]);
    edges.set(key, e);
  }
  return [...edges.values()].sort((a, b) => a.from - b.from || a.to - b.to);
}

export interface Scraper {
  /** Stops polling; returns the edges of every worker's last successful scrape. */
  stop(): EdgeBytes[];
}

export function scrapeEdgeBytes(c: Cluster, intervalMs = 500): Scraper {
  const last: string[] = c.workers.map(() => '');
  const urls = c.workers.map((w) => `http://${w.getHost()}:${w.getMappedPort(9464)}/metrics`);
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    await Promise.all(
      urls.map(async (url, i) => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(intervalMs * 2) });
          if (res.ok) last[i] = await res.text();
        } catch {
          /* worker gone or cut off: keep the previous scrape */
        }
      }),
    );
    busy = false;
  };
  const timer = setInterval(() => void tick(), intervalMs);
  void tick();
  return {
    stop() {
      clearInterval(timer);
      return last.flatMap(parseEdgeBytes);
    },
  };
}

export function formatEdges(edges: readonly EdgeBytes[]): string {
  return edges.map((e) => `  ${e.from}→${e.to}: payload ${e.payload} B, envelope ${e.envelope} B, control ${e.control} B`).join('\n');
}
