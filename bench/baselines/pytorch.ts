/**
 * Runs bench/baselines/pytorch-lenet5.py and parses its JSON. The interpreter is PROXMESH_PYTHON if
 * set, else the system python3 (where Debian's python3-torch installs torch), else `python3` on
 * PATH; the first that imports torch is used. A baseline that cannot run is returned as
 * { status: 'missing', reason } and printed as MISSING by the bench, never silently skipped.
 * (Same behaviour as the NumPy runner, bench/baselines/python.ts, which the lead merges with this.)
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PYTORCH_LENET5_SCRIPT = join(here, 'pytorch-lenet5.py');

/** Candidate interpreters in order of preference. */
function candidates(): string[] {
  const env = process.env.PROXMESH_PYTHON;
  return [...(env ? [env] : []), '/usr/bin/python3', 'python3'];
}

/** The first interpreter that imports `module`, or the reasons each one failed. */
export function findPython(module: string): { python: string } | { missing: string } {
  const reasons: string[] = [];
  for (const py of candidates()) {
    const r = spawnSync(py, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 60_000 });
    if (r.error) reasons.push(`${py}: ${r.error.message}`);
    else if (r.status !== 0) reasons.push(`${py}: cannot import ${module}`);
    else return { python: py };
  }
  return { missing: reasons.join('; ') };
}

export interface PytorchResult {
  readonly dtype: string;
  readonly samplesPerSec: number;
}

export type PytorchOutcome =
  | { readonly status: 'ok'; readonly torch: string; readonly threads: number; readonly results: readonly PytorchResult[] }
  | { readonly status: 'missing'; readonly reason: string };

export interface PytorchRunOptions {
  readonly batch: number;
  readonly dtypes: readonly ('float32' | 'float64')[];
  readonly minSeconds: number;
  readonly reps: number;
}

export function runPytorchLenet5(opts: PytorchRunOptions): PytorchOutcome {
  const found = findPython('torch');
  if ('missing' in found) return { status: 'missing', reason: `no python with torch (${found.missing}); install python3-torch or set PROXMESH_PYTHON` };
  const args = [
    PYTORCH_LENET5_SCRIPT, '--batch', String(opts.batch), '--dtypes', opts.dtypes.join(','),
    '--min-seconds', String(opts.minSeconds), '--reps', String(opts.reps),
  ];
  const r = spawnSync(found.python, args, { encoding: 'utf8', timeout: 600_000, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.error || r.status !== 0) return { status: 'missing', reason: `${found.python} pytorch-lenet5.py failed: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}` };
  try {
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { torch: string; threads: number; results: { dtype: string; samples_per_s: number }[] };
    return { status: 'ok', torch: out.torch, threads: out.threads, results: out.results.map((x) => ({ dtype: x.dtype, samplesPerSec: x.samples_per_s })) };
  } catch {
    return { status: 'missing', reason: 'pytorch-lenet5.py printed no JSON result' };
  }
}
