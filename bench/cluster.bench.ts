/**
 * Local cluster vs simulator: wall time of the same job (examples/a9a-cdproxsgt-ring8.yaml, 8 nodes,
 * CDProxSGT with top-10% on x and y) run by `runSimulation` (one process, in-memory exchanges) and by
 * `runLocalCluster` (coordinator + 8 worker processes, WebSocket links on loopback), and their ratio.
 * The cluster time is split into start-up (spawn → every worker ready: Node + tsx + modules + data),
 * the iterations (start → last row) and teardown. Both write their run folder to a temp dir; the
 * metrics.ndjson files are compared (they must be identical). Prints figures only.
 *   node --import tsx bench/cluster.bench.ts [--quick] [--iterations K]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../node/config/load.ts';
import { readConfigFile } from '../node/config/parse.ts';
import { runLocalCluster } from '../node/cluster/local-cluster.ts';
import { runSimulation } from '../node/sim/run-sim.ts';

const example = fileURLToPath(new URL('../examples/a9a-cdproxsgt-ring8.yaml', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const kArg = args.indexOf('--iterations');
const iterations = kArg >= 0 ? Number(args[kArg + 1]) : quick ? 100 : 1000;

const raw = readConfigFile(example) as Record<string, unknown>;
const config = loadConfig({ ...raw, iterations, evalEvery: Math.max(1, Math.floor(iterations / 10)) });
const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-bench-cluster-'));
const s = (ms: number) => (ms / 1000).toFixed(2).padStart(8);

try {
  const t0 = performance.now();
  await runSimulation(config, { outDir: join(tmp, 'sim') });
  const simMs = performance.now() - t0;

  const marks: Record<string, number> = {};
  const t1 = performance.now();
  await runLocalCluster(config, {
    outDir: join(tmp, 'cluster'),
    onSpawned: () => { marks.spawned = performance.now(); },
    beforeStart: async () => { marks.ready = performance.now(); },
    beforeTeardown: async () => { marks.done = performance.now(); },
  });
  const clusterMs = performance.now() - t1;
  const same = readFileSync(join(tmp, 'sim', 'metrics.ndjson'), 'utf8') === readFileSync(join(tmp, 'cluster', 'metrics.ndjson'), 'utf8');

  console.log(`cluster vs sim: a9a CDProxSGT top-10%, ring of ${config.topology.nodes}, K = ${iterations}, evalEvery = ${config.evalEvery}`);
  console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}`);
  console.log('                              seconds');
  console.log(`simulator (total)             ${s(simMs)}`);
  console.log(`cluster (total)               ${s(clusterMs)}`);
  console.log(`  start-up (spawn → ready)    ${s(marks.ready - marks.spawned)}`);
  console.log(`  iterations (start → done)   ${s(marks.done - marks.ready)}`);
  console.log(`  teardown                    ${s(t1 + clusterMs - marks.done)}`);
  console.log(`ratio cluster / sim (total)   ${(clusterMs / simMs).toFixed(2).padStart(8)}`);
  console.log(`ratio cluster iterations/sim  ${((marks.done - marks.ready) / simMs).toFixed(2).padStart(8)}`);
  console.log(`metrics.ndjson identical      ${same ? 'yes' : 'NO'}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
