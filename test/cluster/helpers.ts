/** Shared fixtures of the cluster tests: small configs, temp folders, process and HTTP probes. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { WorkerAuth } from '../../node/protocol/control-auth.ts';
import { loadConfig } from '../../node/config/load.ts';
import type { FrozenConfig } from '../../node/config/schema.ts';

/** A small job: breast-cancer (569 × 30), logistic + l1, ring of 4, minibatches of 8. */
export function smallRaw(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    seed: 7,
    iterations: 20,
    evalEvery: 5,
    batchSize: 8,
    algorithm: { name: 'dproxsgt', eta: 0.05 },
    problem: {
      dataset: { name: 'breast-cancer', testFraction: 0.2 },
      model: { kind: 'logistic', intercept: true },
      regularizer: { kind: 'l1', lambda: 1e-3 },
    },
    partition: { kind: 'iid' },
    topology: { kind: 'ring', nodes: 4 },
    ...over,
  };
}

export function smallConfig(over: Record<string, unknown> = {}): FrozenConfig {
  return loadConfig(smallRaw(over));
}

/** mkdtemp + cleanup list: call cleanup() in afterAll. */
export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(prefix = 'proxmesh-cluster-'): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    cleanup(): void {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** True while a process with this pid exists (and is not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Pids of processes whose command line or environment-free argv contains `needle` (Linux /proc). */
export function pidsWithCmdline(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle)) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Polls fn every intervalMs until it returns a non-undefined value; rejects when signal aborts. */
export async function pollUntil<T>(fn: () => Promise<T | undefined> | T | undefined, signal: AbortSignal, intervalMs = 100): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, intervalMs);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** Parses Prometheus text exposition into samples { name, labels, value }. */
export function parseProm(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

export function readText(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

/**
 * node arguments that run a TypeScript entry of this repository from its sources (the tests never
 * need a build): the dev loader tsx, resolved from here so the child's working directory does not matter.
 */
export function sourceEntry(repoRelPath: string): string[] {
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', loader, fileURLToPath(new URL(`../../${repoRelPath}`, import.meta.url))];
}

/**
 * A control-channel client that has proved `token` (node/protocol/control-auth.ts), as a worker does;
 * resolves once the proof is sent, so the next message may be a register.
 */
export async function openControl(url: string, token: string, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  const auth = new WorkerAuth(token, 'test-client');
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new Error('openControl: timed out'));
    signal.addEventListener('abort', onAbort, { once: true });
    ws.once('open', () => ws.send(auth.hello()));
    ws.once('message', (data: Buffer) => {
      signal.removeEventListener('abort', onAbort);
      try {
        ws.send(auth.answer(data));
        resolve();
      } catch (err) {
        reject(err);
      }
    });
  });
  return ws;
}
