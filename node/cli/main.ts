/**
 * The `proxmesh` binary (DESIGN.md §7). `main(argv)` parses with commander and returns the exit
 * status: 0 ok, 2 bad input (every 4xx ProxmeshError, usage errors), 1 otherwise. Errors are one
 * line on stderr: "error PROXMESH_ERR_X: message".
 */
import { Command, CommanderError, Option } from 'commander';
import { ProxmeshError, exitStatusOf } from '../errors.ts';
import { resolve } from 'node:path';
import { renderConfigDocs } from '../config/render-docs.ts';
import { loadPluginFile } from '../plugins/load.ts';
import { currentRunConfigSchema } from '../config/plugin-schema.ts';
import { runTopologyCommand } from '../../topologies/command.ts';
import { processIo, type CliIo } from './io.ts';
import { simCommand } from './sim-command.ts';
import { coordinatorCommand, runCommand, workerCommand } from './cluster-commands.ts';
import { registerDataCommand } from './data-command.ts';

function toNumber(name: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x))
      throw new ProxmeshError('PROXMESH_ERR_USAGE', `option --${name}: expected a number (got '${v}')`);
    return x;
  };
}

function toInt(name: string): (v: string) => number {
  return (v) => {
    const x = toNumber(name)(v);
    if (!Number.isInteger(x)) throw new ProxmeshError('PROXMESH_ERR_USAGE', `option --${name}: expected an integer (got '${v}')`);
    return x;
  };
}

/** The TLS flags of run, worker and coordinator (docs/security.md §6); each wins over its PROXMESH_TLS_* variable. */
function tlsOption(which: 'cert' | 'key' | 'ca' | 'mtls'): Option {
  if (which === 'mtls')
    return new Option('--tls-mtls', 'mutual TLS: peers and workers must present a certificate from the CA (env PROXMESH_TLS_MTLS=1)');
  const what = {
    cert: "this process's certificate chain, PEM (e.g. tls.crt)",
    key: 'its private key, PEM (e.g. tls.key)',
    ca: 'the cluster CA, PEM (e.g. ca.crt)',
  }[which];
  return new Option(`--tls-${which} <file>`, `TLS: ${what} (env PROXMESH_TLS_${which.toUpperCase()})`);
}

function buildProgram(io: CliIo, setStatus: (s: number) => void): Command {
  const program = new Command('proxmesh')
    .description('Decentralized compressed proximal gradient tracking (DProxSGT / CDProxSGT): simulator, cluster, tools.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => {}, // reported by main() in the one error format
    })
    .showSuggestionAfterError(true);

  program
    .command('sim')
    .description('Run all nodes in this process (in-memory exchanges) and write a run folder.')
    .option('--config <file>', 'run config (YAML or JSON); required unless --resume')
    .option('--out <dir>', 'run folder (default: <output.dir>/<output.name or timestamp>)')
    .option('--resume <run-dir>', "continue the run in this folder from its newest valid checkpoint (config: the folder's config.json)")
    .option('--json', 'one JSON object per evaluation row on stdout, then a summary object')
    .option('--quiet', 'no progress output')
    .option('--threads <N>', 'threads stepping the nodes (default min(2, cores)); results are byte-identical for every N', toInt('threads'))
    .action(async (opts) => setStatus(await simCommand(opts, io)));

  program
    .command('run')
    .description('Run a local cluster: a coordinator and one worker process per node on loopback (default: the a9a example).')
    .option('--config <file>', 'run config (YAML or JSON); default examples/a9a-cdproxsgt-ring8.yaml')
    .option('--out <dir>', 'run folder (default: <output.dir>/<output.name or timestamp>)')
    .option(
      '--resume <run-dir>',
      "continue the run in this folder from the newest checkpoint round the coordinator and every node have (config: the folder's config.json)",
    )
    .option('--json', 'one JSON object per evaluation row on stdout, then a summary object')
    .option('--quiet', 'no progress output')
    .option(
      '--nodes-per-worker <B>',
      'nodes hosted by each worker process (default 1); nodes in one process exchange through memory',
      toInt('nodes-per-worker'),
    )
    .addOption(tlsOption('cert'))
    .addOption(tlsOption('key'))
    .addOption(tlsOption('ca'))
    .addOption(tlsOption('mtls'))
    .action(async (opts) => setStatus(await runCommand(opts, io)));

  program
    .command('worker')
    .description('Run one cluster node (Docker/Kubernetes). Token from PROXMESH_TOKEN.')
    .option('--coordinator <url>', 'control channel, e.g. ws://coordinator:8080/control (env PROXMESH_COORDINATOR)')
    .option('--ordinal <n>', 'node id (env PROXMESH_ORDINAL)', toInt('ordinal'))
    .option('--ordinal-from-hostname', 'take the node id from a StatefulSet host name worker-<i> (env PROXMESH_ORDINAL_FROM_HOSTNAME=1)')
    .option('--listen <host:port>', 'peer-link listener (env PROXMESH_LISTEN, default 0.0.0.0:7070)')
    .option('--advertise <host>', 'host name peers dial (env PROXMESH_ADVERTISE, default the host name)')
    .option('--metrics-listen <host:port|off>', '/metrics listener (env PROXMESH_METRICS_LISTEN, default 127.0.0.1:9464)')
    .option(
      '--peer-timeout-ms <ms>',
      'fail the run when a peer is silent this long (env PROXMESH_PEER_TIMEOUT_MS, default 30000)',
      toInt('peer-timeout-ms'),
    )
    .option('--heartbeat-ms <ms>', 'peer ping interval (env PROXMESH_HEARTBEAT_MS, default 1000)', toInt('heartbeat-ms'))
    .option(
      '--nodes-per-worker <B>',
      'nodes this process hosts: ordinal o hosts nodes o·B … o·B+B−1 (env PROXMESH_NODES_PER_WORKER, default 1)',
      toInt('nodes-per-worker'),
    )
    .addOption(tlsOption('cert'))
    .addOption(tlsOption('key'))
    .addOption(tlsOption('ca'))
    .addOption(tlsOption('mtls'))
    .action(async (opts) => setStatus(await workerCommand(opts, io)));

  program
    .command('coordinator')
    .description('Run the coordinator (Docker/Kubernetes). Token from PROXMESH_TOKEN.')
    .option('--listen <host:port>', 'HTTP + control listener (env PROXMESH_LISTEN or PROXMESH_COORDINATOR_LISTEN, default 127.0.0.1:8080)')
    .option('--config <file>', 'create this run at start-up (env PROXMESH_CONFIG); otherwise POST /runs')
    .option(
      '--plugin <file...>',
      'plug-in files to load at start-up; configs posted to /runs may name only plug-ins loaded here or by --config',
    )
    .option('--runs-dir <dir>', 'parent folder of run folders (env PROXMESH_RUNS_DIR, default runs)')
    .option('--exit-when-done', 'exit after the start-up run ends (env PROXMESH_EXIT_WHEN_DONE=1)')
    .addOption(tlsOption('cert'))
    .addOption(tlsOption('key'))
    .addOption(tlsOption('ca'))
    .addOption(tlsOption('mtls'))
    .action(async (opts) => setStatus(await coordinatorCommand(opts, io)));

  program
    .command('report')
    .description('Write a self-contained HTML report with plots (SVG + PNG) for a run or study folder.')
    .argument('<folder>', 'a run folder or a study folder')
    .option('--out <dir>', 'where to write the report (default <folder>/report)')
    .option('--group-by <path>', 'study series by compressor, algorithm or a config path')
    .option('--figures <names>', 'comma-separated figure names to draw')
    .option('--json', 'machine-readable output')
    .action(async (folder: string, opts) => {
      // Loaded on use: the report pulls in vega, which every other command (and every worker) can skip.
      const { reportCommand } = await import('../report/report.ts');
      const { stdout } = await reportCommand(folder, {
        out: opts.out,
        groupBy: opts.groupBy,
        figures:
          typeof opts.figures === 'string'
            ? opts.figures
                .split(',')
                .map((s: string) => s.trim())
                .filter(Boolean)
            : undefined,
        json: opts.json === true,
      });
      io.stdout.write(stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\n`);
      setStatus(0);
    });

  program
    .command('sweep')
    .description('Run a study: the cross product of config axes, in parallel, resumable, into one study folder.')
    .requiredOption('--config <file>', 'study file (YAML or JSON)')
    .option('--out <dir>', 'study folder (default studies/<study name>)')
    .option('--parallel <n>', "cells at a time (default: the study's parallel, else the number of cores)", toInt('parallel'))
    .option('--dry-run', 'validate the study and list its cells without running anything')
    .option('--json', 'one JSON summary object on stdout')
    .option('--quiet', 'no progress output')
    .action(async (opts) => {
      const { sweepCommand } = await import('../sweep/command.ts');
      const { stdout } = await sweepCommand({
        config: opts.config,
        out: opts.out,
        parallel: opts.parallel,
        dryRun: opts.dryRun === true,
        json: opts.json === true,
        quiet: opts.quiet === true,
        stderr: io.stderr,
      });
      io.stdout.write(stdout);
      setStatus(0);
    });

  program
    .command('topology')
    .description("Print a graph's stats, mixing matrix W and spectral gap; export JSON / DOT.")
    .argument(
      '<kind>',
      'ring | path | star | complete | grid | torus | hypercube | exponential | erdos-renyi | regular | small-world | edge-list',
    )
    .requiredOption('--nodes <n>', 'number of nodes', toInt('nodes'))
    .addOption(new Option('--weights <rule>', 'mixing rule').choices(['metropolis', 'max-degree', 'uniform']).default('metropolis'))
    .option('--lazy', 'W ← (I + W)/2')
    .option('--p <p>', 'erdos-renyi edge probability', toNumber('p'))
    .option('--degree <d>', 'regular: degree', toInt('degree'))
    .option('--k <k>', 'small-world: neighbours on each side', toInt('k'))
    .option('--beta <beta>', 'small-world: rewiring probability', toNumber('beta'))
    .option('--rows <r>', 'grid/torus rows', toInt('rows'))
    .option('--cols <c>', 'grid/torus columns', toInt('cols'))
    .option('--file <path>', 'edge-list file')
    .option(
      '--schedule <json>',
      'time-varying topology as JSON, e.g. \'{"kind":"one-peer-exponential"}\': adds per-round rho and rho of the period product',
    )
    .option('--seed <seed>', 'seed for random graphs (topology stream of this run seed)', toInt('seed'), 42)
    .option('--json', 'machine-readable output')
    .option('--out-json <file>', 'write the graph and W as JSON')
    .option('--out-dot <file>', 'write the graph as Graphviz DOT')
    .action(async (kind: string, opts) => {
      const { stdout } = runTopologyCommand({ kind, ...opts, lazy: opts.lazy === true });
      io.stdout.write(stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\n`);
      setStatus(0);
    });

  registerDataCommand(program, io, setStatus);

  program
    .command('config-docs')
    .description('Print the run-config reference (docs/config.md) generated from the schema, with the keys of any --plugin files.')
    .option('--plugin <file...>', 'plug-in files whose compressors, algorithms, models and regularizers to include')
    .action((opts: { plugin?: string[] }) => {
      for (const file of opts.plugin ?? []) loadPluginFile(resolve(file), '--plugin');
      io.stdout.write(renderConfigDocs(currentRunConfigSchema()));
      setStatus(0);
    });

  return program;
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let status = 0;
  const program = buildProgram(io, (s) => {
    status = s;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      const text = err.message.replace(/^error: /, '');
      io.stderr.write(`error PROXMESH_ERR_USAGE: ${text}\n`);
      return 2;
    }
    if (err instanceof ProxmeshError) {
      io.stderr.write(`error ${err.code}: ${err.message}\n`);
      return exitStatusOf(err);
    }
    io.stderr.write(`error PROXMESH_ERR_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
