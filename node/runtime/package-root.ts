/**
 * The installed package's root folder (the one holding package.json), found from a module's URL.
 * Files shipped beside the code (examples/, data/, docs/, coordinator/dashboard/public) are resolved
 * from it, so they are found the same way whether the module runs from the TypeScript sources
 * (`node/…/x.ts`, tests) or from the compiled tree (`dist/node/…/x.js`, what users run): dist/ holds
 * no package.json, so the walk passes through it to the real root.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from `moduleUrl`'s folder to the first folder with a package.json. */
export function packageRootOf(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    // Reaching the file-system root means the tree was copied without its package.json: a broken
    // install, not an input error, so this is a plain Error.
    if (up === dir) throw new Error(`proxmesh: no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}

/** This package's root. */
export const PACKAGE_ROOT = packageRootOf(import.meta.url);
