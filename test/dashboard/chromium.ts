/**
 * Headless Chromium for the dashboard tests (docs infra.md §6): the Debian binary driven by
 * playwright-core, DNS mapped to nothing but loopback. Missing Chromium skips the browser tests
 * locally and fails them under CI=true.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH =
  [process.env.CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => p && existsSync(p)) ?? null;
export { IN_CI } from '../support/system.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM_PATH) {
    throw new Error(
      'Chromium not found (looked at $CHROMIUM, /usr/lib/chromium/chromium, /usr/bin/chromium): ' +
        'install it with `apt-get install -y --no-install-recommends chromium` (required when CI=true)',
    );
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 20_000 });
}
