import { runConfigFor } from './deploy/k8s/run-config.ts';
console.log(runConfigFor(16).text);
try { runConfigFor(2); } catch (e) { console.log((e as any).code, (e as Error).message); }
