/**
 * `proxmesh run`: a real cluster on loopback — the coordinator in this process (Fastify on an
 * ephemeral port) and N worker processes (child_process), each with its own peer port. Workers get
 * the cluster token through the environment (never argv, which `ps` shows). A worker that dies fails
 * the run at once with its stderr; teardown always terminates every child (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import type { RunView } from '../../coordinator/run-manager.ts';
import { loadConfig } from '../config/load.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import type { MetricsRow } from '../eval/aggregate-reports.ts';
import { defaultRunDir } from '../results/run-folder.ts';
import { buildRunTopology } from '../sim/assemble.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'bin.js');

export interface LocalClusterProgress {
  readonly iterations: number;
  readonly row: MetricsRow;
}

export interface LocalClusterOptions {
  /** Run folder (default: <output.dir>/<output.name or timestamp>). */
  readonly outDir?: string;
  readonly onProgress?: (p: LocalClusterProgress) => void;
  /** Called once the coordinator listens (for printing its /metrics address). */
  readonly onListening?: (info: { url: string; metricsUrl: string; runId: string; dir: string }) => void;
  /** Aborting stops the run and tears everything down (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Environment additions for the workers (tests). */
  readonly workerEnv?: Record<string, string>;
  /** Lines of each worker's stderr kept for error reports. */
  readonly stderrLines?: number;
}

export interface LocalClusterResult {
  readonly dir: string;
  readonly run: RunView;
  readonly rows: readonly MetricsRow[];
  readonly metricsUrl: string;
}

interface WorkerProc {
  readonly id: number;
  readonly child: ChildProcess;
  readonly stderr: string[];
  exited: boolean;
}

export async function runLocalCluster(config: FrozenConfig, opts: LocalClusterOptions = {}): Promise<LocalClusterResult> {
  const n = buildRunTopology(config).graph.n;
  const dir = opts.outDir ?? defaultRunDir(config.output.dir, config.output.name, new Date());
  const token = randomBytes(24).toString('hex');
  const runId = `local-${Date.now().toString(36)}`;
  const { app, runs } = await buildApp({
    token,
    contexts: createRunContextFactory({ runsDir: config.output.dir, dirFor: (id) => (id === runId ? dir : undefined) }),
    validateConfig: (raw) => loadConfig(raw as object),
    defaultMetrics: true,
  });
  const workers: WorkerProc[] = [];
  const rows: MetricsRow[] = [];
  const onRow = (id: string, row: MetricsRow) => {
    if (id !== runId) return;
    rows.push(row);
    opts.onProgress?.({ iterations: config.iterations, row });
  };
  runs.on('row', onRow);
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}`;
    await runs.createRun({ config }, runId);
    opts.onListening?.({ url, metricsUrl: `${url}/metrics`, runId, dir });
    const keep = opts.stderrLines ?? 40;
    for (let id = 0; id < n; id++) {
      const child = spawn(process.execPath, [BIN, 'worker', '--coordinator', `ws://127.0.0.1:${port}/control`, '--ordinal', String(id), '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'], {
        env: { ...process.env, ...opts.workerEnv, PROXMESH_TOKEN: token },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const w: WorkerProc = { id, child, stderr: [], exited: false };
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) w.stderr.push(line);
        if (w.stderr.length > keep) w.stderr.splice(0, w.stderr.length - keep);
      });
      child.on('exit', (code, sig) => {
        w.exited = true;
        const state = runs.get(runId).state;
        if ((code !== 0 || sig) && state !== 'done' && state !== 'failed') {
          const last = runs.get(runId).lastIteration;
          runs.abort(runId, {
            code: 'PROXMESH_ERR_WORKER_FAILED',
            message: `worker ${id} (pid ${child.pid}) exited with ${sig ?? `code ${code}`} (last evaluated iteration ${last ?? 'none'})` +
              (w.stderr.length ? `; its stderr:\n${w.stderr.join('\n')}` : ''),
            node: id,
            round: null,
          });
        }
      });
      workers.push(w);
    }
    const view = await runs.waitForEnd(runId, opts.signal);
    return { dir, run: view, rows, metricsUrl: `${url}/metrics` };
  } catch (err) {
    if (opts.signal?.aborted && !(err instanceof ProxmeshError)) {
      try { runs.abort(runId, { code: 'PROXMESH_ERR_WORKER_FAILED', message: 'interrupted', node: null, round: null }); } catch { /* not created */ }
    }
    throw err;
  } finally {
    runs.off('row', onRow);
    await terminate(workers);
    await app.close();
  }
}

/** SIGTERM every live child, then SIGKILL those still alive after 3 s; resolves when all exited. */
async function terminate(workers: WorkerProc[]): Promise<void> {
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    if (w.exited || w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
    const kill = setTimeout(() => w.child.kill('SIGKILL'), 3000);
    w.child.once('exit', () => { clearTimeout(kill); resolve(); });
    w.child.kill('SIGTERM');
  })));
}
