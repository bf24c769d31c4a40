/**
 * TLS on every link (issue 12, item 4), with real certificates made here by `openssl`, real worker
 * processes and real sockets:
 *  - a local cluster over wss:// (peer links and control channel) and https:// (the coordinator)
 *    writes metrics.ndjson, metrics.csv and summary.json byte-identical to a plain cluster and to the
 *    simulator;
 *  - under mutual TLS a peer whose certificate comes from another CA (or that shows none) is refused
 *    on a worker's peer port and on the coordinator's /control, and each refusal is counted in
 *    proxmesh_tls_rejected_total; the run, attacked before its start, still ends byte-identical.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { loadTls, type TlsSettings } from '../../node/transport/tls-options.ts';
import { IN_CI } from '../support/system.ts';
import { OPENSSL_AVAILABLE, makeTestPki, type CertFiles, type TestPki } from '../support/tls-certs.ts';
import { httpsGet } from '../support/https-get.ts';
import { parseProm, readText, smallConfig, tempDirs } from './helpers.ts';

const dirs = tempDirs();
let pki: TestPki;

beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => {
  dirs.cleanup();
  pki?.cleanup();
});

const config = smallConfig({
  algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
  compression: { x: { kind: 'randk', ratio: 0.3, scope: 'layer' }, y: { kind: 'qsgd', levels: 8, scope: 'global' } },
});

function settings(files: CertFiles, mtls: boolean): TlsSettings {
  return loadTls({ cert: files.cert, key: files.key, ca: files.ca, mtls })!;
}

/** Opens a WebSocket and reports how it ended: 'open' (the upgrade succeeded) or the error/close. */
function tryWs(url: string, opts: WebSocket.ClientOptions): Promise<{ opened: boolean; error: string | null; status: number | null }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 5000, ...opts });
    let error: string | null = null;
    let status: number | null = null;
    ws.on('error', (err: Error & { code?: string }) => (error = err.code ?? err.message));
    ws.on('unexpected-response', (_req, res) => {
      status = res.statusCode ?? null;
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true, error, status });
    });
    ws.once('close', () => resolve({ opened: false, error, status }));
  });
}

function sample(text: string, name: string, labels: Record<string, string>): number {
  const hit = parseProm(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit?.value ?? 0;
}

describe.skipIf(!OPENSSL_AVAILABLE && !IN_CI)('TLS on every link (certificates from openssl)', () => {
  it('a cluster over wss:// and https:// writes the same bytes as a plain cluster and as the simulator', async () => {
    const simDir = dirs.make();
    const plainDir = dirs.make();
    const tlsDir = dirs.make();
    await runSimulation(config, { outDir: simDir });
    const plain = await runLocalCluster(config, { outDir: plainDir, signal: AbortSignal.timeout(50_000) });
    let peerUrls: string[] = [];
    const secure = await runLocalCluster(config, {
      outDir: tlsDir,
      signal: AbortSignal.timeout(50_000),
      tls: settings(pki.good, false),
      beforeStart: async (view) => {
        peerUrls = view.workers.map((w) => w.peerUrl);
      },
    });
    expect(plain.run.state).toBe('done');
    expect(secure.run.state).toBe('done');
    // Really TLS: the coordinator served https and every worker registered a wss:// peer URL.
    expect(plain.metricsUrl.startsWith('http://')).toBe(true);
    expect(secure.metricsUrl.startsWith('https://')).toBe(true);
    expect(peerUrls).toHaveLength(4);
    for (const u of peerUrls) expect(u).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    for (const file of ['metrics.ndjson', 'metrics.csv', 'edges.csv']) {
      const simText = readText(simDir, file);
      expect(readText(plainDir, file)).toBe(simText);
      expect(readText(tlsDir, file)).toBe(simText);
    }
    expect(readText(simDir, 'metrics.ndjson').trim().split('\n')).toHaveLength(5);
    expect(JSON.parse(readText(tlsDir, 'summary.json'))).toEqual(JSON.parse(readText(simDir, 'summary.json')));
  }, 120_000);

  it("mutual TLS refuses and counts another CA's certificate (and none) on a worker's peer port and the coordinator's /control; the run is unaffected", async () => {
    const simDir = dirs.make();
    const dir = dirs.make();
    await runSimulation(config, { outDir: simDir });
    const ca = readFileSync(pki.good.ca);
    const rogue = { cert: readFileSync(pki.rogue.cert), key: readFileSync(pki.rogue.key) };
    const good = { cert: readFileSync(pki.good.cert), key: readFileSync(pki.good.key) };
    const seen: Record<string, unknown> = {};
    let coordinator = '';
    const result = await runLocalCluster(config, {
      outDir: dir,
      signal: AbortSignal.timeout(50_000),
      tls: settings(pki.good, true),
      onSpawned: ({ url }) => {
        coordinator = url;
      },
      // Every peer link is up; the attacks come before round 0.
      beforeStart: async (view) => {
        const w0 = view.workers.find((w) => w.node === 0)!;
        const peer = `${w0.peerUrl}/node/0`;
        // The rogue trusts the cluster CA (it can verify the worker) but shows a certificate from its own CA.
        seen.peerRogue = await tryWs(peer, { ca, ...rogue });
        seen.peerNoCert = await tryWs(peer, { ca });
        // The cluster's certificate passes TLS (the transport then wants the token's proof: auth on top).
        seen.peerGood = await tryWs(peer, { ca, ...good });
        const workerMetrics = await (await fetch(w0.metricsUrl!)).text();
        seen.peerUnknownCa = sample(workerMetrics, 'proxmesh_tls_rejected_total', { listener: 'peer', reason: 'unknown-ca' });
        seen.peerNoCertCount = sample(workerMetrics, 'proxmesh_tls_rejected_total', { listener: 'peer', reason: 'no-certificate' });

        const control = `${coordinator.replace(/^https:/, 'wss:')}/control`;
        seen.controlRogue = await tryWs(control, { ca, ...rogue });
        seen.controlNoCert = await tryWs(control, { ca });
        seen.health = (await httpsGet(`${coordinator}/healthz`, { ca })).status;
        const metrics = await httpsGet(`${coordinator}/metrics`, { ca });
        seen.controlUnknownCa = sample(metrics.body, 'proxmesh_tls_rejected_total', { listener: 'control', reason: 'unknown-ca' });
        seen.controlNoCertCount = sample(metrics.body, 'proxmesh_tls_rejected_total', { listener: 'control', reason: 'no-certificate' });
      },
    });
    expect(result.run.state).toBe('done');
    expect(seen.peerRogue).toMatchObject({ opened: false });
    expect(seen.peerNoCert).toMatchObject({ opened: false });
    expect(seen.peerGood).toMatchObject({ opened: true });
    expect(seen.peerUnknownCa).toBe(1);
    expect(seen.peerNoCertCount).toBe(1);
    // /control answers 403 before the upgrade; the API and probes need no client certificate.
    expect(seen.controlRogue).toMatchObject({ opened: false, status: 403 });
    expect(seen.controlNoCert).toMatchObject({ opened: false, status: 403 });
    expect(seen.health).toBe(200);
    expect(seen.controlUnknownCa).toBe(1);
    expect(seen.controlNoCertCount).toBe(1);
    expect(readText(dir, 'metrics.ndjson')).toBe(readText(simDir, 'metrics.ndjson'));
  }, 120_000);
});
