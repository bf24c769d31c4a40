/**
 * Issue 16, findings 3 and 4 on real sockets (loopback): the coordinator answers /healthz and
 * /metrics while a posted run is being set up (the set-up runs in a worker thread), closes idle,
 * slow-header and slow-body sockets after its (short, configured) timeouts, caps connections and
 * dashboard event streams, and keeps a live event stream open past the idle timeout.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { smallRaw } from '../cluster/helpers.ts';
import { auth, testApp } from '../coordinator/fixtures.ts';

let t: Awaited<ReturnType<typeof testApp>> | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await t?.dispose();
  t = null;
});

async function listen(): Promise<{ port: number; url: string }> {
  await t!.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t!.app.server.address() as { port: number }).port;
  return { port, url: `http://127.0.0.1:${port}` };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

/** Resolves with what the server wrote before it closed the socket; rejects after `ms` (a bound, not a measurement). */
function closedByServer(s: Socket, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
    });
    const timer = setTimeout(() => reject(new Error('socket still open')), ms);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

describe('/healthz while a posted run is being set up', () => {
  it('answers while the set-up thread is busy, and the run is created once it is done', async () => {
    // The gate holds the set-up thread (synchronously, as a long eigen-solve would) until released.
    const gate = new Int32Array(new SharedArrayBuffer(4));
    let started!: () => void;
    const inProgress = new Promise<void>((r) => {
      started = r;
    });
    t = await testApp({ contextOptions: { thread: { gate, onStarted: () => started() } } });
    const { url } = await listen();
    let settled = false;
    const created = fetch(`${url}/runs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ config: smallRaw(), id: 'slow-setup' }),
      signal: AbortSignal.timeout(60_000),
    }).then((r) => {
      settled = true;
      return r;
    });
    await inProgress;
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(20_000) });
    expect(health.status).toBe(200);
    const metrics = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(20_000) });
    expect(metrics.status).toBe(200);
    expect(settled).toBe(false); // the set-up is still in progress
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const res = await created;
    expect(res.status).toBe(201);
    expect(((await res.json()) as { id: string }).id).toBe('slow-setup');
  });

  it('a set-up error from the thread keeps its code and message', async () => {
    t = await testApp();
    const res = await t.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { config: smallRaw({ topology: { kind: 'ring', nodes: 1000 } }) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'PROXMESH_ERR_CONFIG_INCONSISTENT',
      message: expect.stringContaining('1000 nodes but only'),
    });
  });
});

describe('socket timeouts and caps', () => {
  const short = { connectionTimeoutMs: 400, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300, checkIntervalMs: 50 };

  it('an idle socket that never sends a byte is closed', async () => {
    t = await testApp({ limits: short });
    const { port } = await listen();
    await closedByServer(await open(port));
  });

  it('a request whose headers never end is closed (with 408)', async () => {
    t = await testApp({ limits: short });
    const { port } = await listen();
    const s = await open(port);
    const closed = closedByServer(s);
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const keepTalking = setInterval(() => {
      if (!s.destroyed) s.write('X-Slow: 1\r\n');
    }, 100);
    try {
      expect(await closed).toMatch(/^HTTP\/1\.1 408|^$/);
    } finally {
      clearInterval(keepTalking);
    }
  });

  it('a slow body (unauthenticated POST, one byte at a time) is closed', async () => {
    t = await testApp({ limits: short });
    const { port } = await listen();
    const s = await open(port);
    const closed = closedByServer(s);
    s.write('POST /runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    const drip = setInterval(() => {
      if (!s.destroyed) s.write(' ');
    }, 100);
    try {
      await closed;
    } finally {
      clearInterval(drip);
    }
  });

  it('60 idle unauthenticated sockets are all closed', async () => {
    t = await testApp({ limits: short });
    const { port } = await listen();
    const all = await Promise.all(Array.from({ length: 60 }, () => open(port)));
    await Promise.all(all.map((s) => closedByServer(s)));
  });

  it('connections past maxConnections are dropped; the first ones still get answers', async () => {
    t = await testApp({ limits: { maxConnections: 2 } });
    const { port } = await listen();
    const a = await open(port);
    const b = await open(port);
    const c = await open(port);
    await closedByServer(c);
    for (const s of [a, b]) {
      const reply = new Promise<string>((resolve) => {
        s.setEncoding('utf8');
        s.once('data', resolve);
      });
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(await reply).toMatch(/^HTTP\/1\.1 200/);
    }
  });

  it('dashboard event streams are capped (503 PROXMESH_ERR_UNAVAILABLE) and survive the idle timeout', async () => {
    t = await testApp({ limits: { ...short, maxEventStreams: 1 } });
    const { url, port } = await listen();
    const ctl = new AbortController();
    const first = await fetch(`${url}/api/dashboard/events`, { signal: ctl.signal });
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    await reader.read(); // retry: line, the stream is live
    const second = await fetch(`${url}/api/dashboard/events`, { signal: AbortSignal.timeout(20_000) });
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('PROXMESH_ERR_UNAVAILABLE');
    // An idle socket opened after the stream is closed by the timeout; the stream still delivers then.
    await closedByServer(await open(port));
    t.runs.emit('state', 'probe-run', 'waiting');
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: state')) {
      const chunk = await reader.read();
      expect(chunk.done).toBe(false);
      text += decoder.decode(chunk.value);
    }
    ctl.abort();
  });
});
