/**
 * Tests that need a system part (dockerd, prometheus, chromium) run for real wherever the part is
 * present. On a developer machine without it they are skipped; under CI=true they are never skipped —
 * .ci/run installs every part, so a missing one must fail loudly instead of passing silently.
 */
import { spawnSync } from 'node:child_process';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** True if `cmd args…` exits 0 within the timeout. */
export function commandWorks(cmd: string, args: readonly string[], timeoutMs = 10_000): boolean {
  return spawnSync(cmd, [...args], { stdio: 'ignore', timeout: timeoutMs }).status === 0;
}

/** Skip only outside CI: `describe.skipIf(skipUnlessCi(dockerOk))`. */
export function skipUnlessCi(available: boolean): boolean {
  return !available && !IN_CI;
}

export const DOCKER_AVAILABLE = commandWorks('docker', ['info', '--format', '{{.ServerVersion}}']);
