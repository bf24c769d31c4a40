/**
 * The control channel over real sockets: a socket must prove the token by challenge–response before
 * anything else (no proof in time, a wrong proof, a replayed proof or another message first: closed
 * and counted, never connected), and an authenticated client sending garbage is closed with code
 * 1008 and a reason while the coordinator keeps serving (healthz, and a new worker still registers).
 */
import { pack } from 'msgpackr';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createControlCodec, type CoordinatorMsg } from '../../node/protocol/control-protocol.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { smallRaw } from '../cluster/helpers.ts';
import {
  CLOSE_AUTH_TIMEOUT,
  CLOSE_UNAUTHORIZED,
  WorkerAuth,
  controlContext,
  decodeAuth,
  encodeAuth,
} from '../../node/protocol/control-auth.ts';
import { proof, tokenKey } from '../../node/auth/challenge.ts';
import { openControl } from '../cluster/helpers.ts';
import { auth, testApp, TOKEN } from './fixtures.ts';

let t: Awaited<ReturnType<typeof testApp>>;
let url: string;
const sockets: WebSocket[] = [];
beforeEach(async () => {
  t = await testApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(t.app.server.address() as { port: number }).port}/control`;
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await t.dispose();
});

const bounded = () => AbortSignal.timeout(5000);

function once<T>(emitter: WebSocket, event: string, signal = bounded()): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error(`timed out waiting for '${event}'`));
    signal.addEventListener('abort', onAbort, { once: true });
    emitter.once(event, (...args: unknown[]) => {
      signal.removeEventListener('abort', onAbort);
      resolve(args as T);
    });
  });
}

async function connect(): Promise<WebSocket> {
  const ws = await openControl(url, TOKEN);
  sockets.push(ws);
  return ws;
}

/** An open socket that has not authenticated. */
async function raw(): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  sockets.push(ws);
  ws.on('error', () => {});
  await once(ws, 'open');
  return ws;
}

/** Resolves with the next decoded coordinator message. */
function nextMsg(ws: WebSocket): Promise<CoordinatorMsg> {
  const codec = createControlCodec();
  return once<[Buffer]>(ws, 'message').then(([d]) => codec.decodeCoordinator(d));
}

async function metric(re: RegExp): Promise<number> {
  const body = (await t.app.inject('/metrics')).body;
  const m = re.exec(body);
  return m ? Number(m[1]) : 0;
}

const rejected = (reason: string) => metric(new RegExp(`proxmesh_control_rejected_total\\{reason="${reason}"\\} (\\d+)`));

describe('control channel authentication (challenge–response, the token never on the wire)', () => {
  it('a socket that proves nothing is closed at the deadline (4408), counted, never connected', async () => {
    await t.dispose();
    t = await testApp({ controlAuthTimeoutMs: 300 });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(t.app.server.address() as { port: number }).port}/control`;
    const ws = await raw();
    const [code] = await once<[number, Buffer]>(ws, 'close');
    expect(code).toBe(CLOSE_AUTH_TIMEOUT);
    expect(await rejected('auth-timeout')).toBe(1);
    expect(await metric(/proxmesh_workers_connected (\d+)/)).toBe(0);
  });

  it('a wrong token: the client detects the coordinator proof mismatch, and a proof sent anyway is refused (4401)', async () => {
    const ws = await raw();
    const wrong = new WorkerAuth(`${TOKEN}x`, 'intruder');
    ws.send(wrong.hello());
    const [challenge] = await once<[Buffer]>(ws, 'message');
    expect(() => wrong.answer(challenge)).toThrow(/different tokens/);
    // An attacker without the token sends a proof made with its own (wrong) key.
    const c = decodeAuth(challenge, 'auth-challenge');
    const forged = proof(tokenKey(`${TOKEN}x`), 'init', controlContext('intruder'), new Uint8Array(16), c.nonce);
    const closed = once<[number, Buffer]>(ws, 'close');
    ws.send(encodeAuth({ t: 'auth-proof', proof: forged }));
    expect((await closed)[0]).toBe(CLOSE_UNAUTHORIZED);
    expect(await rejected('bad-proof')).toBe(1);
    expect(await metric(/proxmesh_workers_connected (\d+)/)).toBe(0);
  });

  it("a replayed proof fails: the coordinator's nonce is fresh for every connection", async () => {
    // Record a real worker's hello and proof, then replay both on a new connection.
    const first = await raw();
    const good = new WorkerAuth(TOKEN, 'worker-0');
    const hello = good.hello();
    first.send(hello);
    const [challenge] = await once<[Buffer]>(first, 'message');
    const recorded = good.answer(challenge);
    first.send(recorded);
    await expect.poll(() => metric(/proxmesh_workers_connected (\d+)/), { timeout: 3000 }).toBe(1);
    const replay = await raw();
    replay.send(hello);
    await once(replay, 'message');
    const closed = once<[number, Buffer]>(replay, 'close');
    replay.send(recorded);
    expect((await closed)[0]).toBe(CLOSE_UNAUTHORIZED);
    expect(await rejected('bad-proof')).toBe(1);
    expect(await metric(/proxmesh_workers_connected (\d+)/)).toBe(1);
  });

  it('a control message before the proof (a bearer-era register) is refused with 1008, counted', async () => {
    const ws = await raw();
    const closed = once<[number, Buffer]>(ws, 'close');
    ws.send(createControlCodec().encode({ t: 'register', peerUrl: 'ws://127.0.0.1:1', ordinal: 0, metricsUrl: null }));
    const [code, why] = await closed;
    expect(code).toBe(1008);
    expect(why.toString()).toMatch(/auth-hello/);
    expect(await rejected('auth-malformed')).toBe(1);
    expect(await metric(/proxmesh_workers_connected (\d+)/)).toBe(0);
  });
});

describe('garbage on a connected control socket', () => {
  const rng = Rng.derive(1, 0, 'garbage');
  const random = Buffer.from(Array.from({ length: 64 }, () => rng.int(256)));
  const cases: [string, Buffer | string, RegExp][] = [
    ['random bytes', random, /msgpack|map|unknown type/],
    ['a text frame', 'hello', /must be binary/],
    ['msgpack with an unknown type', pack({ t: 'launch', missiles: 1 }), /unknown type 'launch'/],
    ['msgpack that is not a map', pack([1, 2, 3]), /must be a map/],
    ['register without peerUrl', pack({ t: 'register', ordinal: 0 }), /peerUrl/],
    ['register with a non-ws peerUrl', pack({ t: 'register', peerUrl: 'http://x', ordinal: 0 }), /ws:\/\//],
    [
      'a report from a connection that is no node',
      pack({ t: 'report', runId: 'r', nodeId: 0, iter: 0, x: Buffer.alloc(8), lossSum: 0, lossCount: 0, bytesSent: 0 }),
      /not that node/,
    ],
    [
      'a report whose x is not float64 bytes',
      pack({ t: 'report', runId: 'r', nodeId: 0, iter: 0, x: Buffer.alloc(7), lossSum: 0, lossCount: 0, bytesSent: 0 }),
      /float64/,
    ],
  ];
  it.each(cases)('%s → closed with 1008 and a reason; the coordinator keeps serving', async (_n, data, reason) => {
    const ws = await connect();
    const closed = once<[number, Buffer]>(ws, 'close');
    ws.send(data, { binary: typeof data !== 'string' });
    const [code, why] = await closed;
    expect(code).toBe(1008);
    expect(why.toString()).toMatch(reason);
    expect(await metric(/proxmesh_control_rejected_total\{reason="(?:malformed|protocol)"\} (\d+)/)).toBe(1);
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
    // another worker can still connect and register
    const ok = await connect();
    ok.send(createControlCodec().encode({ t: 'register', peerUrl: 'ws://127.0.0.1:1', ordinal: null, metricsUrl: null }));
    await expect.poll(() => metric(/proxmesh_workers_connected (\d+)/), { timeout: 3000 }).toBe(1);
  });
});

describe('a run over real control sockets', () => {
  it('a report with x of the wrong length fails the run naming the node; workers get stop', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { config: smallRaw({ topology: { kind: 'complete', nodes: 2 } }), id: 'rc' },
    });
    expect(created.statusCode).toBe(201);
    const codec = createControlCodec();
    const ws = [await connect(), await connect()];
    const assigned = ws.map((w) => nextMsg(w));
    for (const [i, w] of ws.entries())
      w.send(codec.encode({ t: 'register', peerUrl: `ws://127.0.0.1:${9000 + i}`, ordinal: i, metricsUrl: null }));
    const msgs = await Promise.all(assigned);
    expect(msgs).toMatchObject([
      { t: 'assign', runId: 'rc', nodeId: 0 },
      { t: 'assign', runId: 'rc', nodeId: 1 },
    ]);
    const started = ws.map((w) => nextMsg(w));
    for (const [i, w] of ws.entries()) w.send(codec.encode({ t: 'ready', runId: 'rc', nodeId: i }));
    expect((await Promise.all(started)).map((m) => m.t)).toEqual(['start', 'start']);
    const stopped = ws.map((w) => nextMsg(w));
    ws[1].send(
      codec.encode({ t: 'report', runId: 'rc', nodeId: 1, iter: 0, x: new Float64Array(3), lossSum: 0, lossCount: 0, bytesSent: 0 }),
    );
    const stops = await Promise.all(stopped);
    expect(stops.map((m) => m.t)).toEqual(['stop', 'stop']);
    const view = t.runs.get('rc');
    expect(view.state).toBe('failed');
    expect(view.failure).toMatchObject({ code: 'PROXMESH_ERR_FRAME_MALFORMED', node: 1 });
    expect(view.failure!.message).toMatch(/node 1 reported x of length 3 .* expected 31/);
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
  });
});
