// Entry of the run set-up worker thread. Node 20 cannot strip TypeScript types itself, so tsx is
// registered in this thread before the TypeScript entry is imported (as node/cli/bin.js does).
import { register } from 'tsx/esm/api';

register();
await import('./thread-main.ts');
