/**
 * `proxmesh run` as a user runs it (node node/cli/bin.js run …, a real process tree): a good config
 * exits 0 and writes the run folder; a bad config exits 2 with its code on stderr; SIGINT mid-run
 * stops the coordinator and every worker (the pids from the --json 'started' line are all gone) and
 * leaves a summary.json that says failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pidAlive, pollUntil, smallRaw, sourceEntry, tempDirs } from './helpers.ts';

const BIN = sourceEntry('node/cli/bin.ts');
const dirs = tempDirs();
const children: ChildProcess[] = [];
let workerPids: number[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const p of workerPids.splice(0)) if (pidAlive(p)) process.kill(p, 'SIGKILL');
});
afterAll(() => dirs.cleanup());

interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  exit: Promise<{ code: number | null; signal: string | null }>;
}

function cli(args: string[]): Proc {
  const child = spawn(process.execPath, [...BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const p: Proc = { child, stdout: [], stderr: '', exit: null as never };
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    p.stdout.push(...lines.filter(Boolean));
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    p.stderr += d;
  });
  p.exit = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxmesh ${args.join(' ')} did not exit in time; stderr:\n${p.stderr}`)), 50_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  return p;
}

function configFile(raw: unknown): string {
  const f = join(dirs.make(), 'config.json');
  writeFileSync(f, JSON.stringify(raw));
  return f;
}

const started = (p: Proc) => p.stdout.map((l) => JSON.parse(l)).find((o) => o.type === 'started');

describe('proxmesh run', () => {
  it('a small config: exit 0, --json lines, the run folder, no worker left', async () => {
    const out = join(dirs.make(), 'run');
    const p = cli(['run', '--config', configFile(smallRaw({ iterations: 10, evalEvery: 5 })), '--out', out, '--json']);
    const { code } = await p.exit;
    expect(p.stderr).toBe('');
    expect(code).toBe(0);
    const objs = p.stdout.map((l) => JSON.parse(l));
    expect(objs.map((o) => o.type)).toEqual(['started', 'row', 'row', 'row', 'summary']);
    expect(objs[0]).toMatchObject({ dir: out, coordinator: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(objs[0].workerPids).toHaveLength(4);
    workerPids = objs[0].workerPids;
    expect(objs.at(-1)).toMatchObject({ type: 'summary', dir: out, state: 'done', final: { iter: 10 } });
    for (const f of ['config.json', 'topology.json', 'metrics.ndjson', 'metrics.csv', 'summary.json', 'timings.ndjson'])
      expect(existsSync(join(out, f))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).status).toBe('completed');
    expect(workerPids.filter(pidAlive)).toEqual([]);
  }, 60_000);

  it('a bad config: exit 2 with the code on stderr, nothing spawned', async () => {
    const p = cli([
      'run',
      '--config',
      configFile(smallRaw({ algorithm: { name: 'dproxsgt', eta: -1 } })),
      '--out',
      join(dirs.make(), 'x'),
      '--json',
    ]);
    const { code } = await p.exit;
    expect(code).toBe(2);
    expect(p.stderr).toMatch(/^error PROXMESH_ERR_CONFIG: config \/algorithm\/eta: must be > 0/);
    expect(p.stdout).toEqual([]);
  }, 30_000);

  it('SIGINT mid-run stops everything: no worker process left, summary.json says failed', async () => {
    const out = join(dirs.make(), 'run');
    const p = cli(['run', '--config', configFile(smallRaw({ iterations: 1_000_000, evalEvery: 100 })), '--out', out, '--json']);
    // Generous: on a loaded 2-core machine, four workers loading the sources through tsx take a while.
    await pollUntil(() => (p.stdout.some((l) => JSON.parse(l).type === 'row') ? true : undefined), AbortSignal.timeout(90_000));
    workerPids = started(p).workerPids;
    expect(workerPids.filter(pidAlive)).toHaveLength(4);
    p.child.kill('SIGINT');
    const { code } = await p.exit;
    expect(code).toBe(1);
    expect(p.stderr).toMatch(/error PROXMESH_ERR_WORKER_FAILED: interrupted by SIGINT/);
    expect(workerPids.filter(pidAlive)).toEqual([]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    expect(summary.failure.message).toMatch(/interrupted by SIGINT/);
  }, 120_000);
});
