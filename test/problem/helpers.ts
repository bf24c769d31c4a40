/** Test helpers for test/problem: temp files and error-code matching. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'proxmesh-problem-'));
}

export function writeTemp(dir: string, name: string, content: string | Uint8Array, gzip = false): string {
  const p = join(dir, name);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  writeFileSync(p, gzip ? gzipSync(bytes) : bytes);
  return p;
}

/** Runs fn, expects a ProxmeshError with `code` whose message matches every pattern (test/support). */
export { expectCodedError as expectError } from '../support/error-code.ts';
