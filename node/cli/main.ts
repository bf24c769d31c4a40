/**
 * The `proxmesh` binary (DESIGN.md §7). `main(argv)` parses with commander and returns the exit
 * status: 0 ok, 2 bad input (every 4xx ProxmeshError, usage errors), 1 otherwise. Errors are one
 * line on stderr: "error PROXMESH_ERR_X: message".
 */
import { Command, CommanderError, Option } from 'commander';
import { ProxmeshError, exitStatusOf } from '../errors.ts';
import { renderConfigDocs } from '../config/render-docs.ts';
import { runTopologyCommand } from '../../topologies/command.ts';
import { processIo, type CliIo } from './io.ts';
import { simCommand } from './sim-command.ts';

function toNumber(name: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw new ProxmeshError('PROXMESH_ERR_USAGE', `option --${name}: expected a number (got '${v}')`);
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
    .requiredOption('--config <file>', 'run config (YAML or JSON)')
    .option('--out <dir>', 'run folder (default: <output.dir>/<output.name or timestamp>)')
    .option('--json', 'one JSON object per evaluation row on stdout, then a summary object')
    .option('--quiet', 'no progress output')
    .action(async (opts) => setStatus(await simCommand(opts, io)));

  program
    .command('topology')
    .description("Print a graph's stats, mixing matrix W and spectral gap; export JSON / DOT.")
    .argument('<kind>', 'ring | path | star | complete | grid | torus | hypercube | exponential | erdos-renyi | regular | small-world | edge-list')
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
    .option('--seed <seed>', 'seed for random graphs (topology stream of this run seed)', toInt('seed'), 42)
    .option('--json', 'machine-readable output')
    .option('--out-json <file>', 'write the graph and W as JSON')
    .option('--out-dot <file>', 'write the graph as Graphviz DOT')
    .action(async (kind: string, opts) => {
      const { stdout } = runTopologyCommand({ kind, ...opts, lazy: opts.lazy === true });
      io.stdout.write(stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\n`);
      setStatus(0);
    });

  program
    .command('config-docs')
    .description('Print the run-config reference (docs/config.md) generated from the schema.')
    .action(() => {
      io.stdout.write(renderConfigDocs());
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
