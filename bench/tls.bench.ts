/**
 * What TLS costs a peer link: two WebSocket transports in this process, plain ws:// against wss://
 * with mutual TLS (P-256 certificates made by openssl, as in the tests), measured back to back.
 *  - link set-up: dial → authenticated link ('peer:connected'), ms per link (TCP + TLS handshake + token hello);
 *  - throughput: F frames of d float32 coordinates (payload 4d bytes) from node 0 to node 1, MB/s of payload.
 * Plain and TLS repetitions alternate, so load on the machine hits both alike; the ratio is the figure
 * to read, not the absolute times. Run: node --import tsx bench/tls.bench.ts (or npm run bench -- tls).
 */
import { performance } from 'node:perf_hooks';
import { encodePayload } from '../node/codec/payload.ts';
import { maxFrameBytes } from '../node/codec/frame.ts';
import { WsTransport } from '../node/transport/ws.ts';
import { createTlsRejections, loadTls, type TlsSettings } from '../node/transport/tls-options.ts';
// The tests' certificate maker (openssl): a CA and a leaf for 127.0.0.1.
import { makeTestPki } from '../test/support/tls-certs.ts';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const SIZES = [256, 16_384, 262_144]; // d: 1 KiB, 64 KiB, 1 MiB payloads
const BYTES_PER_ROUND = 8 * 1024 * 1024; // F = this / payload (at least 8 frames)

async function pair(tls: TlsSettings | null, dim: number): Promise<{ a: WsTransport; b: WsTransport; linkMs: number }> {
  const urls = new Map<number, string>();
  const make = (id: number, peer: number) =>
    new WsTransport({
      id,
      run: 'bench',
      token: 'bench-token',
      neighbours: [peer],
      maxFrameBytes: maxFrameBytes(dim, 1),
      expectedDim: dim,
      host: '127.0.0.1',
      port: 0,
      peerAddress: (p) => urls.get(p),
      backoff: { initialMs: 1, maxMs: 5 },
      tls: tls === null ? null : { settings: tls, rejections: createTlsRejections(null) },
    });
  const a = make(0, 1);
  const b = make(1, 0);
  await b.start();
  urls.set(1, b.url);
  const linked = new Promise<void>((resolve) => a.on('peer:connected', () => resolve()));
  const t0 = performance.now();
  await a.start(); // node 0 dials node 1 (the lower id dials)
  await linked;
  return { a, b, linkMs: performance.now() - t0 };
}

async function throughput(tls: TlsSettings | null, dim: number): Promise<{ linkMs: number; mbps: number }> {
  const { a, b, linkMs } = await pair(tls, dim);
  const payload = encodePayload({
    dim,
    indices: null,
    values: { kind: 'float', precision: 'f32', data: new Float64Array(dim).map((_, i) => Math.fround(i * 1e-3)) },
  });
  const frames = Math.max(8, Math.floor(BYTES_PER_ROUND / payload.length));
  let got = 0;
  const done = new Promise<void>((resolve) =>
    b.onFrame(() => {
      if (++got === frames) resolve();
    }),
  );
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let k = 0; k < frames; k++) sends.push(a.send(1, { round: k, phase: 'x' }, payload));
  await Promise.all(sends);
  await done;
  const s = (performance.now() - t0) / 1000;
  await a.stop();
  await b.stop();
  return { linkMs, mbps: (frames * payload.length) / s / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const pki = makeTestPki();
  try {
    const tls = loadTls({ cert: pki.good.cert, key: pki.good.key, ca: pki.good.ca, mtls: true });
    console.log(
      `# TLS cost of a peer link (plain ws:// vs wss:// with mutual TLS, P-256), ${REPS} alternating repetitions, medians; node ${process.version}`,
    );
    console.log('| payload | plain MB/s | wss MB/s | wss / plain | plain link ms | wss link ms |');
    console.log('|---|---|---|---|---|---|');
    for (const dim of SIZES) {
      const plain: { linkMs: number; mbps: number }[] = [];
      const secure: { linkMs: number; mbps: number }[] = [];
      for (let r = 0; r < REPS; r++) {
        plain.push(await throughput(null, dim));
        secure.push(await throughput(tls, dim));
      }
      const p = median(plain.map((x) => x.mbps));
      const s = median(secure.map((x) => x.mbps));
      const f = (x: number) => x.toPrecision(3);
      console.log(
        `| ${((dim * 4) / 1024).toFixed(0)} KiB | ${f(p)} | ${f(s)} | ${(s / p).toFixed(2)} | ${median(plain.map((x) => x.linkMs)).toFixed(1)} | ${median(secure.map((x) => x.linkMs)).toFixed(1)} |`,
      );
    }
  } finally {
    pki.cleanup();
  }
}

await main();
