/**
 * Bench runner: `npm run bench` runs every bench in sequence; `npm run bench -- <name> [<name>…]`
 * runs the named ones; `--quick` makes a short smoke run (fewer sizes, shorter repetitions; lenet5,
 * which has no quick mode, is left out unless named).
 * Prints a header (node, CPU, date) and each table, and writes the same figures as JSON to
 * bench/results/latest.json (gitignored). Benches print figures only; nothing asserts on time.
 *
 * lenet5.bench.ts is a standalone script (top-level code, its own timing), so it runs in a child
 * process and its output is copied through and kept verbatim in the JSON.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type BenchOptions, type BenchReport, renderTable } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));

type Runner = (opts: BenchOptions, extra: readonly string[]) => Promise<BenchReport>;

/** Runs a standalone bench script in a child node process, echoing and capturing its stdout. */
function script(file: string, name: string): Runner {
  return (_opts, extra) =>
    new Promise<BenchReport>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, file), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (s: string) => {
        out += s;
        process.stdout.write(s);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`${file} exited with code ${code}`));
        else resolve({ name, tables: [], output: out.trimEnd().split('\n') } as BenchReport & { output: string[] });
      });
    });
}

/** Static registry: bench name → runner (lazy imports, so `-- sim` does not load the datasets of `kernels`). */
const BENCHES: Readonly<Record<string, Runner>> = {
  kernels: async (o) => (await import('./kernels.bench.ts')).run(o),
  compressors: async (o) => (await import('./compressors.bench.ts')).run(o),
  codec: async (o) => (await import('./codec.bench.ts')).run(o),
  sim: async (o) => (await import('./sim.bench.ts')).run(o),
  lenet5: script('lenet5.bench.ts', 'lenet5'),
  cluster: script('cluster.bench.ts', 'cluster'),
  tls: script('tls.bench.ts', 'tls'),
  checkpoint: async (o) => (await import('./checkpoint.bench.ts')).run(o),
};

/** Standalone scripts without a quick mode. */
const SLOW_SCRIPTS: Readonly<Record<string, true>> = { lenet5: true, cluster: true, tls: true };

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  // `--only <list>` (cluster.bench.ts's row selection) is passed through to the scripts, with --quick.
  const onlyAt = argv.indexOf('--only');
  const extra = [...(quick ? ['--quick'] : []), ...(onlyAt >= 0 && argv[onlyAt + 1] !== undefined ? ['--only', argv[onlyAt + 1]] : [])];
  const names = argv.filter((a, i) => !a.startsWith('--') && !(onlyAt >= 0 && i === onlyAt + 1));
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
    return 2;
  }
  // lenet5.bench.ts has no quick mode (~25 s): a --quick run of everything leaves it out unless named.
  const selected = names.length > 0 ? names : Object.keys(BENCHES).filter((n) => !(quick && n in SLOW_SCRIPTS));
  const cpus = os.cpus();
  const header = {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
    quick,
    benches: selected,
  };
  console.log('# proxmesh bench');
  console.log(`node ${header.node} (V8 ${header.v8}) · ${header.platform}`);
  console.log(`CPU: ${header.cpu} × ${header.cores}`);
  console.log(`date: ${header.date} · load average ${header.loadavg.join(' ')}${quick ? ' · QUICK (smoke run)' : ''}`);

  const skipped = Object.keys(BENCHES).filter((n) => !selected.includes(n));
  if (skipped.length > 0) console.log(`skipped: ${skipped.join(', ')}${quick ? ' (--quick; name them to run them)' : ''}`);

  const results: Record<string, unknown> = {};
  for (const name of selected) {
    console.log(`\n# ${name}`);
    const t0 = performance.now();
    const report = await BENCHES[name]({ quick }, extra);
    const seconds = (performance.now() - t0) / 1000;
    for (const table of report.tables) console.log(`\n${renderTable(table)}`);
    console.log(`(${name}: ${seconds.toFixed(1)} s)`);
    results[name] = { ...report, seconds, tables: report.tables.map((t) => ({ title: t.title, rows: t.rows, notes: t.notes ?? [] })) };
  }

  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify({ header, results }, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
