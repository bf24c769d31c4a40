/**
 * The CLI as the tests drive it: in-process (`main(args, { stdout, stderr })` with both streams
 * captured as text), or in a child process that a test may SIGKILL; and a snapshot of a folder tree to
 * prove that a refused command touched nothing.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../node/cli/main.ts';

/** A Writable that keeps everything written to it; `text` is the whole output so far. */
export function textSink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

/** Runs `proxmesh <args>` in this process and returns its exit code and captured output. */
export async function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = textSink();
  const stderr = textSink();
  const code = await main(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Every file under dir (recursively) → its bytes and mtime: equal snapshots mean nothing was written. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p, readFileSync(p).toString('base64') + statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return out;
}

/**
 * The CLI (`argv` = the node arguments of its entry, then the command) in a real child process, with
 * a real SIGKILL as soon as `killWhen()` holds (polled every 5 ms), or at `deadlineMs`.
 */
export function spawnKillable(
  argv: readonly string[],
  cwd: string,
  killWhen?: () => boolean,
  deadlineMs = 120_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...argv], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const deadline = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    const poll =
      killWhen === undefined
        ? null
        : setInterval(() => {
            if (killWhen()) child.kill('SIGKILL');
          }, 5);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (poll !== null) clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
