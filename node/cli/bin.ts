#!/usr/bin/env node
// Entry point of the `proxmesh` binary (package.json "bin": the compiled dist/node/cli/bin.js).
// `proxmesh worker` with no flags (the image's default CMD and the Kubernetes StatefulSet: it is
// configured by the environment only) starts the worker entry directly — in dist/, the single-file
// bundle (deploy/build/bundle-worker.mjs) — without loading the rest of the CLI, so a worker pod starts as
// fast as a local cluster's worker. Every other command goes through the full CLI.
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === 'worker') {
  // Sets process.exitCode itself, as `proxmesh worker` does.
  await import('../cluster/worker-bin.ts');
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
