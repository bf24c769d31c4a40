/**
 * Runs bench/baselines/pytorch-lenet5.py in --serve mode, for interleaved timing. The interpreter is
 * PROXMESH_PYTHON if set, else the system python3 (where Debian's python3-torch installs torch), else `python3` on
 * PATH; the first that imports torch is used. A baseline that cannot run is returned as
 * { status: 'missing', reason } and printed as MISSING by the bench, never silently skipped.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython as findPythonWith } from './python.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const PYTORCH_LENET5_SCRIPT = join(here, 'pytorch-lenet5.py');

/** The first interpreter that imports `module` (bench/baselines/python.ts), or why none can. */
export function findPython(module: string): { python: string } | { missing: string } {
  return findPythonWith([module]);
}

/** A running `pytorch-lenet5.py --serve`: one timed repetition per request, for interleaving. */
export interface PytorchServer {
  readonly torch: string;
  readonly threads: number;
  /** Seconds per training step over one repetition of at least minSeconds. */
  rep(dtype: 'float32' | 'float64', minSeconds: number): Promise<number>;
  close(): void;
}

export type PytorchServerOutcome =
  | { readonly status: 'ok'; readonly server: PytorchServer }
  | { readonly status: 'missing'; readonly reason: string };

export interface PytorchServeOptions {
  readonly batch: number;
  readonly dtypes: readonly ('float32' | 'float64')[];
  readonly warmSeconds: number;
  /** Bound on every wait for the child (ms). */
  readonly timeoutMs: number;
}

export async function startPytorchServer(opts: PytorchServeOptions): Promise<PytorchServerOutcome> {
  const found = findPython('torch');
  if ('missing' in found)
    return { status: 'missing', reason: `no python with torch (${found.missing}); install python3-torch or set PROXMESH_PYTHON` };
  const child = spawn(
    found.python,
    [
      PYTORCH_LENET5_SCRIPT,
      '--serve',
      '--batch',
      String(opts.batch),
      '--dtypes',
      opts.dtypes.join(','),
      '--warm-seconds',
      String(opts.warmSeconds),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from pytorch-lenet5.py within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    });
    try {
      const r = await Promise.race([lines.next(), timeout]);
      if (r.done) throw new Error(`pytorch-lenet5.py exited: ${stderr.trim().split('\n').pop() ?? ''}`);
      return JSON.parse(r.value) as Record<string, unknown>;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    const hello = await next();
    const server: PytorchServer = {
      torch: String(hello.torch),
      threads: Number(hello.threads),
      async rep(dtype, minSeconds) {
        child.stdin.write(`${dtype} ${minSeconds}\n`);
        return Number((await next()).s_per_step);
      },
      close() {
        child.stdin.end('quit\n');
      },
    };
    return { status: 'ok', server };
  } catch (err) {
    child.kill();
    return { status: 'missing', reason: (err as Error).message };
  }
}
