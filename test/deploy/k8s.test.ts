/**
 * Kubernetes manifests: the committed YAML is the render of the defaults; every object passes its
 * schema (kubernetes-models validate(), our ServiceMonitor check); the project rules hold — and each
 * rule reports a deliberately broken object; --nodes moves replicas and topology.nodes together;
 * checkpoints live on PersistentVolumeClaims in the base and on emptyDirs in the example overlays
 * (components/ephemeral-checkpoints); `kubectl kustomize` renders the overlays offline (skipped only
 * when kubectl is absent).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ephemeralCheckpointsPatches } from '../../deploy/k8s/checkpoints-component.ts';
import { COORDINATOR_DATA, NAMES, TOKEN_PLACEHOLDER, WORKER_CHECKPOINTS } from '../../deploy/k8s/manifests.ts';
import { DEFAULT_IMAGE, DEFAULT_NODES, K8S_DIR, main, renderTree } from '../../deploy/k8s/render.ts';
import { checkRules } from '../../deploy/k8s/rules.ts';
import { splitImage } from '../../deploy/k8s/kustomize.ts';
import { checkServiceMonitor } from '../../deploy/k8s/service-monitor.ts';
import { validateSchemas } from '../../deploy/k8s/validate.ts';

type Obj = Record<string, any>;
const ROOT = join(import.meta.dirname, '..', '..');
const temps: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'proxmesh-k8s-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const docs = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter(Boolean);

/** The objects of a rendered tree (base + components), as kubectl would read them. */
function objectsOf(tree: ReadonlyMap<string, string>): Obj[] {
  return [...tree].filter(([p]) => /^(base|components)\//.test(p) && !p.endsWith('kustomization.yaml')).flatMap(([, t]) => docs(t));
}

const committed = () =>
  new Map(
    filesUnder(K8S_DIR)
      .filter((p) => /\/(base|components|overlays)\//.test(p))
      .map((p) => [relative(K8S_DIR, p), readFileSync(p, 'utf8')]),
  );
const objects = objectsOf(committed());
const find = (list: Obj[], kind: string, name: string) => {
  const o = list.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const configOf = (list: Obj[]) => parse(find(list, 'ConfigMap', NAMES.config).data['config.yaml']);

describe('render', () => {
  it('the committed YAML equals a fresh render of the defaults (no stale or extra files)', () => {
    const fresh = renderTree();
    const disk = committed();
    expect([...disk.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [path, text] of fresh) expect(disk.get(path), path).toBe(text);
  });

  it('renders the objects the cluster needs, with the example config and the placeholder token', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        'ConfigMap/proxmesh-config',
        'Deployment/coordinator',
        'PersistentVolumeClaim/coordinator-data',
        'Secret/proxmesh-token',
        'Service/coordinator',
        'Service/workers',
        'ServiceMonitor/proxmesh',
        'StatefulSet/worker',
      ].sort(),
    );
    const example = parse(readFileSync(join(ROOT, 'examples/a9a-cdproxsgt-ring8.yaml'), 'utf8'));
    expect(configOf(objects)).toEqual(example);
    expect(DEFAULT_NODES).toBe(example.topology.nodes);
    expect(find(objects, 'Secret', NAMES.token).stringData.token).toBe(TOKEN_PLACEHOLDER);
    expect(committed().get('base/secret.yaml')).toMatch(/^# REPLACE THE PLACEHOLDER TOKEN/m);
    const worker = find(objects, 'StatefulSet', NAMES.workers).spec.template.spec.containers[0];
    const env = Object.fromEntries(worker.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      PROXMESH_ORDINAL_FROM_HOSTNAME: '1',
      PROXMESH_ADVERTISE: '$(POD_NAME).workers',
      PROXMESH_COORDINATOR: 'ws://coordinator:8080/control',
      PROXMESH_LISTEN: '0.0.0.0:7070',
      PROXMESH_METRICS_LISTEN: '0.0.0.0:9464',
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      PROXMESH_TOKEN: { secretKeyRef: { name: 'proxmesh-token', key: 'token' } },
    });
    expect(worker.image).toBe(DEFAULT_IMAGE);
    // Every listener is set explicitly (the binaries default to loopback), and the dashboard is behind the token.
    const coordinator = find(objects, 'Deployment', NAMES.coordinator).spec.template.spec.containers[0];
    const cenv = Object.fromEntries(coordinator.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
    expect(cenv).toMatchObject({ PROXMESH_LISTEN: '0.0.0.0:8080', PROXMESH_DASHBOARD_AUTH: 'token' });
  });

  it("--nodes 16 changes replicas and the config's topology.nodes together (and the overlay too)", () => {
    const tree = renderTree({ nodes: 16, image: 'registry.example:5000/team/proxmesh:1.2' });
    const objs = objectsOf(tree);
    expect(find(objs, 'StatefulSet', NAMES.workers).spec.replicas).toBe(16);
    expect(configOf(objs).topology.nodes).toBe(16);
    const overlay = parse(tree.get('overlays/example/kustomization.yaml')!);
    expect(overlay.replicas).toEqual([{ name: NAMES.workers, count: 16 }]);
    expect(overlay.images).toEqual([{ name: 'registry.example:5000/team/proxmesh', newTag: '1.2' }]);
    expect(parse(tree.get('overlays/example/config.yaml')!).topology.nodes).toBe(16);
    expect(find(objs, 'Deployment', NAMES.coordinator).spec.template.spec.containers[0].image).toBe(
      'registry.example:5000/team/proxmesh:1.2',
    );
    // Everything else is the default render.
    const base = objectsOf(renderTree());
    const strip = (l: Obj[]) =>
      stringify(l)
        .replaceAll(DEFAULT_IMAGE, 'IMG')
        .replaceAll('registry.example:5000/team/proxmesh:1.2', 'IMG')
        .replace(/\b(16|8)\b/g, 'N');
    expect(strip(objs)).toBe(strip(base));
  });

  it('--nodes-per-worker B: ⌈n / B⌉ worker pods, each told B; the replicas rule follows it', () => {
    const tree = renderTree({ nodes: 1024, nodesPerWorker: 128 });
    const objs = objectsOf(tree);
    const st = find(objs, 'StatefulSet', NAMES.workers);
    expect(st.spec.replicas).toBe(8);
    expect(configOf(objs).topology.nodes).toBe(1024);
    expect(st.spec.template.spec.containers[0].env).toContainEqual({ name: 'PROXMESH_NODES_PER_WORKER', value: '128' });
    expect(parse(tree.get('overlays/example/kustomization.yaml')!).replicas).toEqual([{ name: NAMES.workers, count: 8 }]);
    expect(checkRules(objs)).toEqual([]);
    st.spec.replicas = 1024;
    expect(checkRules(objs)).toEqual([
      'StatefulSet/worker: replicas 1024 ≠ ⌈topology.nodes 1024 / PROXMESH_NODES_PER_WORKER 128⌉ of the mounted run config',
    ]);
  });

  it('splits image references', () => {
    expect(splitImage('proxmesh:0.1.0')).toEqual({ name: 'proxmesh', tag: '0.1.0', digest: null });
    expect(splitImage('host:5000/p')).toEqual({ name: 'host:5000/p', tag: null, digest: null });
    expect(splitImage('p@sha256:ab')).toEqual({ name: 'p', tag: null, digest: 'sha256:ab' });
  });

  it('the CLI writes the tree to --out; bad arguments exit 2 with a code and write nothing', () => {
    const out = tempDir();
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const log = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(main(['--nodes', '5', '--out', out])).toBe(0);
      expect(err).not.toHaveBeenCalled();
      expect(String(log.mock.lastCall?.[0])).toBe(`wrote 17 files to ${out}\n`);
      expect(parse(readFileSync(join(out, 'base/worker-statefulset.yaml'), 'utf8')).spec.replicas).toBe(5);
      expect(parse(parse(readFileSync(join(out, 'base/configmap.yaml'), 'utf8')).data['config.yaml']).topology.nodes).toBe(5);
      for (const args of [['--nodes', '0'], ['--nodes', 'x'], ['--nodes', '-3'], ['--image', ''], ['--image', 'a b'], ['--bogus']]) {
        const dir = tempDir();
        expect(main([...args, '--out', dir]), args.join(' ')).toBe(2);
        expect(String(err.mock.lastCall?.[0]), args.join(' ')).toMatch(/^error PROXMESH_ERR_USAGE: /);
        expect(readdirSync(dir)).toEqual([]);
      }
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
  });
});

describe('schemas', () => {
  it('every object passes kubernetes-models validate() / the ServiceMonitor check', () => {
    expect(validateSchemas(objects)).toEqual([]);
  });

  it('a wrong type, a missing required field and an unknown kind are reported', () => {
    const broken = structuredClone(objects);
    find(broken, 'StatefulSet', NAMES.workers).spec.replicas = 'three';
    delete find(broken, 'Deployment', NAMES.coordinator).spec.selector;
    broken.push({ apiVersion: 'v1', kind: 'Podd', metadata: { name: 'x' } });
    const errs = validateSchemas(broken);
    expect(errs).toHaveLength(3);
    expect(errs[0]).toMatch(/^Deployment\/coordinator: .*selector/);
    expect(errs[1]).toMatch(/^StatefulSet\/worker: .*replicas must be integer/);
    expect(errs[2]).toBe('Podd/x: no schema for v1 Podd');
  });

  it('the ServiceMonitor check rejects what the CRD would', () => {
    const sm = find(objects, 'ServiceMonitor', 'proxmesh');
    expect(checkServiceMonitor(sm)).toEqual([]);
    const bad = (f: (o: Obj) => void) => {
      const o = structuredClone(sm);
      f(o);
      return checkServiceMonitor(o);
    };
    expect(
      bad((o) => {
        o.apiVersion = 'monitoring.coreos.com/v2';
      }),
    ).toEqual(['ServiceMonitor: apiVersion must be monitoring.coreos.com/v1 (got monitoring.coreos.com/v2)']);
    expect(
      bad((o) => {
        o.spec.endpoints = [];
      }),
    ).toEqual(['ServiceMonitor: spec.endpoints must be a non-empty list']);
    expect(
      bad((o) => {
        o.spec.endpoints[0].interval = '15 seconds';
      }),
    ).toEqual(['ServiceMonitor: endpoints[0].interval must be a duration such as 15s (got 15 seconds)']);
    expect(
      bad((o) => {
        o.spec.endpoints[1].port = 9464;
      }),
    ).toEqual(['ServiceMonitor: endpoints[1].port must be a port name']);
    expect(
      bad((o) => {
        o.spec.selector = {};
      }),
    ).toEqual(['ServiceMonitor: spec.selector.matchLabels must be a non-empty map']);
    expect(
      bad((o) => {
        o.metadata.name = 'Prox_Mesh';
      }),
    ).toEqual(['ServiceMonitor: metadata.name must be a DNS label (got Prox_Mesh)']);
  });
});

const LABELS = (component: string) => ({
  'app.kubernetes.io/name': 'proxmesh',
  'app.kubernetes.io/part-of': 'proxmesh',
  'app.kubernetes.io/component': component,
});
const CLAIM_SPEC = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };

describe('checkpoint volumes', () => {
  it('each worker pod gets its own claim `checkpoints` at /checkpoints = PROXMESH_CHECKPOINT_DIR', () => {
    const st = find(objects, 'StatefulSet', NAMES.workers);
    // No storageClassName: the cluster's default class provisions it.
    expect(st.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'checkpoints', labels: LABELS('worker') }, spec: CLAIM_SPEC }]);
    expect(st.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const pod = st.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' });
    expect(pod.volumes.map((v: Obj) => v.name)).toEqual(['data', 'tmp']);
    const c = pod.containers[0];
    expect(c.volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'checkpoints', mountPath: '/checkpoints' },
    ]);
    expect(c.env.at(-1)).toEqual({ name: 'PROXMESH_CHECKPOINT_DIR', value: '/checkpoints' });
    expect(WORKER_CHECKPOINTS).toEqual({ volume: 'checkpoints', mountPath: '/checkpoints', size: '1Gi' });
  });

  it('the coordinator writes its run folders (and their checkpoints/) to the claim coordinator-data at /data', () => {
    expect(find(objects, 'PersistentVolumeClaim', NAMES.coordinatorData)).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'coordinator-data', labels: LABELS('coordinator') },
      spec: CLAIM_SPEC,
    });
    const dep = find(objects, 'Deployment', NAMES.coordinator);
    expect(dep.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' });
    expect(pod.volumes.find((v: Obj) => v.name === 'data')).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'coordinator-data' },
    });
    const c = pod.containers[0];
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(c.env).toContainEqual({ name: 'PROXMESH_RUNS_DIR', value: '/data/runs' });
    expect(COORDINATOR_DATA.runsDir.startsWith(`${COORDINATOR_DATA.mountPath}/`)).toBe(true);
  });

  it('the base passes the persistent rule and fails the ephemeral one, naming every claim', () => {
    expect(checkRules(objects, { checkpointStorage: 'persistent' })).toEqual([]);
    expect(checkRules(objects, { checkpointStorage: 'ephemeral' }).sort()).toEqual(
      [
        'Deployment/coordinator container coordinator: PROXMESH_RUNS_DIR /data/runs is on a PersistentVolumeClaim (volume data); expected an emptyDir (components/ephemeral-checkpoints)',
        'StatefulSet/worker: volumeClaimTemplate checkpoints needs a storage provisioner, but checkpoint storage is ephemeral here',
        'StatefulSet/worker container worker: PROXMESH_CHECKPOINT_DIR /checkpoints is on a PersistentVolumeClaim (volume checkpoints); expected an emptyDir (components/ephemeral-checkpoints)',
        'PersistentVolumeClaim/coordinator-data: needs a storage provisioner, but checkpoint storage is ephemeral here',
      ].sort(),
    );
  });

  it('components/ephemeral-checkpoints holds exactly the three patches, and the example overlay uses it', () => {
    const tree = renderTree();
    const component = parse(tree.get('components/ephemeral-checkpoints/kustomization.yaml')!);
    expect(component.kind).toBe('Component');
    expect(component.patches.map((p: Obj) => ({ target: p.target, patch: parse(p.patch) }))).toEqual(ephemeralCheckpointsPatches());
    expect(ephemeralCheckpointsPatches().map((p) => p.target)).toEqual([
      { kind: 'StatefulSet', name: 'worker' },
      { kind: 'Deployment', name: 'coordinator' },
      { kind: 'PersistentVolumeClaim', name: 'coordinator-data' },
    ]);
    expect(parse(tree.get('overlays/example/kustomization.yaml')!).components).toEqual(['../../components/ephemeral-checkpoints']);
  });

  const worker = (o: Obj[]) => find(o, 'StatefulSet', NAMES.workers).spec.template.spec.containers[0];
  const coordinator = (o: Obj[]) => find(o, 'Deployment', NAMES.coordinator).spec.template.spec.containers[0];
  const setEnv = (c: Obj, name: string, value: string | null) => {
    c.env = c.env.filter((e: Obj) => e.name !== name);
    if (value !== null) c.env.push({ name, value });
  };
  const W = 'StatefulSet/worker container worker';
  const C = 'Deployment/coordinator container coordinator';
  const cases: [string, 'persistent' | undefined, (o: Obj[]) => void, string[]][] = [
    [
      'worker without the checkpoints mount',
      undefined,
      (o) => {
        worker(o).volumeMounts = worker(o).volumeMounts.filter((m: Obj) => m.name !== 'checkpoints');
      },
      [
        `${W}: PROXMESH_CHECKPOINT_DIR /checkpoints is not inside a volumeMount (the root filesystem is read-only, and checkpoints must outlive the container)`,
      ],
    ],
    [
      'PROXMESH_CHECKPOINT_DIR outside the mount',
      undefined,
      (o) => setEnv(worker(o), 'PROXMESH_CHECKPOINT_DIR', '/var/lib/proxmesh'),
      [
        `${W}: PROXMESH_CHECKPOINT_DIR /var/lib/proxmesh is not inside a volumeMount (the root filesystem is read-only, and checkpoints must outlive the container)`,
      ],
    ],
    [
      'PROXMESH_CHECKPOINT_DIR beside the mount (a prefix of the name is not a parent)',
      undefined,
      (o) => setEnv(worker(o), 'PROXMESH_CHECKPOINT_DIR', '/checkpoints-old'),
      [
        `${W}: PROXMESH_CHECKPOINT_DIR /checkpoints-old is not inside a volumeMount (the root filesystem is read-only, and checkpoints must outlive the container)`,
      ],
    ],
    [
      'PROXMESH_CHECKPOINT_DIR unset',
      undefined,
      (o) => setEnv(worker(o), 'PROXMESH_CHECKPOINT_DIR', null),
      [`${W}: PROXMESH_CHECKPOINT_DIR is not set (a worker of a run with checkpointEvery > 0 refuses to start)`],
    ],
    [
      "PROXMESH_CHECKPOINT_DIR on the worker's emptyDir /data (persistent wanted)",
      'persistent',
      (o) => setEnv(worker(o), 'PROXMESH_CHECKPOINT_DIR', '/data/checkpoints'),
      [
        `${W}: PROXMESH_CHECKPOINT_DIR /data/checkpoints is on the emptyDir data, which is lost with the pod (expected a PersistentVolumeClaim)`,
      ],
    ],
    [
      'checkpoints mounted read-only',
      undefined,
      (o) => {
        worker(o).volumeMounts.find((m: Obj) => m.name === 'checkpoints').readOnly = true;
      },
      [`${W}: PROXMESH_CHECKPOINT_DIR /checkpoints is on the read-only mount /checkpoints`],
    ],
    [
      'volumeClaimTemplates dropped, the mount left',
      undefined,
      (o) => {
        delete find(o, 'StatefulSet', NAMES.workers).spec.volumeClaimTemplates;
      },
      [
        `${W}: volumeMount checkpoints has no volume`,
        `${W}: PROXMESH_CHECKPOINT_DIR /checkpoints is on volume checkpoints, which is neither a PersistentVolumeClaim nor an emptyDir`,
      ],
    ],
    [
      'a pod volume shadowed by the claim template',
      undefined,
      (o) => {
        find(o, 'StatefulSet', NAMES.workers).spec.template.spec.volumes.push({ name: 'checkpoints', emptyDir: {} });
      },
      ['StatefulSet/worker: volume checkpoints is both a pod volume and a volumeClaimTemplate (the claim replaces the pod volume)'],
    ],
    [
      'coordinator run folders on the read-only config mount',
      undefined,
      (o) => setEnv(coordinator(o), 'PROXMESH_RUNS_DIR', '/etc/proxmesh/runs'),
      [`${C}: PROXMESH_RUNS_DIR /etc/proxmesh/runs is on the read-only mount /etc/proxmesh`],
    ],
    [
      'coordinator run folders unset',
      undefined,
      (o) => setEnv(coordinator(o), 'PROXMESH_RUNS_DIR', null),
      [`${C}: PROXMESH_RUNS_DIR is not set (run folders and checkpoints would go to ./runs on the read-only root filesystem)`],
    ],
    [
      'coordinator /data on an emptyDir (persistent wanted)',
      'persistent',
      (o) => {
        find(o, 'Deployment', NAMES.coordinator).spec.template.spec.volumes[1] = { name: 'data', emptyDir: {} };
      },
      [
        `${C}: PROXMESH_RUNS_DIR /data/runs is on the emptyDir data, which is lost with the pod (expected a PersistentVolumeClaim)`,
        'PersistentVolumeClaim/coordinator-data: no pod mounts it',
      ],
    ],
    [
      'coordinator /data from a ConfigMap',
      undefined,
      (o) => {
        find(o, 'Deployment', NAMES.coordinator).spec.template.spec.volumes[1] = { name: 'data', configMap: { name: NAMES.config } };
      },
      [
        `${C}: /data is not a writable emptyDir or PersistentVolumeClaim (the root filesystem is read-only)`,
        `${C}: PROXMESH_RUNS_DIR /data/runs is on volume data, which is neither a PersistentVolumeClaim nor an emptyDir`,
        'PersistentVolumeClaim/coordinator-data: no pod mounts it',
      ],
    ],
    [
      'claim name wrong',
      undefined,
      (o) => {
        find(o, 'Deployment', NAMES.coordinator).spec.template.spec.volumes[1].persistentVolumeClaim.claimName = 'coordinator-dat';
      },
      [
        'Deployment/coordinator: volume data refers to PersistentVolumeClaim coordinator-dat, which is not defined',
        'PersistentVolumeClaim/coordinator-data: no pod mounts it',
      ],
    ],
    [
      'rolling update with a ReadWriteOnce claim',
      undefined,
      (o) => {
        find(o, 'Deployment', NAMES.coordinator).spec.strategy = { type: 'RollingUpdate' };
      },
      [
        "Deployment/coordinator: mounts the ReadWriteOnce PersistentVolumeClaim coordinator-data but its strategy is not Recreate (a rolling update's new pod waits for the old pod's volume)",
      ],
    ],
    [
      'no fsGroup',
      undefined,
      (o) => {
        delete find(o, 'StatefulSet', NAMES.workers).spec.template.spec.securityContext.fsGroup;
      },
      ['StatefulSet/worker: pod securityContext.fsGroup is not 1000, so uid 1000 may not be able to write its PersistentVolumeClaims'],
    ],
  ];
  it.each(cases)('reports a broken object: %s', (_name, storage, breakIt, expected) => {
    const broken = structuredClone(objects);
    breakIt(broken);
    expect(checkRules(broken, { checkpointStorage: storage }).sort()).toEqual([...expected].sort());
  });
});

describe('project rules', () => {
  it('hold for the render', () => {
    expect(checkRules(objects)).toEqual([]);
  });

  const coordinator = (o: Obj[]) => find(o, 'Deployment', NAMES.coordinator).spec.template.spec.containers[0];
  const worker = (o: Obj[]) => find(o, 'StatefulSet', NAMES.workers).spec.template.spec.containers[0];
  const envOf = (c: Obj, name: string) => c.env.find((e: Obj) => e.name === name);
  const cases: [string, (o: Obj[]) => void, string][] = [
    [
      'missing image',
      (o) => {
        delete coordinator(o).image;
      },
      'Deployment/coordinator container coordinator: no image',
    ],
    [
      'probe on an undeclared port name',
      (o) => {
        worker(o).livenessProbe.httpGet.port = 'metricz';
      },
      'StatefulSet/worker container worker: livenessProbe port metricz is not a declared container port',
    ],
    [
      'probe on an undeclared port number',
      (o) => {
        coordinator(o).readinessProbe.httpGet.port = 9090;
      },
      'Deployment/coordinator container coordinator: readinessProbe port 9090 is not a declared container port',
    ],
    [
      'serviceName names no Service',
      (o) => {
        find(o, 'StatefulSet', NAMES.workers).spec.serviceName = 'peers';
      },
      'StatefulSet/worker: serviceName peers names no Service',
    ],
    [
      'governing Service not headless',
      (o) => {
        delete find(o, 'Service', NAMES.workersService).spec.clusterIP;
      },
      'StatefulSet/worker: Service workers is not headless (clusterIP: None)',
    ],
    [
      'replicas ≠ topology.nodes',
      (o) => {
        find(o, 'StatefulSet', NAMES.workers).spec.replicas = 7;
      },
      'StatefulSet/worker: replicas 7 ≠ topology.nodes 8 of the mounted run config',
    ],
    [
      'topology.nodes ≠ replicas',
      (o) => {
        const cm = find(o, 'ConfigMap', NAMES.config);
        cm.data['config.yaml'] = cm.data['config.yaml'].replace(/^ {2}nodes: 8$/m, '  nodes: 9');
      },
      'StatefulSet/worker: replicas 8 ≠ topology.nodes 9 of the mounted run config',
    ],
    [
      'config not mounted',
      (o) => {
        envOf(coordinator(o), 'PROXMESH_CONFIG').value = '/config/run.yaml';
      },
      'Deployment/coordinator container coordinator: PROXMESH_CONFIG /config/run.yaml is not in a ConfigMap volume',
    ],
    [
      'config key missing',
      (o) => {
        envOf(coordinator(o), 'PROXMESH_CONFIG').value = '/etc/proxmesh/run.yaml';
      },
      'Deployment/coordinator container coordinator: ConfigMap proxmesh-config has no key run.yaml for PROXMESH_CONFIG',
    ],
    [
      'workload selector misses its pods',
      (o) => {
        find(o, 'Deployment', NAMES.coordinator).spec.selector.matchLabels['app.kubernetes.io/component'] = 'coord';
      },
      "Deployment/coordinator: spec.selector.matchLabels does not select the pod template's labels",
    ],
    [
      'Service selector misses the pods',
      (o) => {
        find(o, 'Service', NAMES.coordinator).spec.selector['app.kubernetes.io/component'] = 'coord';
      },
      'Service/coordinator: selector matches no pod template',
    ],
    [
      'headless Service misses the pods',
      (o) => {
        find(o, 'Service', NAMES.workersService).spec.selector['app.kubernetes.io/component'] = 'coordinator';
      },
      'StatefulSet/worker: headless Service workers does not select its pods',
    ],
    [
      'Service targets an undeclared port',
      (o) => {
        find(o, 'Service', NAMES.workersService).spec.ports[1].targetPort = 'metricz';
      },
      'Service/workers: port metrics targets metricz, which no selected container declares',
    ],
    [
      'Secret name wrong',
      (o) => {
        envOf(worker(o), 'PROXMESH_TOKEN').valueFrom.secretKeyRef.name = 'proxmesh-tokn';
      },
      'StatefulSet/worker container worker: env PROXMESH_TOKEN refers to Secret proxmesh-tokn, which is not defined',
    ],
    [
      'Secret key wrong',
      (o) => {
        envOf(coordinator(o), 'PROXMESH_TOKEN').valueFrom.secretKeyRef.key = 'tok';
      },
      'Deployment/coordinator container coordinator: env PROXMESH_TOKEN refers to key tok missing from Secret proxmesh-token',
    ],
    [
      'ConfigMap volume names nothing',
      (o) => {
        find(o, 'Deployment', NAMES.coordinator).spec.template.spec.volumes[0].configMap.name = 'cfg';
      },
      'Deployment/coordinator: volume config refers to ConfigMap cfg, which is not defined',
    ],
    [
      '$(POD_NAME) used before it is defined',
      (o) => {
        const c = worker(o);
        c.env.push(c.env.shift());
      },
      'StatefulSet/worker container worker: env PROXMESH_ADVERTISE uses $(POD_NAME) before it is defined',
    ],
    [
      'advertise names another Service',
      (o) => {
        envOf(worker(o), 'PROXMESH_ADVERTISE').value = '$(POD_NAME).peers';
      },
      'StatefulSet/worker: PROXMESH_ADVERTISE $(POD_NAME).peers is not $(POD_NAME).workers',
    ],
    [
      'coordinator URL on a wrong port',
      (o) => {
        envOf(worker(o), 'PROXMESH_COORDINATOR').value = 'ws://coordinator:8081/control';
      },
      'StatefulSet/worker: PROXMESH_COORDINATOR ws://coordinator:8081/control is not ws://<a Service>:<its port>/control',
    ],
    [
      'runAsNonRoot false',
      (o) => {
        worker(o).securityContext.runAsNonRoot = false;
      },
      'StatefulSet/worker container worker: runAsNonRoot is not true',
    ],
    [
      'runs as root',
      (o) => {
        coordinator(o).securityContext.runAsUser = 0;
      },
      'Deployment/coordinator container coordinator: runAsUser is not 1000',
    ],
    [
      'privilege escalation',
      (o) => {
        worker(o).securityContext.allowPrivilegeEscalation = true;
      },
      'StatefulSet/worker container worker: allowPrivilegeEscalation is not false',
    ],
    [
      'writable root filesystem',
      (o) => {
        delete coordinator(o).securityContext.readOnlyRootFilesystem;
      },
      'Deployment/coordinator container coordinator: readOnlyRootFilesystem is not true',
    ],
    [
      'capabilities kept',
      (o) => {
        worker(o).securityContext.capabilities.drop = ['NET_RAW'];
      },
      'StatefulSet/worker container worker: capabilities do not drop ALL',
    ],
    [
      'no writable /tmp',
      (o) => {
        worker(o).volumeMounts = worker(o).volumeMounts.filter((m: Obj) => m.mountPath !== '/tmp');
      },
      'StatefulSet/worker container worker: /tmp is not a writable emptyDir (the root filesystem is read-only)',
    ],
    [
      'scrape annotation on a wrong port',
      (o) => {
        find(o, 'StatefulSet', NAMES.workers).spec.template.metadata.annotations['prometheus.io/port'] = '9465';
      },
      'StatefulSet/worker: prometheus.io/port 9465 is not a container port',
    ],
    [
      'ServiceMonitor endpoint on a missing port',
      (o) => {
        find(o, 'ServiceMonitor', 'proxmesh').spec.endpoints[1].port = 'web';
      },
      'ServiceMonitor/proxmesh: endpoint port web is on no selected Service',
    ],
  ];
  it.each(cases)('reports a broken object: %s', (_name, breakIt, expected) => {
    const broken = structuredClone(objects);
    breakIt(broken);
    expect(checkRules(broken)).toContain(expected);
  });
});

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl) console.warn('test/deploy/k8s.test.ts: kubectl not found on PATH; skipping the `kubectl kustomize` cases');

describe.skipIf(!hasKubectl)('kubectl kustomize (offline)', () => {
  const kustomize = (dir: string) => docs(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 20_000 }));

  it('renders overlays/example and overlays/example-monitoring into valid objects in the proxmesh namespace', () => {
    const plainOut = kustomize(join(K8S_DIR, 'overlays/example'));
    const withMonitor = kustomize(join(K8S_DIR, 'overlays/example-monitoring'));
    for (const [out, extra] of [
      [plainOut, []],
      [withMonitor, ['ServiceMonitor/proxmesh']],
    ] as const) {
      // components/ephemeral-checkpoints: no claim at all, so it applies on kind/minikube without a provisioner.
      expect(out.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        [
          'ConfigMap/proxmesh-config',
          'Deployment/coordinator',
          'Namespace/proxmesh',
          'Secret/proxmesh-token',
          'Service/coordinator',
          'Service/workers',
          'StatefulSet/worker',
          ...extra,
        ].sort(),
      );
      for (const o of out) if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('proxmesh');
      expect(validateSchemas(out)).toEqual([]);
      expect(checkRules(out)).toEqual([]);
      expect(checkRules(out, { checkpointStorage: 'ephemeral' })).toEqual([]);
      expect(find(out, 'StatefulSet', NAMES.workers).spec.replicas).toBe(DEFAULT_NODES);
      const st = find(out, 'StatefulSet', NAMES.workers);
      expect(st.spec.volumeClaimTemplates).toBeUndefined();
      expect(st.spec.template.spec.volumes.find((v: Obj) => v.name === 'checkpoints')).toEqual({ name: 'checkpoints', emptyDir: {} });
      expect(st.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/checkpoints' });
      expect(st.spec.template.spec.containers[0].env).toContainEqual({ name: 'PROXMESH_CHECKPOINT_DIR', value: '/checkpoints' });
      const dep = find(out, 'Deployment', NAMES.coordinator);
      expect(dep.spec.template.spec.volumes.find((v: Obj) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
      expect(checkRules(out, { checkpointStorage: 'persistent' }).sort()).toEqual([
        'Deployment/coordinator container coordinator: PROXMESH_RUNS_DIR /data/runs is on the emptyDir data, which is lost with the pod (expected a PersistentVolumeClaim)',
        'StatefulSet/worker container worker: PROXMESH_CHECKPOINT_DIR /checkpoints is on the emptyDir checkpoints, which is lost with the pod (expected a PersistentVolumeClaim)',
      ]);
    }
  });

  it('the base on its own keeps the claims (what an overlay without the component applies)', () => {
    const out = kustomize(join(K8S_DIR, 'base'));
    expect(validateSchemas(out)).toEqual([]);
    expect(checkRules(out, { checkpointStorage: 'persistent' })).toEqual([]);
    expect(find(out, 'PersistentVolumeClaim', NAMES.coordinatorData).spec).toEqual(CLAIM_SPEC);
    expect(find(out, 'StatefulSet', NAMES.workers).spec.volumeClaimTemplates.map((t: Obj) => t.metadata.name)).toEqual(['checkpoints']);
  });

  it('the overlay sets the node count: replicas and topology.nodes both come from it; changing only one is caught', () => {
    const dir = tempDir();
    cpSync(K8S_DIR, dir, { recursive: true, filter: (p) => !p.endsWith('.ts') });
    const overlay = join(dir, 'overlays/example');
    const kustomization = readFileSync(join(overlay, 'kustomization.yaml'), 'utf8');
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      kustomization.replace(/count: 8/, 'count: 12').replace(/newTag: dev/, 'newTag: "2.0"'),
    );
    const out1 = kustomize(overlay);
    expect(find(out1, 'StatefulSet', NAMES.workers).spec.replicas).toBe(12);
    expect(find(out1, 'StatefulSet', NAMES.workers).spec.template.spec.containers[0].image).toBe('proxmesh:2.0');
    expect(checkRules(out1)).toContain('StatefulSet/worker: replicas 12 ≠ topology.nodes 8 of the mounted run config');
    const config = readFileSync(join(overlay, 'config.yaml'), 'utf8');
    writeFileSync(join(overlay, 'config.yaml'), config.replace(/^ {2}nodes: 8$/m, '  nodes: 12'));
    const out2 = kustomize(overlay);
    expect(configOf(out2).topology.nodes).toBe(12);
    expect(checkRules(out2)).toEqual([]);
    // The base still says 8: the overlay's config.yaml replaced the base ConfigMap.
    expect(configOf(objectsOf(committed())).topology.nodes).toBe(8);
  });
});
