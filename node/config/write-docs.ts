/**
 * `npm run docs:config`: regenerates docs/config.md from the run-config schema.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderConfigDocs } from './render-docs.ts';

/** docs/config.md of this checkout. */
export const CONFIG_DOCS_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'config.md');

export function writeConfigDocs(path: string = CONFIG_DOCS_PATH): string {
  writeFileSync(path, renderConfigDocs());
  return path;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`wrote ${writeConfigDocs()}\n`);
}
