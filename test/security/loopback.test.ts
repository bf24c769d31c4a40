/**
 * Issue 16, finding 4: the coordinator and a worker's /metrics bind loopback unless told otherwise;
 * the container image and the Kubernetes manifests, where loopback would be unreachable, set every
 * listen address explicitly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COORDINATOR_LISTEN } from '../../node/cli/cluster-commands.ts';
import { parseListen } from '../../node/cluster/cli-env.ts';
import { DEFAULT_WORKER_METRICS_LISTEN } from '../../node/cluster/worker-command.ts';
import { REPO_ROOT } from '../../node/problem/datasets/paths.ts';
import { renderTree } from '../../deploy/k8s/render.ts';
import { parseAllDocuments } from 'yaml';

describe('loopback by default', () => {
  it("the coordinator and a worker's /metrics default to 127.0.0.1", () => {
    expect(parseListen(DEFAULT_COORDINATOR_LISTEN, 'x').host).toBe('127.0.0.1');
    expect(parseListen(DEFAULT_WORKER_METRICS_LISTEN, 'x').host).toBe('127.0.0.1');
  });

  it('the image listens on its own interfaces explicitly (both roles)', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/PROXMESH_COORDINATOR_LISTEN=0\.0\.0\.0:8080/);
    expect(dockerfile).toMatch(/PROXMESH_METRICS_LISTEN=0\.0\.0\.0:9464/);
  });

  it('every container in the Kubernetes manifests sets its listen addresses, and the coordinator puts the dashboard behind the token', () => {
    const tree = renderTree();
    const containers = [...tree.entries()]
      .filter(([path]) => path.startsWith('base/'))
      .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS()))
      .flatMap((o) => o?.spec?.template?.spec?.containers ?? []);
    const envOf = (name: string) =>
      Object.fromEntries(
        containers.find((c: { name: string }) => c.name === name).env.map((e: { name: string; value?: string }) => [e.name, e.value]),
      );
    expect(envOf('coordinator')).toMatchObject({ PROXMESH_LISTEN: '0.0.0.0:8080', PROXMESH_DASHBOARD_AUTH: 'token' });
    expect(envOf('worker')).toMatchObject({ PROXMESH_LISTEN: '0.0.0.0:7070', PROXMESH_METRICS_LISTEN: '0.0.0.0:9464' });
  });
});
