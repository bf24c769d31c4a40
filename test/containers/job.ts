/**
 * The small CDProxSGT job every container test runs (a9a, logistic + ℓ1, ring of 5, top-10% on both
 * channels), and its reference results: metrics.ndjson of runSimulation of the same config, computed
 * in the test process. Cluster results must equal it byte for byte, with or without faults, because
 * the algorithm is synchronous and every quantity in a row is fixed by config + seed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../node/config/load.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';

export const NODES = 5;
export const ITERATIONS = 400;
export const EVAL_EVERY = 40;

export const JOB = {
  seed: 7,
  iterations: ITERATIONS,
  evalEvery: EVAL_EVERY,
  batchSize: 32,
  algorithm: { name: 'cdproxsgt', eta: 0.5, gammaX: 0.5, gammaY: 0.5 },
  compression: {
    x: { kind: 'topk', ratio: 0.1, scope: 'layer' },
    y: { kind: 'topk', ratio: 0.1, scope: 'layer' },
  },
  problem: {
    dataset: { name: 'a9a' },
    model: { kind: 'logistic', intercept: true },
    regularizer: { kind: 'l1', lambda: 1.0e-4 },
  },
  partition: { kind: 'sorted' },
  topology: { kind: 'ring', nodes: NODES, weights: 'metropolis' },
  init: { kind: 'zero' },
} as const;

export interface PreparedJob {
  /** Temporary folder holding both (remove it when done). */
  readonly dir: string;
  /** Host path of the config file (JSON) to mount into the coordinator. */
  readonly configFile: string;
  /** metrics.ndjson of the in-process simulation. */
  readonly expected: string;
}

/** `over`: top-level keys that replace JOB's (a longer, checkpointing job for the heal test). */
export async function prepareJob(over: Record<string, unknown> = {}): Promise<PreparedJob> {
  const dir = mkdtempSync(join(tmpdir(), 'proxmesh-containers-'));
  const configFile = join(dir, 'job.json');
  writeFileSync(configFile, `${JSON.stringify({ ...JOB, ...over }, null, 2)}\n`, { mode: 0o644 });
  const sim = await runSimulation(loadConfig(configFile), { outDir: join(dir, 'sim') });
  const expected = readFileSync(join(sim.dir!, 'metrics.ndjson'), 'utf8');
  return { dir, configFile, expected };
}
