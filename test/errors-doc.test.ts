import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, ProxmeshError, exitStatusOf, isErrorCode } from '../node/errors.ts';
import { ERRORS_DOC_PATH, renderErrorsDoc } from '../node/errors-doc.ts';

describe('error registry', () => {
  it('docs/errors.md is the render of the registry (run `npm run docs:errors` when this fails)', () => {
    expect(readFileSync(ERRORS_DOC_PATH, 'utf8')).toBe(renderErrorsDoc());
  });

  it('every code is documented exactly once', () => {
    const doc = readFileSync(ERRORS_DOC_PATH, 'utf8');
    for (const code of Object.keys(ERRORS)) expect(doc.split(`\`${code}\``).length - 1).toBe(1);
  });

  it('maps 4xx to CLI exit 2 and 5xx to 1', () => {
    expect(exitStatusOf(new ProxmeshError('PROXMESH_ERR_CONFIG', 'x'))).toBe(2);
    expect(exitStatusOf(new ProxmeshError('PROXMESH_ERR_INTERNAL', 'x'))).toBe(1);
    expect(exitStatusOf(new Error('plain'))).toBe(1);
  });

  it('serialises code, message and detail', () => {
    const e = new ProxmeshError('PROXMESH_ERR_CONFIG', 'config /a: bad', { path: '/a' });
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 'PROXMESH_ERR_CONFIG', message: 'config /a: bad', detail: { path: '/a' } });
    expect(e.status).toBe(400);
  });

  it('recognises registry codes only', () => {
    expect(isErrorCode('PROXMESH_ERR_CONFIG')).toBe(true);
    expect(isErrorCode('PROXMESH_ERR_NOPE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});
