/** Test helpers for test/problem: temp files and error-code matching. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { ProxmeshError, type ErrorCode } from '../../node/errors.ts';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'proxmesh-problem-'));
}

export function writeTemp(dir: string, name: string, content: string | Uint8Array, gzip = false): string {
  const p = join(dir, name);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  writeFileSync(p, gzip ? gzipSync(bytes) : bytes);
  return p;
}

/** Runs fn, expects a ProxmeshError with `code` whose message matches every pattern. */
export function expectError(fn: () => unknown, code: ErrorCode, ...patterns: Array<string | RegExp>): ProxmeshError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ProxmeshError);
  const err = caught as ProxmeshError;
  expect(err.code).toBe(code);
  for (const p of patterns) expect(err.message).toMatch(p);
  return err;
}
