#!/usr/bin/env node
// The local cluster's worker entry point: the same `proxmesh worker` command, configured by the
// environment only, without loading the whole CLI (report rendering, commander): a worker process
// starts about a second sooner (see node/cluster/local-cluster.ts).
import { register } from 'tsx/esm/api';

register();
const { workerMain } = await import('./worker-main.ts');
process.exitCode = await workerMain();
