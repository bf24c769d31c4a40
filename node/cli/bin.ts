#!/usr/bin/env node
// Entry point of the `proxmesh` binary (package.json "bin": the compiled dist/node/cli/bin.js).
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
