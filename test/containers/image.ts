/**
 * Builds the proxmesh image (deploy/docker/build-image.sh) at most once per vitest run, whichever test
 * file asks first: a mkdir lock serialises the files, a marker keyed by the vitest main process id
 * (the parent of the forked test workers) records that this run already built it.
 * PROXMESH_IMAGE_PREBUILT=1 (CI builds before vitest) skips the build and only checks the tag exists.
 * The build never pulls: OFFLINE=1, so without a local node:20-slim it uses local/node-base:20.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD_SCRIPT = join(REPO, 'deploy', 'docker', 'build-image.sh');

export const IMAGE = process.env.PROXMESH_IMAGE ?? 'proxmesh:dev';

export interface EnsureImageOptions {
  /** Longest wait for the lock or the build (ms). */
  readonly timeoutMs?: number;
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]);
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Returns the image tag once it exists and, unless prebuilt, was built from the current tree. */
export async function ensureImage(opts: EnsureImageOptions = {}): Promise<string> {
  await run('docker', ['info', '--format', '{{.ServerVersion}}']).catch((err: Error) => {
    throw new Error(`the Docker daemon is not reachable (start dockerd): ${err.message}`);
  });
  if (process.env.PROXMESH_IMAGE_PREBUILT === '1') {
    if (!(await imageExists(IMAGE))) throw new Error(`PROXMESH_IMAGE_PREBUILT=1 but image ${IMAGE} does not exist: run npm run image`);
    return IMAGE;
  }
  const lock = join(tmpdir(), 'proxmesh-image.lock');
  const marker = join(tmpdir(), 'proxmesh-image.built');
  const runKey = `${process.ppid}:${IMAGE}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // Held by another test file; break it only if its holder died.
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      const age = (() => {
        try {
          return Date.now() - statSync(lock).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if ((Number.isFinite(holder) && holder > 0 && !pidAlive(holder)) || age > 600_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the image build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    let built = '';
    try {
      built = readFileSync(marker, 'utf8');
    } catch {
      /* first build */
    }
    if (built === runKey && (await imageExists(IMAGE))) return IMAGE;
    const t0 = Date.now();
    await run('bash', [BUILD_SCRIPT], {
      cwd: REPO,
      env: { ...process.env, IMAGE, OFFLINE: '1' },
      timeout: Math.max(1000, deadline - Date.now()),
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`image build failed: ${err.message}\n${err.stderr ?? ''}`);
    });
    console.log(`image ${IMAGE} built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    writeFileSync(marker, runKey);
    return IMAGE;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
