/**
 * The proxmesh cluster as typed Kubernetes objects (kubernetes-models): the coordinator (Deployment +
 * Service on 8080), the workers (StatefulSet + headless Service, so worker-<i>.<service> resolves for
 * peer links and the ordinal becomes the node id, DESIGN.md §5), the run config (ConfigMap), the
 * cluster token (Secret), the coordinator's run-folder volume (PersistentVolumeClaim), and a
 * prometheus-operator ServiceMonitor. Checkpoints (docs/resume.md) go to volumes that outlive a pod:
 * each worker gets a claim from the StatefulSet's volumeClaimTemplate `checkpoints` and writes there
 * (PROXMESH_CHECKPOINT_DIR); the coordinator writes its run folders, checkpoints included, to the
 * claim `coordinator-data` at /data. components/ephemeral-checkpoints swaps both for emptyDirs.
 * Pure: options in, objects out.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { ServiceMonitor } from './service-monitor.ts';

/** Object names; the worker pods are <workers>-<i> and peers dial <workers>-<i>.<workersService>. */
export const NAMES = {
  coordinator: 'coordinator',
  workers: 'worker',
  workersService: 'workers',
  config: 'proxmesh-config',
  token: 'proxmesh-token',
  serviceMonitor: 'proxmesh',
  /** The coordinator's PersistentVolumeClaim (its run folders, checkpoints included). */
  coordinatorData: 'coordinator-data',
} as const;

export const PORTS = { http: 8080, peer: 7070, metrics: 9464 } as const;

/** The user id the image runs as (non-root; the image's files must be readable by it). */
export const RUN_AS_USER = 1000;

export const CONFIG_KEY = 'config.yaml';
export const CONFIG_DIR = '/etc/proxmesh';
export const TOKEN_KEY = 'token';
/** What the committed Secret holds; users must replace it (see deploy/k8s/README.md). */
export const TOKEN_PLACEHOLDER = 'REPLACE-ME-with-a-long-random-token';

/**
 * The workers' checkpoint volume: a volumeClaimTemplate (one ReadWriteOnce claim per pod,
 * checkpoints-worker-<i>, kept when the pod or the StatefulSet goes), mounted at `mountPath`, which is
 * PROXMESH_CHECKPOINT_DIR. No storageClassName: the cluster's default class provisions it.
 */
export const WORKER_CHECKPOINTS = { volume: 'checkpoints', mountPath: '/checkpoints', size: '1Gi' } as const;
/**
 * The coordinator's run folders (PROXMESH_RUNS_DIR, inside the `data` volume at /data): each run
 * folder holds the metrics files and <run folder>/checkpoints/coordinator-r<R>.ckpt.
 */
export const COORDINATOR_DATA = { volume: 'data', mountPath: '/data', runsDir: '/data/runs', size: '1Gi' } as const;

export interface ManifestOptions {
  /** Topology node count n of the run config; worker replicas = ⌈n / nodesPerWorker⌉. */
  readonly nodes: number;
  /** Nodes hosted by each worker pod (PROXMESH_NODES_PER_WORKER; default 1): pod worker-o hosts nodes o·B … o·B+B−1. */
  readonly nodesPerWorker?: number;
  /** Container image holding the proxmesh CLI as its entrypoint (args: coordinator | worker). */
  readonly image: string;
  /** YAML of the run config for the coordinator (topology.nodes = nodes). */
  readonly configText: string;
}

export type KubeObject = Deployment | StatefulSet | Service | ConfigMap | Secret | PersistentVolumeClaim | ServiceMonitor;

/** One object and the file it is written to under base/ (or components/). */
export interface ManifestFile {
  readonly file: string;
  readonly object: KubeObject;
}

const PART_OF = { 'app.kubernetes.io/name': 'proxmesh', 'app.kubernetes.io/part-of': 'proxmesh' };
const selectorFor = (component: string) => ({ 'app.kubernetes.io/name': 'proxmesh', 'app.kubernetes.io/component': component });
const labelsFor = (component: string) => ({ ...PART_OF, 'app.kubernetes.io/component': component });

const POD_SECURITY: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  // Volumes that support it (a PersistentVolumeClaim's) are group-owned by the image's user, so it can
  // write its checkpoints; chown only when the volume's root is not already right (a large volume).
  fsGroup: RUN_AS_USER,
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
};

const CONTAINER_SECURITY: ISecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

// The root filesystem is read-only: run folders go to /data (a PersistentVolumeClaim for the
// coordinator, an emptyDir for the workers); /tmp is a small scratch space.
const TMP_VOLUME: IVolume = { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } };
const SCRATCH_MOUNTS: IVolumeMount[] = [
  { name: COORDINATOR_DATA.volume, mountPath: COORDINATOR_DATA.mountPath },
  { name: 'tmp', mountPath: '/tmp' },
];

const tokenEnv = { name: 'PROXMESH_TOKEN', valueFrom: { secretKeyRef: { name: NAMES.token, key: TOKEN_KEY } } };

function httpProbe(path: string, port: string, periodSeconds: number, failureThreshold: number): IProbe {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 2, failureThreshold };
}

function scrapeAnnotations(port: number): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' };
}

function resources(cpuRequest: string, memRequest: string, cpuLimit: string, memLimit: string): IResourceRequirements {
  return { requests: { cpu: cpuRequest, memory: memRequest }, limits: { cpu: cpuLimit, memory: memLimit } };
}

function coordinatorContainer(image: string): IContainer {
  return {
    name: 'coordinator',
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['coordinator'],
    env: [
      tokenEnv,
      // The coordinator binds loopback unless told otherwise; in a pod it must take the Service's traffic.
      { name: 'PROXMESH_LISTEN', value: `0.0.0.0:${PORTS.http}` },
      // The dashboard shows hyper-parameters, the topology and every metric row: behind the token here
      // (docs/security.md). The browser asks for it (HTTP Basic, any user name, the token as password).
      { name: 'PROXMESH_DASHBOARD_AUTH', value: 'token' },
      { name: 'PROXMESH_CONFIG', value: `${CONFIG_DIR}/${CONFIG_KEY}` },
      // Run folders, the coordinator's checkpoints included (<run folder>/checkpoints), on its claim.
      { name: 'PROXMESH_RUNS_DIR', value: COORDINATOR_DATA.runsDir },
      { name: 'PROXMESH_LOG_LEVEL', value: 'info' },
    ],
    ports: [{ name: 'http', containerPort: PORTS.http, protocol: 'TCP' }],
    readinessProbe: httpProbe('/readyz', 'http', 5, 3),
    livenessProbe: httpProbe('/healthz', 'http', 10, 6),
    // The coordinator holds every node's x_i at evaluations and evaluates x̄ on the whole dataset.
    resources: resources('250m', '256Mi', '1', '1Gi'),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, ...SCRATCH_MOUNTS],
  };
}

/** Worker pods for n nodes with B per pod. */
export function workerReplicas(nodes: number, nodesPerWorker = 1): number {
  return Math.ceil(nodes / nodesPerWorker);
}

function workerContainer(image: string, nodesPerWorker: number): IContainer {
  return {
    name: 'worker',
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['worker'],
    env: [
      // POD_NAME first: $(POD_NAME) below only expands variables defined earlier in the list.
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      tokenEnv,
      { name: 'PROXMESH_COORDINATOR', value: `ws://${NAMES.coordinator}:${PORTS.http}/control` },
      { name: 'PROXMESH_ORDINAL_FROM_HOSTNAME', value: '1' },
      { name: 'PROXMESH_LISTEN', value: `0.0.0.0:${PORTS.peer}` },
      { name: 'PROXMESH_ADVERTISE', value: `$(POD_NAME).${NAMES.workersService}` },
      // Explicit: a worker's /metrics binds loopback by default, but Prometheus and the probes scrape the pod IP.
      { name: 'PROXMESH_METRICS_LISTEN', value: `0.0.0.0:${PORTS.metrics}` },
      ...(nodesPerWorker > 1 ? [{ name: 'PROXMESH_NODES_PER_WORKER', value: String(nodesPerWorker) }] : []),
      // The nodes' checkpoints (<dir>/checkpoints/node-<id>-r<round>.ckpt) on the pod's own claim.
      { name: 'PROXMESH_CHECKPOINT_DIR', value: WORKER_CHECKPOINTS.mountPath },
    ],
    ports: [
      { name: 'peer', containerPort: PORTS.peer, protocol: 'TCP' },
      { name: 'metrics', containerPort: PORTS.metrics, protocol: 'TCP' },
    ],
    readinessProbe: httpProbe('/healthz', 'metrics', 5, 3),
    livenessProbe: httpProbe('/healthz', 'metrics', 10, 6),
    resources: resources('500m', '256Mi', '1', '1Gi'),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [...SCRATCH_MOUNTS, { name: WORKER_CHECKPOINTS.volume, mountPath: WORKER_CHECKPOINTS.mountPath }],
  };
}

export function buildManifests(opts: ManifestOptions): ManifestFile[] {
  const configMap = new ConfigMap({
    metadata: { name: NAMES.config, labels: PART_OF },
    data: { [CONFIG_KEY]: opts.configText },
  });
  const secret = new Secret({
    metadata: { name: NAMES.token, labels: PART_OF },
    type: 'Opaque',
    stringData: { [TOKEN_KEY]: TOKEN_PLACEHOLDER },
  });
  const coordinatorData = new PersistentVolumeClaim({
    metadata: { name: NAMES.coordinatorData, labels: labelsFor('coordinator') },
    // One pod mounts it (replicas 1, strategy Recreate). No storageClassName: the cluster's default class.
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: COORDINATOR_DATA.size } } },
  });
  const coordinator = new Deployment({
    metadata: { name: NAMES.coordinator, labels: labelsFor('coordinator') },
    spec: {
      // One coordinator per cluster: workers hold a control connection to it, so never two at once
      // (and its ReadWriteOnce claim cannot follow a rolling update's new pod to another node).
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorFor('coordinator') },
      template: {
        metadata: { labels: labelsFor('coordinator'), annotations: scrapeAnnotations(PORTS.http) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: POD_SECURITY,
          containers: [coordinatorContainer(opts.image)],
          volumes: [
            { name: 'config', configMap: { name: NAMES.config } },
            { name: COORDINATOR_DATA.volume, persistentVolumeClaim: { claimName: NAMES.coordinatorData } },
            TMP_VOLUME,
          ],
        },
      },
    },
  });
  const coordinatorService = new Service({
    metadata: { name: NAMES.coordinator, labels: labelsFor('coordinator') },
    spec: {
      type: 'ClusterIP',
      selector: selectorFor('coordinator'),
      ports: [{ name: 'http', port: PORTS.http, targetPort: 'http', protocol: 'TCP' }],
    },
  });
  const workersService = new Service({
    metadata: { name: NAMES.workersService, labels: labelsFor('worker') },
    spec: {
      clusterIP: 'None',
      // Peers dial each other before any of them is ready (ready = the run started), so DNS must
      // resolve not-ready pods too.
      publishNotReadyAddresses: true,
      selector: selectorFor('worker'),
      ports: [
        { name: 'peer', port: PORTS.peer, targetPort: 'peer', protocol: 'TCP' },
        { name: 'metrics', port: PORTS.metrics, targetPort: 'metrics', protocol: 'TCP' },
      ],
    },
  });
  const workers = new StatefulSet({
    metadata: { name: NAMES.workers, labels: labelsFor('worker') },
    spec: {
      replicas: workerReplicas(opts.nodes, opts.nodesPerWorker),
      serviceName: NAMES.workersService,
      // All n nodes must be up before round 0; ordered start-up would only slow that down.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorFor('worker') },
      template: {
        metadata: { labels: labelsFor('worker'), annotations: scrapeAnnotations(PORTS.metrics) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: POD_SECURITY,
          terminationGracePeriodSeconds: 15,
          containers: [workerContainer(opts.image, opts.nodesPerWorker ?? 1)],
          volumes: [{ name: COORDINATOR_DATA.volume, emptyDir: {} }, TMP_VOLUME],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: WORKER_CHECKPOINTS.volume, labels: labelsFor('worker') },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: WORKER_CHECKPOINTS.size } } },
        },
      ],
      // Explicit (the default): the claims outlive their pods, a scale-down and the StatefulSet itself.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  });
  const serviceMonitor: ServiceMonitor = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: NAMES.serviceMonitor, labels: PART_OF },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/part-of': 'proxmesh' } },
      // One endpoint per Service port name; each Service exposes only one of them.
      endpoints: [
        { port: 'http', path: '/metrics', interval: '15s' },
        { port: 'metrics', path: '/metrics', interval: '15s' },
      ],
    },
  };
  return [
    { file: 'base/configmap.yaml', object: configMap },
    { file: 'base/secret.yaml', object: secret },
    { file: 'base/coordinator-pvc.yaml', object: coordinatorData },
    { file: 'base/coordinator-deployment.yaml', object: coordinator },
    { file: 'base/coordinator-service.yaml', object: coordinatorService },
    { file: 'base/worker-service.yaml', object: workersService },
    { file: 'base/worker-statefulset.yaml', object: workers },
    { file: 'components/service-monitor/servicemonitor.yaml', object: serviceMonitor },
  ];
}

/** The plain JSON form of an object (what goes into YAML). */
export function plain(object: KubeObject): Record<string, any> {
  const o = object as { toJSON?: () => unknown };
  return JSON.parse(JSON.stringify(typeof o.toJSON === 'function' ? o.toJSON() : object));
}
