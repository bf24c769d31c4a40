import { expect } from 'vitest';
import { ProxmeshError, type ErrorCode } from '../../node/errors.ts';
import type { Graph } from '../../topologies/types.ts';

/** Asserts fn throws a ProxmeshError with this code (and message matching re, if given); returns it. */
export function expectCode(fn: () => unknown, code: ErrorCode, re?: RegExp): ProxmeshError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(ProxmeshError);
  const e = caught as ProxmeshError;
  expect(e.code).toBe(code);
  if (re) expect(e.message).toMatch(re);
  return e;
}

export function neighbours(g: Graph, i: number): number[] {
  return Array.from(g.indices.subarray(g.indptr[i], g.indptr[i + 1]));
}

export function sortedDesc(a: ArrayLike<number>): number[] {
  return Array.from(a).sort((x, y) => y - x);
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol) {
      throw new Error(`entry ${i}: ${actual[i]} vs ${expected[i]} (|diff| = ${Math.abs(actual[i] - expected[i])} > ${tol})`);
    }
  }
}
