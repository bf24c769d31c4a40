/**
 * The CLI in-process, as the tests drive it: `main(args, { stdout, stderr })` with both streams
 * captured as text, and a snapshot of a folder tree to prove that a refused command touched nothing.
 */
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
