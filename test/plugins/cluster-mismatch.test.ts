/**
 * The cluster refuses to start when the workers did not load the same plug-in: two real worker
 * processes, the second finding another version of topk-sr.js (PROXMESH_PLUGIN_DIR points it at a
 * copy with one changed line). That worker refuses the assignment with
 * PROXMESH_ERR_PLUGIN_MISMATCH, and the run fails before any iteration, naming its node. A config
 * posted over HTTP cannot make the coordinator load a plug-in it did not load itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { loadConfig } from '../../node/config/load.ts';
import { auth, testApp, TOKEN } from '../coordinator/fixtures.ts';
import { pollUntil, sourceEntry } from '../cluster/helpers.ts';

const WORKER_BIN = sourceEntry('node/cluster/worker-bin.ts');
const EXAMPLES = join(import.meta.dirname, '../../examples/plugins');
const alt = mkdtempSync(join(tmpdir(), 'proxmesh-plugin-alt-'));
const children: ChildProcess[] = [];
let t: Awaited<ReturnType<typeof testApp>> | null = null;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await t?.dispose();
  rmSync(alt, { recursive: true, force: true });
});

function rawConfig(): Record<string, unknown> {
  return {
    plugins: [join(EXAMPLES, 'topk-sr.js')],
    seed: 3,
    iterations: 6,
    evalEvery: 3,
    batchSize: 8,
    algorithm: { name: 'cdproxsgt', eta: 0.05 },
    compression: { x: { kind: 'topk-sr', ratio: 0.3 }, y: { kind: 'topk-sr', ratio: 0.3 } },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'none' } },
    partition: { kind: 'iid' },
    topology: { kind: 'complete', nodes: 2 },
  };
}

describe('plug-ins on a cluster', () => {
  it('a worker with another version of a plug-in → PROXMESH_ERR_PLUGIN_MISMATCH, the run never starts', async () => {
    // The same file name, one changed line: another SHA-256.
    writeFileSync(join(alt, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(alt, 'topk-sr.js'),
      readFileSync(join(EXAMPLES, 'topk-sr.js'), 'utf8').replace(
        'const F32 = new Float32Array(1);',
        'const F32 = new Float32Array(1); // patched',
      ),
    );
    t = await testApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as { port: number }).port;
    await t.runs.createRun({ config: loadConfig(rawConfig()) }, 'mismatch');
    const stderr = ['', ''];
    for (const id of [0, 1]) {
      const child = spawn(process.execPath, WORKER_BIN, {
        env: {
          ...process.env,
          PROXMESH_TOKEN: TOKEN,
          PROXMESH_COORDINATOR: `ws://127.0.0.1:${port}/control`,
          PROXMESH_ORDINAL: String(id),
          PROXMESH_LISTEN: '127.0.0.1:0',
          PROXMESH_METRICS_LISTEN: 'off',
          ...(id === 1 ? { PROXMESH_PLUGIN_DIR: alt } : {}),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr[id] += d;
      });
      children.push(child);
    }
    const view = await pollUntil(() => {
      const v = t!.runs.get('mismatch');
      return v.state === 'failed' ? v : undefined;
    }, AbortSignal.timeout(60_000));
    expect(view.failure).toMatchObject({ code: 'PROXMESH_ERR_PLUGIN_MISMATCH', node: 1 });
    expect(view.failure!.message).toMatch(/topk-sr\.js: SHA-256 [0-9a-f]{12}… here, but the run was configured with [0-9a-f]{12}…/);
    expect(view.lastIteration ?? null).toBeNull();
    expect(stderr[1]).toMatch(/node 1 failed: PROXMESH_ERR_PLUGIN_MISMATCH/);
    // Both workers are told to stop: they end the run and stay up, registered again for the next
    // run (docs/resume.md "Workers stay up between runs"), and exit 0 on SIGTERM.
    await pollUntil(() => (stderr.every((e) => /registered again \(idle\)/.test(e)) ? true : undefined), AbortSignal.timeout(30_000));
    expect(children.every((c) => c.exitCode === null && c.signalCode === null)).toBe(true);
    const codes = children.map((c) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code))));
    for (const c of children) c.kill('SIGTERM');
    expect(await Promise.all(codes)).toEqual([0, 0]);
  }, 90_000);

  it('a config posted over HTTP may name only plug-ins the coordinator loaded', async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'proxmesh-plugin-http-'));
    const { app } = await buildApp({
      token: TOKEN,
      contexts: createRunContextFactory({ runsDir, setup: 'inline' }),
      validateConfig: (raw) => loadConfig(raw as object, { plugins: 'loaded-only' }),
      defaultMetrics: false,
      env: {},
    });
    try {
      const unknown = { ...rawConfig(), plugins: [join(alt, 'topk-sr.js')] };
      const res = await app.inject({ method: 'POST', url: '/runs', headers: auth, payload: { config: unknown } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'PROXMESH_ERR_PATH_FORBIDDEN', detail: { path: '/plugins/0' } });
      // A file this process loaded (as a coordinator loads its own --config): a posted config may name it.
      loadConfig(rawConfig());
      const known = await app.inject({ method: 'POST', url: '/runs', headers: auth, payload: { config: rawConfig(), id: 'http-ok' } });
      expect(known.statusCode).toBe(201);
    } finally {
      await app.close();
      rmSync(runsDir, { recursive: true, force: true });
    }
  });
});
