/**
 * One study cell in its own process: `node cell-worker.js <cellConfigJson> <outDir>`
 * (spawned by run-cell.ts through runtime/child-entry.ts).
 * Runs the simulator into <outDir>; stdout carries one JSON line per progress report
 * ({"type":"progress","iter":k,"iterations":K}); errors go to stderr as "error CODE: message" and
 * the exit status is 1 (a crash or kill gives another nonzero status; the parent retries once).
 *
 * Test hooks (honoured ONLY when the VITEST environment variable is set, i.e. under vitest, so a
 * user's environment can never trigger them):
 *   PROXMESH_SWEEP_TEST_CRASH_ONCE=<text>    a cell whose outDir name contains <text> exits with
 *     status 3 on its first attempt: it writes <outDir>/.test-crashed-once and crashes; an attempt
 *     that finds that marker runs normally (the marker survives because the sweep never deletes
 *     cell folders, it only removes summary.json before an attempt).
 *   PROXMESH_SWEEP_TEST_CRASH_ALWAYS=<text>  such a cell exits with status 3 on every attempt.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { ProxmeshError } from '../errors.ts';
import { runSimulation } from '../sim/run-sim.ts';

function testHook(outDir: string): void {
  if (!process.env.VITEST) return;
  const name = basename(outDir);
  const always = process.env.PROXMESH_SWEEP_TEST_CRASH_ALWAYS;
  const once = process.env.PROXMESH_SWEEP_TEST_CRASH_ONCE;
  if (always && name.includes(always)) {
    process.stderr.write('test hook: PROXMESH_SWEEP_TEST_CRASH_ALWAYS, simulated crash\n');
    process.exit(3);
  }
  if (once && name.includes(once)) {
    const marker = join(outDir, '.test-crashed-once');
    if (!existsSync(marker)) {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(marker, 'crashed once\n');
      process.stderr.write('test hook: PROXMESH_SWEEP_TEST_CRASH_ONCE, simulated crash\n');
      process.exit(3);
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [json, outDir] = argv;
  if (json === undefined || outDir === undefined) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', 'usage: cell-worker <cellConfigJson> <outDir>');
  }
  testHook(outDir);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_PARSE', `cell config is not JSON: ${(err as Error).message}`);
  }
  const config = loadConfig(raw as object);
  // ~50 progress lines per cell at most: enough for the study's ETA, cheap on the pipe.
  const every = Math.max(1, Math.floor(config.iterations / 50));
  await runSimulation(config, {
    outDir,
    onProgress: (p) => {
      if (p.row !== null || p.iter % every === 0)
        process.stdout.write(`${JSON.stringify({ type: 'progress', iter: p.iter, iterations: p.iterations })}\n`);
    },
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: unknown) => {
    if (err instanceof ProxmeshError) process.stderr.write(`error ${err.code}: ${err.message}\n`);
    else process.stderr.write(`error PROXMESH_ERR_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
