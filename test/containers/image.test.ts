/**
 * The image itself: non-root numeric user, one entrypoint for both roles (worker by default), a
 * read-only root filesystem, and a graceful exit (status 0, not SIGKILL's 137) on `docker stop`, which
 * matters because node runs as PID 1 without an init. Stop times are printed, not asserted.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wait } from 'testcontainers';
import { CLUSTER_LABEL, ProxmeshContainer, TOKEN, createNetwork, dockerClient, removeCluster, type Docker } from './cluster.ts';
import { ensureImage } from './image.ts';
import { DOCKER_AVAILABLE, skipUnlessCi } from '../support/system.ts';

/** No dockerd: skipped on a developer machine, a failure under CI=true (see test/support/system.ts). */
const SKIP = skipUnlessCi(DOCKER_AVAILABLE);
import { JOB } from './job.ts';

const NAME = `pmx-image-${process.pid}`;
let image = '';
let docker: Docker;

beforeAll(async () => {
  if (SKIP) return;
  image = await ensureImage();
  docker = await dockerClient();
  await removeCluster(docker, NAME);
  await createNetwork(docker, NAME);
}, 600_000);

afterAll(async () => {
  if (SKIP) return;
  if (docker) await removeCluster(docker, NAME);
}, 60_000);

/** `docker stop` with a grace period; resolves with the exit code and how long the stop took. */
async function stopTimed(id: string, graceSeconds: number): Promise<{ exitCode: number; ms: number }> {
  const t0 = performance.now();
  await docker.getContainer(id).stop({ t: graceSeconds });
  const ms = performance.now() - t0;
  return { exitCode: (await docker.getContainer(id).inspect()).State.ExitCode, ms };
}

function coordinator(name: string) {
  return new ProxmeshContainer(image)
    .withReadOnlyRootfs()
    .withName(name)
    .withLabels({ [CLUSTER_LABEL]: NAME })
    .withNetworkMode(NAME)
    .withNetworkAliases('coordinator')
    .withCommand(['coordinator'])
    .withEnvironment({ PROXMESH_TOKEN: TOKEN, PROXMESH_LOG_LEVEL: 'warn' })
    .withTmpFs({ '/data': 'rw,uid=1000,gid=1000,size=16m' })
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/healthz', 8080).forStatusCode(200))
    .withStartupTimeout(120_000);
}

describe.skipIf(SKIP)('proxmesh image', () => {
  it('runs as a non-root numeric user with one entrypoint for both roles (worker by default)', async () => {
    const info = await docker.getImage(image).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Entrypoint).toEqual(['node', '/app/dist/node/cli/bin.js']);
    expect(info.Config.Cmd).toEqual(['worker']);
    expect(Object.keys(info.Config.ExposedPorts ?? {}).sort()).toEqual(['7070/tcp', '8080/tcp', '9464/tcp']);
    expect(info.Config.Env).toContain('PROXMESH_RUNS_DIR=/data/runs');
  });

  it('a coordinator on a read-only root filesystem serves /healthz, accepts a run, and exits 0 on SIGTERM', async () => {
    const c = await coordinator(`${NAME}-coordinator-a`).start();
    const inspect = await docker.getContainer(c.getId()).inspect();
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    const base = `http://${c.getHost()}:${c.getMappedPort(8080)}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    // A posted run creates its folder under /data/runs: the only writable path is enough.
    const res = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'probe', config: JOB }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as { dir: string }).dir).toBe('/data/runs/probe');
    const { exitCode, ms } = await stopTimed(c.getId(), 10);
    console.log(`[image] coordinator docker stop: ${ms.toFixed(0)} ms, exit ${exitCode}`);
    expect(exitCode).toBe(0);
  }, 180_000);

  it('a registered worker exits 0 on SIGTERM', async () => {
    await coordinator(`${NAME}-coordinator-b`).start();
    const w = await new ProxmeshContainer(image)
      .withReadOnlyRootfs()
      .withName(`${NAME}-worker-0`)
      .withHostname('worker-0')
      .withLabels({ [CLUSTER_LABEL]: NAME })
      .withNetworkMode(NAME)
      .withNetworkAliases('worker-0')
      .withEnvironment({
        PROXMESH_TOKEN: TOKEN,
        PROXMESH_COORDINATOR: 'ws://coordinator:8080/control',
        PROXMESH_ORDINAL_FROM_HOSTNAME: '1',
      })
      .withWaitStrategy(Wait.forLogMessage(/worker: registered/))
      .withStartupTimeout(120_000)
      .start();
    const { exitCode, ms } = await stopTimed(w.getId(), 10);
    console.log(`[image] registered worker docker stop: ${ms.toFixed(0)} ms, exit ${exitCode}`);
    expect(exitCode).toBe(0);
  }, 180_000);

  // connectControl honours the abort signal: a worker still retrying to reach its coordinator must
  // exit 0 on SIGTERM well within the 2 s grace period (before the fix it was SIGKILLed, exit 137).
  it('a worker still looking for its coordinator exits 0 on SIGTERM', async () => {
    const w = await new ProxmeshContainer(image)
      .withReadOnlyRootfs()
      .withName(`${NAME}-worker-lost`)
      .withLabels({ [CLUSTER_LABEL]: NAME })
      .withNetworkMode(NAME)
      .withNetworkAliases('worker-lost')
      .withEnvironment({ PROXMESH_TOKEN: TOKEN, PROXMESH_COORDINATOR: 'ws://no-coordinator:8080/control', PROXMESH_ORDINAL: '0' })
      .withWaitStrategy(Wait.forLogMessage(/coordinator not reachable yet/))
      .withStartupTimeout(120_000)
      .start();
    const { exitCode, ms } = await stopTimed(w.getId(), 2);
    console.log(`[image] unregistered worker docker stop: ${ms.toFixed(0)} ms, exit ${exitCode}`);
    expect(exitCode).toBe(0);
  }, 180_000);
});
