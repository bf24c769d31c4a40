/**
 * One real worker process against a coordinator whose other node never answers: SIGTERM while the
 * worker is waiting for its peer links ends it at once (exit 0), instead of waiting out the peer
 * timeout with a listener and a timer keeping it alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { createControlCodec } from '../../node/protocol/control-protocol.ts';
import { auth, testApp, TOKEN } from '../coordinator/fixtures.ts';
import { openControl, pollUntil, smallRaw, sourceEntry } from './helpers.ts';

const WORKER_BIN = sourceEntry('node/cluster/worker-bin.ts');
let t: Awaited<ReturnType<typeof testApp>> | null = null;
let child: ChildProcess | null = null;
let fake: WebSocket | null = null;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fake?.terminate();
  await t?.dispose();
});

describe('worker process', () => {
  it('SIGTERM while waiting for peer links: exits promptly with status 0', async () => {
    t = await testApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as { port: number }).port;
    const created = await t.app.inject({
      method: 'POST',
      url: '/runs',
      headers: auth,
      payload: { config: smallRaw({ topology: { kind: 'complete', nodes: 2 } }), id: 'wp' },
    });
    expect(created.statusCode).toBe(201);
    // node 1: a control client whose peer address refuses connections
    fake = await openControl(`ws://127.0.0.1:${port}/control`, TOKEN);
    fake.send(createControlCodec().encode({ t: 'register', peerUrl: 'ws://127.0.0.1:9', ordinal: 1, metricsUrl: null }));

    let stderr = '';
    child = spawn(process.execPath, WORKER_BIN, {
      env: {
        ...process.env,
        PROXMESH_TOKEN: TOKEN,
        PROXMESH_COORDINATOR: `ws://127.0.0.1:${port}/control`,
        PROXMESH_ORDINAL: '0',
        PROXMESH_LISTEN: '127.0.0.1:0',
        PROXMESH_METRICS_LISTEN: 'off',
        PROXMESH_PEER_TIMEOUT_MS: '60000',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await pollUntil(() => (/waiting for peers 1/.test(stderr) ? true : undefined), AbortSignal.timeout(30_000));
    expect(t.runs.get('wp').state).toBe('assigned');
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(code).toBe(0);
    // the coordinator saw node 0 leave and failed the run, naming it
    await pollUntil(() => (t!.runs.get('wp').state === 'failed' ? true : undefined), AbortSignal.timeout(5000));
    expect(t.runs.get('wp').failure).toMatchObject({ code: 'PROXMESH_ERR_WORKER_FAILED', node: 0 });
  }, 60_000);
});
