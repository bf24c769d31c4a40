// Child-process entry of one study cell (spawned by node/sweep/run-cell.ts). Node 20 cannot strip
// TypeScript types, so the tsx loader is registered first, resolved from this file's location (as
// node/cli/bin.js does) so the sweep works from any working directory.
import { register } from 'tsx/esm/api';

register();
await import('./cell-worker.ts');
