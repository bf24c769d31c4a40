/**
 * Renders docs/errors.md from the error registry (node/errors.ts), so the documented table and the
 * codes the program throws cannot drift apart: test/errors-doc.test.ts fails when the file is stale.
 * Regenerate with `npm run docs:errors`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS } from './errors.ts';

export const ERRORS_DOC_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'errors.md');

export function renderErrorsDoc(): string {
  const rows = Object.values(ERRORS).map((e) => `| \`${e.code}\` | ${e.status} | ${e.status < 500 ? 2 : 1} | ${e.description} |`);
  return [
    '# Error codes',
    '',
    'Generated from `node/errors.ts` by `npm run docs:errors`; a test fails when this file is stale.',
    '',
    'Every error a user can cause carries a stable code. The CLI prints `error <CODE>: <message>` on',
    'stderr and exits with the status below; the coordinator answers with the HTTP status and a body',
    '`{ "error": { "code", "message", "detail"? } }`. Messages name the bad field, frame or file and the fix.',
    '',
    '| code | HTTP | CLI exit | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(ERRORS_DOC_PATH, renderErrorsDoc());
  process.stdout.write(`wrote ${ERRORS_DOC_PATH}\n`);
}
