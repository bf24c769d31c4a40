/**
 * Finding the cluster's common checkpoint round (node/run/cluster-resume.ts) on folders built
 * here: the newest coordinator round whose every node file exists and verifies is taken; a round
 * with a node file missing, truncated or of another config is skipped with the coded reason; a
 * summary.json that says failed (the coordinator recorded a lost worker) may be resumed, a finished
 * one may not.
 */
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareClusterResume } from '../../node/run/cluster-resume.ts';
import { configHash } from '../../node/resume/config-hash.ts';
import { coordinatorEntries } from '../../node/resume/coordinator-state.ts';
import { COORDINATOR_STREAM, nodeStream } from '../../node/resume/node-state.ts';
import { checkpointDir, checkpointFileName, writeCheckpoint } from '../../node/checkpoint/store.ts';
import { loadConfig } from '../../node/config/load.ts';
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
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A run folder with coordinator and node checkpoints at `rounds` (keep all), rows at 0, 10, 20, 30. */
function folder(rounds: number[], hashOf = (c: ReturnType<typeof loadConfig>) => configHash(c)) {
  const dir = mkdtempSync(join(tmpdir(), 'proxmesh-cluster-common-'));
  roots.push(dir);
  const config = loadConfig(RAW);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const hash = hashOf(config);
  const rows = [0, 10, 20, 30].map(
    (iter) => ({ iter, objective: iter === 0 ? Number.NaN : 1 / (iter + 1), simTime: -0 }) as unknown as MetricsRow,
  );
  for (const round of rounds) {
    writeCheckpoint(
      dir,
      COORDINATOR_STREAM,
      { kind: 'coordinator', firstNode: 0, nodeCount: 0, round, configHash: hash },
      coordinatorEntries(rows, round, {}),
      99,
    );
    for (let i = 0; i < 3; i++) {
      writeCheckpoint(
        dir,
        nodeStream(i),
        { kind: 'node', firstNode: i, nodeCount: 1, round, configHash: hash },
        [{ name: `node.${i}.algo.x`, kind: 'f64', data: Float64Array.of(round, i) }],
        99,
      );
    }
  }
  return { dir, config };
}

const nodeFile = (dir: string, i: number, round: number) => join(checkpointDir(dir), checkpointFileName(nodeStream(i), round));

describe('the common checkpoint round of a cluster', () => {
  it('takes the newest round every part has; rows ≤ round (exact: NaN, −0) and the metrics bytes come back', () => {
    const { dir } = folder([10, 20, 30]);
    const plan = prepareClusterResume(dir);
    expect(plan.round).toBe(30);
    expect(plan.refused).toEqual([]);
    expect(plan.coordinator.rows.map((r) => r.iter)).toEqual([0, 10, 20, 30]);
    expect(Number.isNaN(plan.coordinator.rows[0].objective)).toBe(true);
    expect(Object.is((plan.coordinator.rows[0] as unknown as { simTime: number }).simTime, -0)).toBe(true);
    expect(new TextDecoder().decode(plan.coordinator.files.get('metrics.csv')!).split('\n')[0]).toMatch(/^iter,/);
    expect(prepareClusterResume(folder([10, 20]).dir).coordinator.rows.map((r) => r.iter)).toEqual([0, 10, 20]);
  });

  it('skips a round with a node file missing or truncated, saying which and why', () => {
    const { dir } = folder([10, 20, 30]);
    rmSync(nodeFile(dir, 2, 30));
    truncateSync(nodeFile(dir, 1, 20), statSync(nodeFile(dir, 1, 20)).size - 3);
    const plan = prepareClusterResume(dir);
    expect(plan.round).toBe(10);
    expect(plan.refused.map((e) => e.code)).toEqual(['PROXMESH_ERR_RESUME', 'PROXMESH_ERR_CHECKPOINT_CORRUPT']);
    expect(plan.refused[0].message).toMatch(/round 30 is not resumable: node 2 has no checkpoint/);
    expect(plan.refused[1].message).toMatch(/node-1-r000000000020\.ckpt is unusable: .*truncated/);
  });

  it('no usable round at all: PROXMESH_ERR_RESUME listing every refusal; all of another config: PROXMESH_ERR_CHECKPOINT_CONFIG', () => {
    const { dir } = folder([10]);
    rmSync(nodeFile(dir, 0, 10));
    expect(() => prepareClusterResume(dir)).toThrow(
      expect.objectContaining({
        code: 'PROXMESH_ERR_RESUME',
        message: expect.stringMatching(/no round that the coordinator and all 3 nodes have .*node 0 has no checkpoint/),
      }),
    );
    const other = folder([10, 20], () => 'ab'.repeat(32));
    expect(() => prepareClusterResume(other.dir)).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_CHECKPOINT_CONFIG' }));
  });

  it('a failed run (summary.json says failed) resumes; a finished one is refused', () => {
    const { dir } = folder([10]);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ status: 'failed', failure: { code: 'PROXMESH_ERR_WORKER_FAILED' } }));
    expect(prepareClusterResume(dir).round).toBe(10);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ final: {} }));
    expect(() => prepareClusterResume(dir)).toThrow(/already finished/);
  });
});
