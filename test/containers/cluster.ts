/**
 * A proxmesh cluster as containers: one coordinator and n workers on a user-defined bridge network
 * with a fixed subnet (so a worker cut off the network can be reconnected with its old IP: its TCP
 * connections, including the control channel, then resume). Peers find each other by network alias
 * worker-<i>; each worker takes its ordinal from its host name (PROXMESH_ORDINAL_FROM_HOSTNAME=1), as
 * a StatefulSet pod would. Every container runs with a read-only root filesystem.
 * Every container carries the label proxmesh.cluster=<name>; stop() removes all of them and the
 * network, whatever state they are in, so a failed start leaks nothing.
 */
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';

export type Docker = Awaited<ReturnType<typeof getContainerRuntimeClient>>['container']['dockerode'];

/** Test-only cluster token (never a real secret). */
export const TOKEN = 'proxmesh-container-test-token';
export const CONFIG_IN_CONTAINER = '/etc/proxmesh/job.json';
/** Label on every test container and network: value = the cluster name (cleanup by label). */
export const CLUSTER_LABEL = 'proxmesh.cluster';

/** GenericContainer with the one HostConfig switch testcontainers 11 has no method for. */
export class ProxmeshContainer extends GenericContainer {
  withReadOnlyRootfs(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}

export interface ClusterOptions {
  readonly image: string;
  /** Unique per cluster: names the network, the containers and the cleanup label. */
  readonly name: string;
  readonly nodes: number;
  /** Host path of the run config (JSON), bind-mounted read-only into the coordinator. */
  readonly configFile: string;
  readonly runId: string;
  /** Worker ping interval (ms); a silent link is re-dialled after 3× this. */
  readonly heartbeatMs: number;
  /** A peer silent this long fails the run (ms). */
  readonly peerTimeoutMs: number;
  readonly startupTimeoutMs?: number;
  /** Extra environment of worker i (e.g. PROXMESH_LISTEN / PROXMESH_ADVERTISE behind a delay proxy). */
  readonly workerEnv?: (i: number) => Record<string, string>;
  /** Host folders bind-mounted read-write into worker i (a checkpoint volume that outlives a restart). */
  readonly workerMounts?: (i: number) => { source: string; target: string }[];
}

export interface RunFailureView {
  readonly code: string;
  readonly message: string;
  readonly node: number | null;
  readonly round: number | null;
}

export interface RunView {
  readonly id: string;
  readonly state: string;
  readonly nodes: number;
  readonly iterations: number;
  readonly lastIteration: number | null;
  readonly rows: number;
  readonly failure: RunFailureView | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface Cluster {
  readonly docker: Docker;
  readonly name: string;
  readonly networkId: string;
  readonly coordinator: StartedTestContainer;
  readonly workers: readonly StartedTestContainer[];
  /** IPv4 address of worker i on the cluster network. */
  readonly workerIps: readonly string[];
  /** http://host:port of the coordinator, from the host. */
  readonly baseUrl: string;
  readonly runId: string;
  stop(): Promise<void>;
}

export async function dockerClient(): Promise<Docker> {
  return (await getContainerRuntimeClient()).container.dockerode;
}

/** A bridge network with its own /24 (needed to reconnect a container at a fixed IP). */
export async function createNetwork(docker: Docker, name: string): Promise<string> {
  for (let attempt = 0; attempt < 32; attempt++) {
    // 10.200-249.x.0/24, spread by pid so parallel runs rarely collide; retried on overlap.
    const a = 200 + ((process.pid + attempt * 7) % 50);
    const b = (process.pid * 31 + attempt * 101) % 256;
    try {
      const net = await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [CLUSTER_LABEL]: name },
        IPAM: { Config: [{ Subnet: `10.${a}.${b}.0/24` }] },
      });
      return net.id;
    } catch (err) {
      if (!/overlap|already/i.test((err as Error).message)) throw err;
    }
  }
  throw new Error(`no free subnet for network ${name}`);
}

/** Removes every container labelled with this cluster's name, then its network. Never throws. */
export async function removeCluster(docker: Docker, name: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${CLUSTER_LABEL}=${name}`] } }).catch(() => []);
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
  const nets = await docker.listNetworks({ filters: { label: [`${CLUSTER_LABEL}=${name}`] } }).catch(() => []);
  await Promise.all(
    nets.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => {}),
    ),
  );
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const docker = await dockerClient();
  const timeout = opts.startupTimeoutMs ?? 120_000;
  await removeCluster(docker, opts.name); // leftovers of a killed earlier run with the same name
  const networkId = await createNetwork(docker, opts.name);
  const labels = { [CLUSTER_LABEL]: opts.name };
  const stop = () => removeCluster(docker, opts.name);
  try {
    const coordinator = await new ProxmeshContainer(opts.image)
      .withReadOnlyRootfs()
      .withName(`${opts.name}-coordinator`)
      .withLabels(labels)
      .withNetworkMode(opts.name)
      .withNetworkAliases('coordinator')
      .withCommand(['coordinator'])
      .withEnvironment({
        PROXMESH_TOKEN: TOKEN,
        PROXMESH_CONFIG: CONFIG_IN_CONTAINER,
        PROXMESH_RUN_ID: opts.runId,
        PROXMESH_LOG_LEVEL: 'warn',
      })
      .withBindMounts([{ source: opts.configFile, target: CONFIG_IN_CONTAINER, mode: 'ro' }])
      .withTmpFs({ '/data': 'rw,uid=1000,gid=1000,size=64m' })
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forLogMessage(/run \S+ created: waiting for/))
      .withStartupTimeout(timeout)
      .start();
    const settled = await Promise.allSettled(
      Array.from({ length: opts.nodes }, (_, i) =>
        new ProxmeshContainer(opts.image)
          .withReadOnlyRootfs()
          .withName(`${opts.name}-worker-${i}`)
          .withHostname(`worker-${i}`)
          .withLabels(labels)
          .withNetworkMode(opts.name)
          .withNetworkAliases(`worker-${i}`)
          .withCommand(['worker'])
          .withEnvironment({
            PROXMESH_TOKEN: TOKEN,
            PROXMESH_COORDINATOR: 'ws://coordinator:8080/control',
            PROXMESH_ORDINAL_FROM_HOSTNAME: '1',
            PROXMESH_HEARTBEAT_MS: String(opts.heartbeatMs),
            PROXMESH_PEER_TIMEOUT_MS: String(opts.peerTimeoutMs),
            ...(opts.workerEnv?.(i) ?? {}),
          })
          .withBindMounts((opts.workerMounts?.(i) ?? []).map((m) => ({ ...m, mode: 'rw' as const })))
          .withExposedPorts(9464)
          .withWaitStrategy(Wait.forLogMessage(/worker: registered/))
          .withStartupTimeout(timeout)
          .start(),
      ),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const workers = settled.map((s) => (s as PromiseFulfilledResult<StartedTestContainer>).value);
    const workerIps = await Promise.all(
      workers.map(async (w) => {
        const info = await docker.getContainer(w.getId()).inspect();
        const ip = info.NetworkSettings.Networks[opts.name]?.IPAddress;
        if (!ip) throw new Error(`worker ${w.getName()} has no address on ${opts.name}`);
        return ip;
      }),
    );
    return {
      docker,
      name: opts.name,
      networkId,
      coordinator,
      workers,
      workerIps,
      runId: opts.runId,
      stop,
      baseUrl: `http://${coordinator.getHost()}:${coordinator.getMappedPort(8080)}`,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function api(c: Cluster, path: string): Promise<Response> {
  return fetch(`${c.baseUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(10_000) });
}

export async function getRun(c: Cluster): Promise<RunView> {
  const res = await api(c, `/runs/${c.runId}`);
  if (!res.ok) throw new Error(`GET /runs/${c.runId}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as RunView;
}

export async function getResults(c: Cluster): Promise<string> {
  const res = await api(c, `/runs/${c.runId}/results?format=ndjson`);
  if (!res.ok) throw new Error(`GET results: HTTP ${res.status} ${await res.text()}`);
  return res.text();
}

/**
 * Polls GET /runs/:id until `until(view)`; a terminal state that does not satisfy it, or the deadline,
 * rejects with the last view (so a failed run shows its failure).
 */
export async function waitForRun(c: Cluster, until: (v: RunView) => boolean, timeoutMs: number, pollMs = 100): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  let last: RunView | null = null;
  for (;;) {
    last = await getRun(c).catch(() => last);
    if (last && until(last)) return last;
    if (last && (last.state === 'done' || last.state === 'failed'))
      throw new Error(`run ended before the awaited condition: ${JSON.stringify(last)}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; last view ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Running state of each container of the cluster (by id). */
export async function running(c: Cluster, containers: readonly StartedTestContainer[]): Promise<boolean[]> {
  return Promise.all(
    containers.map(async (w) => {
      const info = await c.docker
        .getContainer(w.getId())
        .inspect()
        .catch(() => null);
      return info?.State.Running === true;
    }),
  );
}
