/**
 * The WebSocket transport over wss:// with mutual TLS (certificates made by `openssl`): the whole
 * PeerTransport compliance suite runs over it (token handshake, MACs, rejections, reconnects: token
 * auth on top of TLS), and the TLS-specific refusals are checked on real sockets: a listener refuses
 * and counts a client certificate from another CA, a dial refuses and counts a server certificate
 * from another CA, and a TLS node never falls back to plain ws:// toward a plain peer.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WsTransport } from '../../node/transport/ws.ts';
import type { BaseTransport } from '../../node/transport/base-transport.ts';
import { createTlsRejections, loadTls, type TlsRejections, type TlsSettings } from '../../node/transport/tls-options.ts';
import { IN_CI } from '../support/system.ts';
import { OPENSSL_AVAILABLE, makeTestPki, type CertFiles } from '../support/tls-certs.ts';
import { transportCompliance } from './compliance.ts';
import { RUN, TOKEN, neighboursOf, openRawSocket, waitUntil, type ClusterOptions, type TestCluster } from './helpers.ts';

const RUNS = OPENSSL_AVAILABLE || IN_CI;
// Made at import (synchronously): the compliance suite registers its tests at import too.
const pki = RUNS ? makeTestPki() : null;
afterAll(() => pki?.cleanup());

const settings = (files: CertFiles, mtls = true): TlsSettings => loadTls({ cert: files.cert, key: files.key, ca: files.ca, mtls })!;

function transport(
  id: number,
  neighbours: number[],
  tls: { settings: TlsSettings; rejections: TlsRejections } | null,
  addr: (peer: number) => string | undefined,
  extra: Partial<ConstructorParameters<typeof WsTransport>[0]> = {},
): WsTransport {
  return new WsTransport({
    id,
    run: RUN,
    token: TOKEN,
    neighbours,
    maxFrameBytes: 1 << 16,
    expectedDim: 4,
    backoff: { initialMs: 5, maxMs: 50 },
    host: '127.0.0.1',
    port: 0,
    peerAddress: addr,
    tls,
    ...extra,
  });
}

/** A raw wss:// connection presenting `client` (the cluster's certificate in the compliance suite). */
const rawWss = (url: string, client: CertFiles) =>
  openRawSocket(url, { ca: readFileSync(pki!.good.ca), cert: readFileSync(client.cert), key: readFileSync(client.key) });

async function createWssCluster(o: ClusterOptions): Promise<TestCluster> {
  const transports = new Map<number, WsTransport>();
  const urls = new Map<number, string>();
  for (const i of o.only ?? [...Array(o.n).keys()]) {
    transports.set(
      i,
      transport(i, neighboursOf(o, i), { settings: settings(pki!.good), rejections: createTlsRejections(null) }, (peer) => urls.get(peer), {
        heartbeatMs: o.heartbeatMs,
        stallMs: o.stallMs,
        peerTimeoutMs: o.peerTimeoutMs,
        helloTimeoutMs: o.helloTimeoutMs,
        maxFrameBytes: o.maxFrameBytes ?? 1 << 20,
        expectedDim: o.dim,
      }),
    );
  }
  await Promise.all([...transports.values()].map((t) => t.start()));
  for (const [i, t] of transports) urls.set(i, t.url);
  return {
    transports: transports as Map<number, BaseTransport>,
    raw: (to) => rawWss(transports.get(to)!.url, pki!.good),
    async close() {
      await Promise.all([...transports.values()].map((t) => t.stop()));
    },
  };
}

if (RUNS) transportCompliance({ name: 'ws over mutual TLS (wss://)', create: createWssCluster });

describe.skipIf(!RUNS)('wss:// refusals on real sockets', () => {
  const started: WsTransport[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.stop()));
  });
  /** Peers each started transport has authenticated a link with ('peer:connected'). */
  const linked = new Map<WsTransport, Set<number>>();
  const start = async (t: WsTransport) => {
    started.push(t);
    const peers = new Set<number>();
    linked.set(t, peers);
    t.on('peer:connected', ({ peer }) => peers.add(peer));
    await t.start();
    return t;
  };
  const peersOf = (t: WsTransport) => [...linked.get(t)!];

  it('urls are wss:// and a link between two nodes of the cluster CA opens', async () => {
    const urls = new Map<number, string>();
    const a = await start(transport(0, [1], { settings: settings(pki!.good), rejections: createTlsRejections(null) }, (p) => urls.get(p)));
    const b = await start(transport(1, [0], { settings: settings(pki!.good), rejections: createTlsRejections(null) }, (p) => urls.get(p)));
    urls.set(0, a.url);
    urls.set(1, b.url);
    expect(b.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    await waitUntil(() => peersOf(a).includes(1) && peersOf(b).includes(0), 'the TLS link', 10_000);
  });

  it('a listener refuses and counts a client certificate from another CA; the dialler never connects', async () => {
    const urls = new Map<number, string>();
    const listenerRejections = createTlsRejections(null);
    const dialRejections = createTlsRejections(null);
    // Node 0 dials with the rogue certificate; it trusts the cluster CA, so it accepts node 1's server certificate.
    const rogueSettings: TlsSettings = { ...settings(pki!.rogue), ca: readFileSync(pki!.good.ca) };
    const a = await start(transport(0, [1], { settings: rogueSettings, rejections: dialRejections }, (p) => urls.get(p)));
    const b = await start(transport(1, [0], { settings: settings(pki!.good), rejections: listenerRejections }, (p) => urls.get(p)));
    urls.set(1, b.url);
    await waitUntil(() => (listenerRejections.snapshot()['peer/unknown-ca'] ?? 0) >= 2, 'refusals of the retried dial', 10_000);
    expect(peersOf(b)).toEqual([]);
    expect(peersOf(a)).toEqual([]);
  });

  it('a dial refuses and counts a server certificate from another CA', async () => {
    const urls = new Map<number, string>();
    const dialRejections = createTlsRejections(null);
    const a = await start(transport(0, [1], { settings: settings(pki!.good), rejections: dialRejections }, (p) => urls.get(p)));
    const b = await start(
      transport(1, [0], { settings: settings(pki!.rogue, false), rejections: createTlsRejections(null) }, (p) => urls.get(p)),
    );
    urls.set(1, b.url);
    await waitUntil(() => (dialRejections.snapshot()['dial/unknown-ca'] ?? 0) >= 2, 'refused dials', 10_000);
    expect(peersOf(a)).toEqual([]);
  });

  it('a TLS node dials a plain ws:// URL as wss:// and never links to a plain peer (no downgrade)', async () => {
    const urls = new Map<number, string>();
    const dialRejections = createTlsRejections(null);
    const a = await start(transport(0, [1], { settings: settings(pki!.good), rejections: dialRejections }, (p) => urls.get(p)));
    const b = await start(transport(1, [0], null, (p) => urls.get(p)));
    urls.set(1, b.url);
    expect(b.url.startsWith('ws://')).toBe(true);
    await waitUntil(() => (dialRejections.snapshot()['dial/handshake'] ?? 0) >= 2, 'failed TLS handshakes', 10_000);
    expect(peersOf(a)).toEqual([]);
    expect(peersOf(b)).toEqual([]);
  });
});
