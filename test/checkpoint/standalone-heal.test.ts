/**
 * The self-healing standalone coordinator (docs/resume.md "Self-healing"): `proxmesh coordinator`
 * and 8 `proxmesh worker` processes, each worker with its own checkpoint folder (its "volume") and
 * a supervisor that starts it again when it dies (a restart policy, as Docker or Kubernetes give).
 * A seeded worker is SIGKILLed at a seeded evaluation: the coordinator rolls the survivors back in
 * their processes, waits for the restarted worker, and the run folder ends byte-identical to
 * `proxmesh sim`'s. The same when the coordinator itself is SIGKILLed and started again: the workers
 * (which stay up between runs) dial it again and it resumes from its checkpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { pidAlive, pollUntil, sourceEntry, tempDirs } from '../cluster/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = sourceEntry('node/cli/bin.ts');
const COMPARED = ['metrics.ndjson', 'metrics.csv', 'summary.json', 'edges.csv'];
const TOKEN = 'standalone-heal-test-token-0123456789';
const RUN_ID = 'heal';
const N = 8;
const dirs = tempDirs();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => dirs.cleanup());

/** The a9a example (8 nodes, CDProxSGT, top-k), 120 iterations, a row every 20 and a checkpoint every 10. */
function configFile(): string {
  const file = join(dirs.make('proxmesh-sheal-cfg-'), 'heal.yaml');
  const yaml = readFileSync(join(ROOT, 'examples', 'a9a-cdproxsgt-ring8.yaml'), 'utf8')
    .replace('iterations: 300', 'iterations: 120')
    .replace('evalEvery: 30', 'evalEvery: 20');
  writeFileSync(file, `${yaml}\ncheckpointEvery: 10\n`);
  return file;
}

/** A port for the coordinator that a restarted coordinator can bind again (the workers dial this URL). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface Proc {
  child: ChildProcess;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: readonly string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [...BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, PROXMESH_TOKEN: TOKEN, PROXMESH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const p: Proc = {
    child,
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    p.stderr += d;
  });
  return p;
}

/** A cluster of standalone processes; each worker is started again when it dies (restart policy). */
function cluster(config: string, runsDir: string, port: number) {
  const coordinatorEnv = {
    PROXMESH_RUNS_DIR: runsDir,
    PROXMESH_RUN_ID: RUN_ID,
    PROXMESH_EXIT_WHEN_DONE: '1',
    PROXMESH_HEAL_TIMEOUT_MS: '120000',
  };
  const startCoordinator = () => start(['coordinator', '--config', config, '--listen', `127.0.0.1:${port}`], coordinatorEnv);
  let coordinator = startCoordinator();
  let stopping = false;
  const restarts = new Array<number>(N).fill(0);
  const workers: Proc[] = [];
  const startWorker = (i: number) => {
    const w = start(['worker'], {
      PROXMESH_COORDINATOR: `ws://127.0.0.1:${port}/control`,
      PROXMESH_ORDINAL: String(i),
      PROXMESH_LISTEN: '127.0.0.1:0',
      PROXMESH_METRICS_LISTEN: 'off',
      PROXMESH_CHECKPOINT_DIR: join(runsDir, `worker-${i}-volume`),
      PROXMESH_PEER_TIMEOUT_MS: '60000',
    });
    workers[i] = w;
    void w.exited.then(() => {
      if (stopping) return;
      restarts[i]++;
      setTimeout(() => startWorker(i), 100);
    });
  };
  for (let i = 0; i < N; i++) startWorker(i);
  return {
    workers,
    restarts,
    get coordinator() {
      return coordinator;
    },
    restartCoordinator() {
      coordinator = startCoordinator();
    },
    /** Rows of the run's metrics.ndjson so far. */
    rows(): number {
      const f = join(runsDir, RUN_ID, 'metrics.ndjson');
      return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
    },
    /** SIGTERM every worker (they stay up between runs); resolves with their exit codes. */
    async stop(): Promise<(number | null)[]> {
      stopping = true;
      for (const w of workers) w.child.kill('SIGTERM');
      return Promise.all(workers.map(async (w) => (await w.exited).code));
    },
  };
}

function expectSameFiles(reference: string, out: string): void {
  for (const f of COMPARED) expect(readFileSync(join(out, f)).equals(readFileSync(join(reference, f))), f).toBe(true);
}

describe('self-healing standalone coordinator (real processes, real SIGKILL, restarted like a pod)', () => {
  let config = '';
  let reference = '';
  beforeAll(async () => {
    config = configFile();
    reference = dirs.make('proxmesh-sheal-sim-');
    await runSimulation(loadConfig(config), { outDir: reference });
  }, 120_000);

  it('a worker SIGKILLed at a seeded evaluation is restarted; the survivors roll back in place; byte-identical to sim', async () => {
    const rng = Rng.derive(13, 'standalone-heal-worker');
    const victim = rng.int(N);
    const atRows = 2 + rng.int(3);
    const runsDir = dirs.make('proxmesh-sheal-');
    const c = cluster(config, runsDir, await freePort());
    await pollUntil(() => (c.rows() >= atRows ? true : undefined), AbortSignal.timeout(180_000), 2);
    const survivorPids = c.workers.filter((_, i) => i !== victim).map((w) => w.child.pid!);
    c.workers[victim].child.kill('SIGKILL');
    const end = await Promise.race([c.coordinator.exited, new Promise<null>((r) => setTimeout(() => r(null), 180_000))]);
    expect(end, c.coordinator.stderr).toEqual({ code: 0, signal: null });
    expect(c.restarts).toEqual(Array.from({ length: N }, (_, i) => (i === victim ? 1 : 0)));
    // The survivors are the same processes: rolled back in place, not restarted.
    expect(c.workers.filter((_, i) => i !== victim).map((w) => w.child.pid)).toEqual(survivorPids);
    expect(survivorPids.every(pidAlive)).toBe(true);
    const out = join(runsDir, RUN_ID);
    expectSameFiles(reference, out);
    const heal = readFileSync(join(out, 'timings.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { phase: string; attempt?: number; iter?: number; reason?: string })
      .filter((e) => e.phase === 'heal');
    expect(heal).toHaveLength(1);
    expect(heal[0].attempt).toBe(1);
    expect(heal[0].iter! % 10).toBe(0);
    expect(heal[0].reason).toMatch(new RegExp(`node ${victim} disconnected`));
    // Workers stay up between runs: each was registered again, idle, when the run ended.
    await pollUntil(
      () => (c.workers.every((w) => /registered again \(idle\)|registered again \(coordinator/.test(w.stderr)) ? true : undefined),
      AbortSignal.timeout(20_000),
    );
    expect(await c.stop()).toEqual(new Array(N).fill(0));
  }, 400_000);

  it('the coordinator SIGKILLed mid-run and started again resumes from its checkpoint; byte-identical to sim', async () => {
    const rng = Rng.derive(13, 'standalone-heal-coordinator');
    const atRows = 2 + rng.int(3);
    const runsDir = dirs.make('proxmesh-sheal-coord-');
    const c = cluster(config, runsDir, await freePort());
    await pollUntil(
      () => (c.rows() >= atRows && existsSync(join(runsDir, RUN_ID, 'checkpoints')) ? true : undefined),
      AbortSignal.timeout(180_000),
      2,
    );
    const workerPids = c.workers.map((w) => w.child.pid!);
    c.coordinator.child.kill('SIGKILL');
    expect((await c.coordinator.exited).signal).toBe('SIGKILL');
    c.restartCoordinator();
    const end = await Promise.race([c.coordinator.exited, new Promise<null>((r) => setTimeout(() => r(null), 180_000))]);
    expect(end, c.coordinator.stderr).toEqual({ code: 0, signal: null });
    expect(c.coordinator.stderr).toMatch(/coordinator restarted: resuming from round \d+/);
    // No worker was restarted: they dialled the new coordinator from the same processes.
    expect(c.restarts).toEqual(new Array(N).fill(0));
    expect(c.workers.map((w) => w.child.pid)).toEqual(workerPids);
    expectSameFiles(reference, join(runsDir, RUN_ID));
    expect(await c.stop()).toEqual(new Array(N).fill(0));
  }, 400_000);
});
