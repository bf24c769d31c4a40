/** A coordinator app for tests (no listener unless asked) and fake workers driven through RunManager. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type BuildAppOptions, type CoordinatorApp } from '../../coordinator/app.ts';
import { createRunContextFactory, type RunContextOptions } from '../../coordinator/run-context.ts';
import { REPO_DATA_DIR } from '../../node/problem/datasets/paths.ts';
import type { RunManager, WorkerConn } from '../../coordinator/run-manager.ts';
import type { CoordinatorMsg } from '../../node/protocol/control-protocol.ts';
import { loadConfig } from '../../node/config/load.ts';

export const TOKEN = 'test-token-0123456789abcdef';

/**
 * A coordinator app on a fresh runs folder. Its data roots are the shipped data/ folder and the runs
 * folder (tests write their edge lists and dataset files there); `extra` overrides any option.
 */
export async function testApp(
  extra: Partial<BuildAppOptions> & { contextOptions?: Partial<RunContextOptions> } = {},
): Promise<CoordinatorApp & { runsDir: string; dispose(): Promise<void> }> {
  const runsDir = mkdtempSync(join(tmpdir(), 'proxmesh-coord-'));
  const { contextOptions, ...appOptions } = extra;
  const built = await buildApp({
    token: TOKEN,
    contexts: createRunContextFactory({ runsDir, ...contextOptions }),
    validateConfig: (raw) => loadConfig(raw as object),
    defaultMetrics: false,
    dataRoots: [REPO_DATA_DIR, runsDir],
    env: {},
    ...appOptions,
  }).catch((err: unknown) => {
    rmSync(runsDir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...built,
    runsDir,
    async dispose() {
      await built.app.close();
      rmSync(runsDir, { recursive: true, force: true });
    },
  };
}

export const auth = { authorization: `Bearer ${TOKEN}` };

/** A worker connection that records what the coordinator sends it. */
export function fakeWorker(name: string): WorkerConn & { inbox: CoordinatorMsg[]; closed: string | null } {
  const w = {
    connId: name,
    registration: null,
    inbox: [] as CoordinatorMsg[],
    closed: null as string | null,
    send(msg: CoordinatorMsg) {
      w.inbox.push(msg);
    },
    close(_code: number, reason: string) {
      w.closed = reason;
    },
  };
  return w;
}

/** Registers n fake workers and returns them in node order once the run assigned them. */
export function registerFakes(runs: RunManager, n: number): ReturnType<typeof fakeWorker>[] {
  const ws = Array.from({ length: n }, (_, i) => fakeWorker(`fake-${i}`));
  for (const [i, w] of ws.entries()) {
    runs.connect(w);
    runs.handle(w, { t: 'register', peerUrl: `ws://127.0.0.1:${7000 + i}`, ordinal: i, metricsUrl: null });
  }
  return ws;
}
