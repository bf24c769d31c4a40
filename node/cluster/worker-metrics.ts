/**
 * A worker's own /metrics (prom-client, one registry per worker): per-peer bytes and frames from the
 * transport's real frame lengths, frames rejected by reason, and the step-time histogram split into
 * compute, encode and wait. Prometheus can scrape workers directly (Kubernetes); the coordinator's
 * /metrics carries the cluster view.
 */
import { createServer, type Server } from 'node:http';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PeerTransport } from '../transport/types.ts';

/**
 * Sampling period (ms) of the event-loop-delay monitor behind prom-client's default lag metrics. Its
 * default, 10 ms, is a libuv timer that wakes an idle worker 100 times a second: on a loaded machine
 * each wake-up can preempt a peer that is mid-round (the wake-ups were a third of a BEER worker's,
 * issue 11). At 100 ms the lag metrics stay (sampled 10× less often) and the wake-ups go.
 */
export const EVENT_LOOP_MONITORING_MS = 100;

export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'proxmesh_worker_', eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_MS });
  const labels = ['run', 'node'];
  const peerLabels = ['run', 'node', 'peer', 'kind'];
  let transport: PeerTransport | null = null;
  let runLabels = { run: '', node: '' };
  let stepChildren: Array<{ observe(v: number): void }> | null = null;

  // Byte and frame counts are read from the transport at scrape time (collect), so they always equal
  // its counters; gauges are used because a counter cannot be set to an absolute value.
  new Gauge({
    name: 'proxmesh_peer_bytes_sent',
    help: 'Bytes sent to each peer (kind: payload | envelope | control)',
    labelNames: peerLabels,
    registers: [registry],
    collect() {
      fill(this, 'sent', 'bytes');
    },
  });
  new Gauge({
    name: 'proxmesh_peer_bytes_received',
    help: 'Bytes received from each peer (kind: payload | envelope | control)',
    labelNames: peerLabels,
    registers: [registry],
    collect() {
      fill(this, 'received', 'bytes');
    },
  });
  new Gauge({
    name: 'proxmesh_peer_frames_sent',
    help: 'Frames sent to each peer (kind: data | control)',
    labelNames: peerLabels,
    registers: [registry],
    collect() {
      fill(this, 'sent', 'frames');
    },
  });
  new Gauge({
    name: 'proxmesh_peer_frames_received',
    help: 'Frames received from each peer (kind: data | control)',
    labelNames: peerLabels,
    registers: [registry],
    collect() {
      fill(this, 'received', 'frames');
    },
  });
  new Gauge({
    name: 'proxmesh_frames_rejected_total',
    help: 'Frames rejected by this node, by reason',
    labelNames: ['run', 'node', 'reason'],
    registers: [registry],
    collect() {
      if (!transport) return;
      for (const [reason, count] of Object.entries(transport.stats().rejected)) this.set({ ...runLabels, reason }, count);
    },
  });
  const iteration = new Gauge({
    name: 'proxmesh_worker_iteration',
    help: 'Iterations completed by this node',
    labelNames: labels,
    registers: [registry],
  });
  const stepSeconds = new Histogram({
    name: 'proxmesh_step_seconds',
    help: 'Time per iteration, split into compute (gradient, prox, mixing), encode (codec) and wait (for neighbours)',
    labelNames: ['run', 'node', 'phase'],
    buckets: [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });

  function fill(g: Gauge, dir: 'sent' | 'received', what: 'bytes' | 'frames'): void {
    if (!transport) return;
    for (const [peer, st] of transport.stats().peers) {
      const c = st[dir];
      const l = { ...runLabels, peer: String(peer) };
      if (what === 'bytes') {
        g.set({ ...l, kind: 'payload' }, c.payloadBytes);
        g.set({ ...l, kind: 'envelope' }, c.envelopeBytes);
        g.set({ ...l, kind: 'control' }, c.controlBytes);
      } else {
        g.set({ ...l, kind: 'data' }, c.frames);
        g.set({ ...l, kind: 'control' }, c.controlFrames);
      }
    }
  }

  return {
    registry,
    bind(t: PeerTransport, run: string, node: number): void {
      transport = t;
      runLabels = { run, node: String(node) };
      stepChildren = null;
    },
    observeStep(compute: number, encode: number, wait: number): void {
      // Children bound once per run (labels hashed once), not a label object per phase per iteration.
      if (stepChildren === null)
        stepChildren = (['compute', 'encode', 'wait'] as const).map((phase) => stepSeconds.labels({ ...runLabels, phase }));
      stepChildren[0].observe(compute);
      stepChildren[1].observe(encode);
      stepChildren[2].observe(wait);
    },
    setIteration(k: number): void {
      iteration.set(runLabels, k);
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** Serves GET /metrics (and /healthz) on host:port; resolves with the bound port. */
export async function serveMetrics(metrics: WorkerMetrics, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('content-type', metrics.registry.contentType);
      res.end(await metrics.registry.metrics());
    } else if (req.url === '/healthz') {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}
