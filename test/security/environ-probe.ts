/**
 * Child process of file-disclosure.test.ts: a coordinator whose data roots allow every file, asked
 * to read its own /proc/self/environ (which holds PROXMESH_TOKEN from the parent) in every way a
 * config can name a file, and a CLI config load of the same file. Prints [{status, body}] as JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../coordinator/app.ts';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { loadConfig } from '../../node/config/load.ts';
import type { ProxmeshError } from '../../node/errors.ts';
import { smallRaw } from '../cluster/helpers.ts';

const FILE = '/proc/self/environ';
const token = process.env.PROXMESH_TOKEN!;
const runsDir = mkdtempSync(join(tmpdir(), 'proxmesh-environ-'));
const { app } = await buildApp({
  token,
  contexts: createRunContextFactory({ runsDir }),
  validateConfig: (raw) => loadConfig(raw as object),
  defaultMetrics: false,
  dataRoots: ['/'],
  env: {},
});
const ds = (extra: Record<string, unknown>) =>
  smallRaw({ problem: { dataset: extra, model: { kind: 'logistic' }, regularizer: { kind: 'none' } } });
const configs = [
  ds({ path: FILE, format: 'libsvm' }),
  ds({ path: FILE, format: 'csv' }),
  ds({ path: FILE, format: 'idx', labelsPath: FILE }),
  ds({ path: FILE, format: 'libsvm', nFeatures: 10 }),
  smallRaw({ topology: { kind: 'edge-list', nodes: 4, file: FILE } }),
  smallRaw({ topology: { kind: 'edge-list', file: FILE, nodes: 1 } }),
];
const out: { status: number; body: string }[] = [];
for (const config of configs) {
  const res = await app.inject({
    method: 'POST',
    url: '/runs',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ config }),
  });
  out.push({ status: res.statusCode, body: res.body });
}
try {
  loadConfig(FILE);
  out.push({ status: 0, body: 'loaded' });
} catch (err) {
  const e = err as ProxmeshError;
  out.push({ status: e.status, body: JSON.stringify({ message: e.message, detail: e.detail }) });
}
await app.close();
rmSync(runsDir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(out));
