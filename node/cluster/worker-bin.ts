#!/usr/bin/env node
// The local cluster's worker entry point: the same `proxmesh worker` command, configured by the
// environment only, without loading the whole CLI (report rendering, commander), so a worker process
// loads only what a worker needs (see node/run/local-cluster.ts).
import { workerMain } from './worker-main.ts';

process.exitCode = await workerMain();
