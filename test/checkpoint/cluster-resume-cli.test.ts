/**
 * `proxmesh run --resume` with real processes and real signals (docs/resume.md "Cluster"): the whole
 * `proxmesh run` process (the coordinator lives in it) is SIGKILLed after a seeded coordinator
 * checkpoint; its workers go with their control connection. A second process resumes from the
 * newest round the coordinator and all 8 nodes have, falling back past a truncated node checkpoint
 * with the coded message, and the folder ends byte-identical to `proxmesh sim`'s. Bad input (no
 * checkpoint, another config, a finished run) gets the sim's coded errors and touches nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli, snapshotTree as snapshot, spawnKillable } from '../support/cli-io.ts';
import { nodeStream } from '../../node/resume/node-state.ts';
import { listCheckpoints } from '../../node/checkpoint/store.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { pidAlive, sourceEntry } from '../cluster/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = sourceEntry('node/cli/bin.ts');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'a9a-cdproxsgt-ring8.yaml'), 'utf8')
  .replace('iterations: 300', 'iterations: 120')
  .replace('evalEvery: 30', 'evalEvery: 20');
const COMPARED = ['metrics.ndjson', 'metrics.csv', 'summary.json', 'edges.csv'];

/** `proxmesh run … --json` in a child process; SIGKILLs it as soon as `killWhen()` holds. */
async function spawnRun(
  args: string[],
  killWhen?: () => boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; workerPids: number[] }> {
  const { code, signal, stdout, stderr } = await spawnKillable([...BIN, 'run', ...args, '--json'], ROOT, killWhen, 110_000);
  const started = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; workerPids?: number[] })
    .find((m) => m.type === 'started');
  return { code, signal, stderr, workerPids: started?.workerPids ?? [] };
}

function expectSameFiles(a: string, b: string): void {
  for (const f of COMPARED) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
}

async function noneAlive(pids: number[]): Promise<void> {
  // The workers of a killed `proxmesh run` exit when their control connection closes.
  for (let i = 0; i < 200 && pids.some(pidAlive); i++) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter(pidAlive)).toEqual([]);
}

describe('proxmesh run --resume (real processes)', () => {
  const root = mkdtempSync(join(tmpdir(), 'proxmesh-cluster-resume-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const ckptCfg = join(root, 'ckpt.yaml');
  writeFileSync(ckptCfg, `${EXAMPLE}\ncheckpointEvery: 10\n`);
  const reference = join(root, 'reference');
  // Seeded kill point: the coordinator checkpoint round after which `proxmesh run` is killed.
  const killRound = 10 * (3 + Rng.derive(12, 'cluster-kill-round').int(6)); // 30 … 80 of 120
  beforeAll(async () => {
    expect((await cli(['sim', '--config', ckptCfg, '--out', reference, '--quiet'])).code).toBe(0);
  }, 60_000);

  const killed = join(root, 'killed');
  it(`SIGKILL of the whole run (coordinator included) after round ${killRound}, then --resume past a truncated node checkpoint: byte-identical to sim`, async () => {
    const run = await spawnRun(['--config', ckptCfg, '--out', killed], () =>
      listCheckpoints(killed, 'coordinator').some((c) => c.round >= killRound),
    );
    expect(run.signal).toBe('SIGKILL');
    expect(existsSync(join(killed, 'summary.json'))).toBe(false);
    await noneAlive(run.workerPids);
    // Damage node 3's file of the newest coordinator round: that round is refused, the one before is used.
    const [newest] = listCheckpoints(killed, 'coordinator');
    const victim = listCheckpoints(killed, nodeStream(3)).find((c) => c.round === newest.round)!;
    truncateSync(victim.file, statSync(victim.file).size - 100);
    const resumed = await spawnRun(['--resume', killed]);
    expect(resumed.stderr).toMatch(
      new RegExp(`refused checkpoint: PROXMESH_ERR_CHECKPOINT_CORRUPT: .*node-3-r0*${newest.round}\\.ckpt is unusable: .*truncated`),
    );
    expect(resumed.stderr).toMatch(
      new RegExp(
        `resuming .* round ${newest.round - 10}, at iteration ${newest.round - 10} of 120 \\(fell back to the previous good checkpoint\\)`,
      ),
    );
    expect(resumed.code).toBe(0);
    expectSameFiles(reference, killed);
    await noneAlive(resumed.workerPids);
  }, 240_000);

  it('bad input gets the coded errors and touches nothing', async () => {
    // A folder with a config.json and no checkpoint (killed before its first one), a finished run
    // (the reference), and a config other than the folder's.
    const bare = join(root, 'bare');
    mkdirSync(bare, { recursive: true });
    copyFileSync(join(reference, 'config.json'), join(bare, 'config.json'));
    writeFileSync(join(root, 'other.yaml'), `${EXAMPLE.replace('seed: 42', 'seed: 43')}\ncheckpointEvery: 10\n`);
    const cases: [string, string[], RegExp][] = [
      ['no checkpoint', ['run', '--resume', bare], /error PROXMESH_ERR_RESUME: no checkpoint 'coordinator'/],
      ['finished run', ['run', '--resume', reference], /error PROXMESH_ERR_RESUME: .*already finished/],
      ['not a run folder', ['run', '--resume', join(root, 'nope')], /error PROXMESH_ERR_RESUME: .*no such run folder/],
      [
        'another config',
        ['run', '--resume', bare, '--config', join(root, 'other.yaml')],
        /error PROXMESH_ERR_CHECKPOINT_CONFIG: .*another config than --config/,
      ],
      ['--out beside --resume', ['run', '--resume', bare, '--out', join(root, 'x')], /error PROXMESH_ERR_USAGE/],
    ];
    for (const [name, args, re] of cases) {
      const dir = args[2];
      const before = existsSync(dir) ? snapshot(dir) : null;
      const r = await cli(args);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(re);
      if (before !== null) expect(snapshot(dir), name).toEqual(before);
    }
  }, 60_000);
});
