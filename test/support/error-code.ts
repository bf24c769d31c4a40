/** Error-code capture shared by the tests that try every bad input. */
import { expect } from 'vitest';
import { ProxmeshError, type ErrorCode } from '../../node/errors.ts';

/**
 * The PROXMESH_ERR_* code fn throws, or 'no error' if it returns (so `toBe(code)` fails either way).
 * Anything other than a ProxmeshError is rethrown: it is a bug, not a user error.
 */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProxmeshError) return err.code;
    throw err;
  }
  return 'no error';
}

/** Runs fn, expects a ProxmeshError with `code` whose message matches every pattern; returns it. */
export function expectCodedError(fn: () => unknown, code: ErrorCode, ...patterns: Array<string | RegExp>): ProxmeshError {
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
