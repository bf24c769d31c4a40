/**
 * A worker's own /metrics on a real local cluster:
 * - before the start, a raw WebSocket client sends worker 0 an unauthenticated data frame, garbage
 *   and an oversized frame: each is counted in proxmesh_frames_rejected_total{reason} and the run
 *   still finishes with the simulator's exact results;
 * - after the run (workers keep /metrics up for PROXMESH_METRICS_LINGER_MS), the payload bytes the
 *   transport counted per peer sum to what the node reported to the coordinator, and the step-time
 *   histogram has its compute / encode / wait series, one observation per iteration.
 */
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { encodeFrame, maxFrameBytes } from '../../node/codec/frame.ts';
import { encodePayload } from '../../node/codec/payload.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { parseProm, pollUntil, readText, smallConfig, tempDirs } from './helpers.ts';

const dirs = tempDirs();
const sockets: WebSocket[] = [];
afterAll(() => {
  for (const s of sockets) s.terminate();
  dirs.cleanup();
});

async function scrape(url: string): Promise<ReturnType<typeof parseProm>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
  return parseProm(await res.text());
}

const sum = (samples: ReturnType<typeof parseProm>, name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

describe('worker /metrics', () => {
  it('counts rejected frames by reason, and its byte and step-time series match the run', async () => {
    const config = smallConfig({
      algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
      compression: { x: { kind: 'topk', ratio: 0.3, scope: 'global' }, y: { kind: 'topk', ratio: 0.3, scope: 'global' } },
    });
    const dim = 31;
    const rejected: Record<string, number> = {};
    let finalWorker: ReturnType<typeof parseProm> = [];
    let finalCoordinator: ReturnType<typeof parseProm> = [];
    const dir = dirs.make();
    const result = await runLocalCluster(config, {
      outDir: dir,
      signal: AbortSignal.timeout(50_000),
      workerEnv: { PROXMESH_METRICS_LINGER_MS: '30000' },
      beforeStart: async (view) => {
        const w0 = view.workers[0];
        expect(w0.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
        const ws = new WebSocket(w0.peerUrl, { perMessageDeflate: false });
        sockets.push(ws);
        ws.on('error', () => {});
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('close', () => reject(new Error('peer port refused')));
        });
        const payload = encodePayload({ dim, indices: null, values: { kind: 'float', precision: 'f64', data: new Float64Array(dim) } });
        // 1. a well-formed data frame from neighbour 1, but no hello on this connection
        ws.send(encodeFrame({ v: 1, run: view.id, kind: 'data', round: 0, phase: 'x', from: 1, to: 0, seq: 1 }, payload));
        // 2. garbage
        const rng = Rng.derive(5, 0, 'garbage');
        ws.send(Uint8Array.from({ length: 200 }, () => rng.int(256)));
        // 3. bigger than maxPayload (the socket is closed by ws after this one)
        ws.send(new Uint8Array(maxFrameBytes(dim, 1) + 1024));
        const samples = await pollUntil(async () => {
          const s = await scrape(w0.metricsUrl!);
          const by = (reason: string) => sum(s, 'proxmesh_frames_rejected_total', { reason });
          return by('unauthenticated') >= 1 && by('malformed') >= 1 && by('oversized') >= 1 ? s : undefined;
        }, AbortSignal.timeout(10_000));
        for (const s of samples) if (s.name === 'proxmesh_frames_rejected_total') rejected[s.labels.reason] = s.value;
      },
      beforeTeardown: async (res) => {
        finalWorker = await scrape(res.run.workers[0].metricsUrl!);
        finalCoordinator = await scrape(res.metricsUrl);
      },
    });
    expect(rejected).toMatchObject({ unauthenticated: 1, malformed: 1, oversized: 1, stale: 0, duplicate: 0 });

    // the run was not disturbed
    expect(result.run.state).toBe('done');
    const simDir = dirs.make();
    await runSimulation(config, { outDir: simDir });
    expect(readText(dir, 'metrics.ndjson')).toBe(readText(simDir, 'metrics.ndjson'));

    // payload bytes: transport's per-peer count (real frames) = node 0's report = the coordinator's counter
    const last = result.rows[result.rows.length - 1];
    const peerPayload = sum(finalWorker, 'proxmesh_peer_bytes_sent', { kind: 'payload' });
    const reported0 = sum(finalCoordinator, 'proxmesh_bytes_sent_total', { node: '0' });
    expect(peerPayload).toBeGreaterThan(0);
    expect(peerPayload).toBe(reported0);
    expect(new Set(finalWorker.filter((s) => s.name === 'proxmesh_peer_bytes_sent').map((s) => s.labels.peer))).toEqual(
      new Set(['1', '3']),
    );
    expect(sum(finalCoordinator, 'proxmesh_bytes_sent_total')).toBe(last.bytesSent);

    // step time: one observation per iteration for each of compute, encode, wait; the codec did work
    for (const phase of ['compute', 'encode', 'wait']) {
      expect(sum(finalWorker, 'proxmesh_step_seconds_count', { phase })).toBe(config.iterations);
    }
    expect(sum(finalWorker, 'proxmesh_step_seconds_sum', { phase: 'encode' })).toBeGreaterThan(0);
    expect(sum(finalWorker, 'proxmesh_worker_iteration')).toBe(config.iterations);
  }, 60_000);
});
