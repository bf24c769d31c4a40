#!/usr/bin/env node
// Entry point of the `proxmesh` binary. Node 20 cannot strip TypeScript types itself,
// so the tsx loader is registered before the TypeScript CLI is imported.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
