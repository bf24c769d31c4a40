/** Error-code capture shared by the tests that try every bad input. */
import { ProxmeshError } from '../../node/errors.ts';

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
