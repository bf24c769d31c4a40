/**
 * Where a restarted standalone coordinator continues (node/run/coordinator-restart.ts,
 * node/resume/coordinator-resume.ts), on run folders built here: its newest usable coordinator
 * checkpoint (a truncated or flipped newest file is refused with its code and the previous one
 * taken); a fresh start when there is no folder or no usable checkpoint; nothing for a finished
 * run; a coded refusal for a folder of another config. Without PROXMESH_RUN_ID it finds its own
 * unfinished run of the same config among the run folders.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { restartPoint, unfinishedRunOf } from '../../node/run/coordinator-restart.ts';
import { newestCoordinatorCheckpoint } from '../../node/resume/coordinator-resume.ts';
import { configHash } from '../../node/resume/config-hash.ts';
import { coordinatorEntries } from '../../node/resume/coordinator-state.ts';
import { COORDINATOR_STREAM } from '../../node/resume/node-state.ts';
import { checkpointDir, checkpointFileName, writeCheckpoint } from '../../node/checkpoint/store.ts';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import type { MetricsRow } from '../../node/results/metrics-row.ts';

const RAW = {
  seed: 3,
  iterations: 40,
  evalEvery: 10,
  batchSize: 8,
  checkpointEvery: 10,
  algorithm: { name: 'dproxsgt', eta: 0.05 },
  problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'none' } },
  topology: { kind: 'ring', nodes: 3 },
};
const CONFIG = loadConfig(RAW);
const OTHER = loadConfig({ ...RAW, seed: 4 });
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function runsDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'proxmesh-coord-restart-'));
  roots.push(d);
  return d;
}

/** A run folder `id` in `root` written with `config`, coordinator checkpoints at `rounds`, rows at 0, 10, 20, 30. */
function runFolder(root: string, id: string, rounds: number[], config = CONFIG): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const rows = [0, 10, 20, 30].map((iter) => ({ iter, objective: 1 / (iter + 1) }) as unknown as MetricsRow);
  for (const round of rounds) {
    writeCheckpoint(
      dir,
      COORDINATOR_STREAM,
      { kind: 'coordinator', firstNode: 0, nodeCount: 0, round, configHash: configHash(config) },
      coordinatorEntries(rows, round, {}),
      99,
    );
  }
  return dir;
}

const coordFile = (dir: string, round: number) => join(checkpointDir(dir), checkpointFileName(COORDINATOR_STREAM, round));

describe('a restarted standalone coordinator', () => {
  it('resumes from its newest coordinator checkpoint: round, rows ≤ round and the metrics bytes', () => {
    const dir = runFolder(runsDir(), 'job', [10, 20]);
    const p = restartPoint(dir, CONFIG);
    expect(p.kind).toBe('resume');
    if (p.kind !== 'resume') return;
    expect(p.resume.round).toBe(20);
    expect(p.resume.rows.map((r) => r.iter)).toEqual([0, 10, 20]);
    expect(new TextDecoder().decode(p.resume.files.get('metrics.ndjson')!).split('\n').filter(Boolean)).toHaveLength(3);
    expect(p.refused).toEqual([]);
  });

  it('a truncated newest file, then a flipped byte: each refused with its code, the previous round taken', () => {
    const dir = runFolder(runsDir(), 'job', [10, 20, 30]);
    truncateSync(coordFile(dir, 30), 200);
    const bytes = readFileSync(coordFile(dir, 20));
    bytes[bytes.length - 1] ^= 0x01;
    writeFileSync(coordFile(dir, 20), bytes);
    const { point, refused } = newestCoordinatorCheckpoint(dir, CONFIG);
    expect(point?.round).toBe(10);
    expect(refused.map((e) => e.code)).toEqual(['PROXMESH_ERR_CHECKPOINT_CORRUPT', 'PROXMESH_ERR_CHECKPOINT_CORRUPT']);
    expect(refused[0].message).toMatch(/truncated/);
    expect(refused[1].message).toMatch(/SHA-256|checksum/i);
  });

  it('a fresh start: no folder yet; a folder with no checkpoint (said why); every checkpoint refused', () => {
    const root = runsDir();
    expect(restartPoint(join(root, 'new'), CONFIG)).toEqual({ kind: 'fresh', note: null, refused: [] });
    const empty = runFolder(root, 'empty', []);
    const p = restartPoint(empty, CONFIG);
    expect(p.kind).toBe('fresh');
    if (p.kind === 'fresh') expect(p.note).toMatch(/no usable coordinator checkpoint .* starts again from iteration 0/);
    const bad = runFolder(root, 'bad', [10]);
    truncateSync(coordFile(bad, 10), 10);
    const q = restartPoint(bad, CONFIG);
    expect(q.kind).toBe('fresh');
    if (q.kind === 'fresh') expect(q.refused.map((e) => e.code)).toEqual(['PROXMESH_ERR_CHECKPOINT_CORRUPT']);
  });

  it('a finished run is not run again; a failed one is resumed', () => {
    const root = runsDir();
    const done = runFolder(root, 'done', [10]);
    writeFileSync(join(done, 'summary.json'), JSON.stringify({ status: 'completed' }));
    expect(restartPoint(done, CONFIG)).toEqual({ kind: 'finished' });
    const failed = runFolder(root, 'failed', [10]);
    writeFileSync(join(failed, 'summary.json'), JSON.stringify({ status: 'failed' }));
    expect(restartPoint(failed, CONFIG).kind).toBe('resume');
  });

  it('a folder of another config under the same run id: PROXMESH_ERR_CHECKPOINT_CONFIG naming PROXMESH_RUN_ID', () => {
    const dir = runFolder(runsDir(), 'job', [10], OTHER);
    let err: unknown;
    try {
      restartPoint(dir, CONFIG);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProxmeshError);
    expect((err as ProxmeshError).code).toBe('PROXMESH_ERR_CHECKPOINT_CONFIG');
    expect((err as ProxmeshError).message).toMatch(/another config .* PROXMESH_RUN_ID/);
  });

  it('without a run id: the most recently checkpointed unfinished run of the same config', () => {
    const root = runsDir();
    expect(unfinishedRunOf(join(root, 'missing'), CONFIG)).toBeNull();
    runFolder(root, 'other-config', [10], OTHER);
    const older = runFolder(root, 'older', [10]);
    const newer = runFolder(root, 'newer', [10, 20]);
    const finished = runFolder(root, 'finished', [10]);
    writeFileSync(join(finished, 'summary.json'), JSON.stringify({ status: 'completed' }));
    runFolder(root, 'no-checkpoint', []);
    writeFileSync(join(root, 'a-file'), 'not a folder');
    utimesSync(coordFile(older, 10), new Date(1_000_000), new Date(1_000_000));
    utimesSync(coordFile(newer, 20), new Date(2_000_000), new Date(2_000_000));
    expect(unfinishedRunOf(root, CONFIG)).toBe('newer');
    utimesSync(coordFile(older, 10), new Date(3_000_000), new Date(3_000_000));
    expect(unfinishedRunOf(root, CONFIG)).toBe('older');
    expect(unfinishedRunOf(root, loadConfig({ ...RAW, seed: 99 }))).toBeNull();
  });
});
