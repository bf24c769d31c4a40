/**
 * `proxmesh sim --resume` with real processes and real signals: a CLI simulation is SIGKILLed at a
 * seeded checkpoint round, resumed by a second process, and its metrics.ndjson, metrics.csv and
 * summary.json are byte-identical to an uninterrupted run's. Corrupted newest checkpoints (a
 * truncated file, a flipped byte) are refused with a coded message and the previous one is used.
 * Bad input (no checkpoint, another config, a finished run, no folder) gets a coded error and
 * leaves every file of the folder untouched.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli, snapshotTree as snapshot, spawnKillable } from '../support/cli-io.ts';
import { listCheckpoints } from '../../node/checkpoint/store.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { sourceEntry } from '../cluster/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = sourceEntry('node/cli/bin.ts');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'a9a-cdproxsgt-ring8.yaml'), 'utf8');
const COMPARED = ['metrics.ndjson', 'metrics.csv', 'summary.json', 'edges.csv'];

/** Runs the CLI in a child process; SIGKILLs it as soon as `killWhen()` holds. */
const spawnCli = (args: string[], killWhen?: () => boolean) => spawnKillable([...BIN, ...args], ROOT, killWhen, 120_000);

function expectSameFiles(a: string, b: string): void {
  for (const f of COMPARED) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
}

describe('proxmesh sim --resume (real processes)', () => {
  const root = mkdtempSync(join(tmpdir(), 'proxmesh-resume-cli-'));
  const plainCfg = join(root, 'plain.yaml');
  const ckptCfg = join(root, 'ckpt.yaml');
  writeFileSync(plainCfg, EXAMPLE);
  writeFileSync(ckptCfg, `${EXAMPLE}\ncheckpointEvery: 20\n`);
  const reference = join(root, 'reference');
  // Seeded kill point: the checkpoint round after which the process is killed.
  const killRound = 20 * (2 + Rng.derive(12, 'kill-round').int(10)); // 40 … 220 of 300
  beforeAll(async () => {
    expect((await cli(['sim', '--config', plainCfg, '--out', reference, '--quiet'])).code).toBe(0);
  }, 120_000);

  it(`SIGKILL after the checkpoint at ${killRound}, then --resume: byte-identical to the uninterrupted run`, async () => {
    const run = join(root, 'killed');
    const killed = await spawnCli(['sim', '--config', ckptCfg, '--out', run, '--quiet'], () =>
      listCheckpoints(run, 'sim').some((c) => c.round >= killRound),
    );
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(run, 'summary.json'))).toBe(false);
    const resumed = await spawnCli(['sim', '--resume', run, '--quiet']);
    expect(resumed.stderr).toMatch(/resuming .* at iteration \d+ of 300/);
    expect(resumed.code).toBe(0);
    expectSameFiles(reference, run);
  }, 240_000);

  it('falls back past a truncated and a byte-flipped checkpoint, saying so with the codes', async () => {
    const run = join(root, 'corrupt');
    const crashed = await spawnCli(['sim', '--config', ckptCfg, '--out', run, '--quiet'], () =>
      listCheckpoints(run, 'sim').some((c) => c.round >= 100),
    );
    expect(crashed.signal).toBe('SIGKILL');
    // Usually the newest 2 (keep = 2); a third if the kill landed between a rename and the prune.
    const files = listCheckpoints(run, 'sim');
    expect(files.length).toBeGreaterThanOrEqual(2);
    const [newest, previous, ...older] = files;
    truncateSync(newest.file, statSync(newest.file).size - 1000);
    const first = await cli(['sim', '--resume', run, '--quiet', '--out', join(root, 'x')]);
    expect(first.stderr).toMatch(/PROXMESH_ERR_USAGE/); // --out is refused before anything is touched
    const flip = (file: string) => {
      const b = readFileSync(file);
      b[b.length >> 1] ^= 0x10;
      writeFileSync(file, b);
    };
    for (const f of [previous, ...older]) flip(f.file);
    const none = await cli(['sim', '--resume', run, '--quiet']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /error PROXMESH_ERR_RESUME: no usable checkpoint .*PROXMESH_ERR_CHECKPOINT_CORRUPT.*truncated.*PROXMESH_ERR_CHECKPOINT_CORRUPT.*checksum/,
    );
    flip(previous.file); // repaired: now it is the fallback
    const ok = await cli(['sim', '--resume', run, '--quiet']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/refused checkpoint: PROXMESH_ERR_CHECKPOINT_CORRUPT: .*truncated/);
    expect(ok.stderr).toMatch(
      new RegExp(`resuming .* at iteration ${previous.round} of 300 \\(fell back to the previous good checkpoint\\)`),
    );
    expectSameFiles(reference, run);
  }, 240_000);

  it('bad input gets a coded error and touches nothing', async () => {
    // A run without checkpoints, killed early.
    const bare = join(root, 'bare');
    await spawnCli(
      ['sim', '--config', plainCfg, '--out', bare, '--quiet'],
      () => existsSync(join(bare, 'metrics.csv')) && readFileSync(join(bare, 'metrics.csv'), 'utf8').split('\n').length > 3,
    );
    const cases: [string, string[], RegExp][] = [
      ['no checkpoint', ['sim', '--resume', bare], /error PROXMESH_ERR_RESUME: no checkpoint 'sim'/],
      ['finished run', ['sim', '--resume', reference], /error PROXMESH_ERR_RESUME: .*already finished/],
      ['not a run folder', ['sim', '--resume', join(root, 'nope')], /error PROXMESH_ERR_RESUME: .*no such run folder/],
      [
        'another config',
        ['sim', '--resume', join(root, 'killed-other'), '--config', join(root, 'other.yaml')],
        /error PROXMESH_ERR_CHECKPOINT_CONFIG: .*another config than --config/,
      ],
    ];
    // A killed checkpointed run, and a config that differs in the seed.
    const other = join(root, 'killed-other');
    await spawnCli(['sim', '--config', ckptCfg, '--out', other, '--quiet'], () => listCheckpoints(other, 'sim').length > 0);
    writeFileSync(join(root, 'other.yaml'), `${EXAMPLE.replace('seed: 42', 'seed: 43')}\ncheckpointEvery: 20\n`);
    for (const [name, args, re] of cases) {
      const dir = args[2];
      const before = existsSync(dir) ? snapshot(dir) : null;
      const r = await cli(args);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(re);
      if (before !== null) expect(snapshot(dir), name).toEqual(before);
    }
    // The same config (only checkpointEvery differs: not in the hash) is accepted beside --resume.
    writeFileSync(join(root, 'same.yaml'), `${EXAMPLE}\ncheckpointEvery: 50\n`);
    expect((await cli(['sim', '--resume', other, '--config', join(root, 'same.yaml'), '--quiet'])).code).toBe(0);
    expectSameFiles(reference, other);
  }, 240_000);
});
