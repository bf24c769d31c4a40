/**
 * The PyTorch baseline runner reports a missing baseline instead of skipping it: when no candidate
 * interpreter imports the module, findPython names every candidate and why it failed.
 */
import { describe, expect, it } from 'vitest';
import { findPython } from '../../bench/baselines/pytorch.ts';

describe('bench/baselines/pytorch.ts findPython', () => {
  it('returns missing with one reason per candidate (PROXMESH_PYTHON first) when the module is absent', () => {
    const saved = process.env.PROXMESH_PYTHON;
    process.env.PROXMESH_PYTHON = 'proxmesh-no-such-python';
    try {
      const r = findPython('proxmesh_no_such_module');
      expect('missing' in r).toBe(true);
      const reason = 'missing' in r ? r.missing : '';
      expect(reason.startsWith('proxmesh-no-such-python: ')).toBe(true);
      expect(reason.split('; ').length).toBe(3); // PROXMESH_PYTHON, the system python3, python3 on PATH
    } finally {
      if (saved === undefined) delete process.env.PROXMESH_PYTHON;
      else process.env.PROXMESH_PYTHON = saved;
    }
  });
});
