/**
 * Finding a Python interpreter for the baselines and running a baseline script. A baseline that
 * cannot run (no interpreter, a module missing, the script failing) comes back as MISSING with the
 * reason, which the benches print in their tables: a baseline is never skipped silently.
 *
 * Interpreter order: $PROXMESH_PYTHON, then /usr/bin/python3 (Debian's python3-numpy and
 * python3-torch install there), then python3 on PATH; the first that imports every required module
 * wins.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export type BaselineResult<T> =
  | { readonly ok: true; readonly python: string; readonly value: T }
  | { readonly ok: false; readonly missing: string };

/** Interpreter candidates, most specific first (duplicates removed). */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = [env.PROXMESH_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return [...new Set(list)];
}

/** The first candidate that can import all of `modules`, or why none can. */
export function findPython(modules: readonly string[], env: NodeJS.ProcessEnv = process.env): { python: string } | { missing: string } {
  const tried: string[] = [];
  const probe = `import ${modules.length > 0 ? modules.join(', ') : 'sys'}`;
  for (const py of pythonCandidates(env)) {
    const r = spawnSync(py, ['-c', probe], { encoding: 'utf8', timeout: 60_000 });
    if (r.error) {
      tried.push(`${py}: not found`);
      continue;
    }
    if (r.status === 0) return { python: py };
    const last = (r.stderr ?? '').trim().split('\n').pop() ?? `exit ${r.status}`;
    tried.push(`${py}: ${last}`);
  }
  return { missing: `no Python with ${modules.join(' + ') || 'python3'} (${tried.join('; ') || 'no candidates'})` };
}

/**
 * Runs bench/baselines/<script> with `input` as JSON on stdin and parses the JSON object it
 * prints on stdout. The child runs synchronously: nothing else of ours is running meanwhile.
 */
export function runBaseline<T>(
  script: string,
  modules: readonly string[],
  input: unknown,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): BaselineResult<T> {
  const found = findPython(modules, opts.env);
  if ('missing' in found) return { ok: false, missing: found.missing };
  const r = spawnSync(found.python, [join(here, script)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 30 * 60_000,
  });
  if (r.error) return { ok: false, missing: `${script}: ${r.error.message}` };
  if (r.status !== 0) {
    const last = (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    return { ok: false, missing: `${script} failed (exit ${r.status}): ${last}` };
  }
  try {
    return { ok: true, python: found.python, value: JSON.parse(r.stdout) as T };
  } catch {
    return { ok: false, missing: `${script} printed no JSON object` };
  }
}
