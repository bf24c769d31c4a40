/**
 * Installing a packed proxmesh tarball into an empty folder without the network: a consumer
 * project whose lockfile pins the tarball (file:, with its sha512) and every production dependency
 * at exactly the version, URL and integrity of this repository's package-lock.json. `npm ci
 * --offline` then takes every tarball from the npm cache, which the repository's own `npm ci` has
 * just filled with those same files (same integrity), so the install needs no registry, and a
 * missing cache entry fails loudly (ENOTCACHED) instead of silently going to the network.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  link?: boolean;
  [k: string]: unknown;
}

/** Writes package.json and package-lock.json for a consumer of `tarball` into `dir` (copies the tarball there). */
export function writeConsumerProject(repoRoot: string, tarball: string, dir: string): void {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const file = basename(tarball);
  copyFileSync(tarball, join(dir, file));
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const spec = `file:${file}`;
  const packages: Record<string, unknown> = {
    '': { name: 'proxmesh-consumer', version: '0.0.0', dependencies: { proxmesh: spec } },
    'node_modules/proxmesh': {
      version: pkg.version,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  // Production entries only (dev-only ones are not installed for a dependency); an entry needed
  // only as an optional dependency of production code stays, marked optional.
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || !path.startsWith('node_modules/') || entry.dev || entry.link) continue;
    const e = { ...entry };
    if (e.devOptional) {
      delete e.devOptional;
      e.optional = true;
    }
    packages[path] = e;
  }
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'proxmesh-consumer', version: '0.0.0', private: true, type: 'module', dependencies: { proxmesh: spec } }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'proxmesh-consumer', version: '0.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}

/** Runs a command, throwing with its output when it fails. */
export function run(cmd: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
