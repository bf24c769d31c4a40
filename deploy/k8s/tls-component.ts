/**
 * TLS for the Kubernetes cluster as a kustomize Component (components/tls) and an overlay that uses
 * it (overlays/example-tls): the pods mount the Secret `proxmesh-tls` with cert-manager's key names
 * (tls.crt, tls.key, ca.crt: what a cert-manager Certificate writes, or `kubectl create secret
 * generic --from-file` from openssl's output, deploy/k8s/README.md §2b) and set PROXMESH_TLS_* so
 * every link is TLS with mutual verification: peer links wss://, the control channel
 * wss://coordinator:8080/control, the coordinator's API and dashboard https://.
 *
 * Why a Component and not the base: the Secret must exist before the pods start, and a plain base
 * keeps `kubectl apply -k overlays/example` working on a throwaway cluster with nothing to prepare.
 * The patches are inline in the Component's kustomization.yaml (strategic merge: env and volumes
 * merge by name, volumeMounts by mountPath), so they are not mistaken for whole objects.
 */
import { NAMES, PORTS } from './manifests.ts';

export const TLS_SECRET = 'proxmesh-tls';
/** Outside /etc/proxmesh (the coordinator's read-only ConfigMap mount): no nested mount point. */
export const TLS_DIR = '/etc/proxmesh-tls';
/** cert-manager's Secret keys (type kubernetes.io/tls plus ca.crt). */
export const TLS_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

type Obj = Record<string, any>;

const tlsEnv = [
  { name: 'PROXMESH_TLS_CERT', value: `${TLS_DIR}/${TLS_KEYS.cert}` },
  { name: 'PROXMESH_TLS_KEY', value: `${TLS_DIR}/${TLS_KEYS.key}` },
  { name: 'PROXMESH_TLS_CA', value: `${TLS_DIR}/${TLS_KEYS.ca}` },
  // Peers and workers must show a certificate from the cluster CA (docs/security.md §6).
  { name: 'PROXMESH_TLS_MTLS', value: '1' },
];
// 0440: the key is readable by the pod's fsGroup (the image's user) and nobody else.
const tlsVolume = { name: 'tls', secret: { secretName: TLS_SECRET, defaultMode: 0o440 } };
const tlsMount = { name: 'tls', mountPath: TLS_DIR, readOnly: true };

/** Strategic-merge patches: target → patch object. */
export function tlsPatches(): { target: { kind: string; name: string }; patch: Obj }[] {
  const coordinator = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAMES.coordinator },
    spec: {
      template: {
        // Prometheus' annotation-based scrapers read the scheme here; kubelet probes HTTPS without verifying.
        metadata: { annotations: { 'prometheus.io/scheme': 'https' } },
        spec: {
          containers: [
            {
              name: 'coordinator',
              env: tlsEnv,
              readinessProbe: { httpGet: { scheme: 'HTTPS' } },
              livenessProbe: { httpGet: { scheme: 'HTTPS' } },
              volumeMounts: [tlsMount],
            },
          ],
          volumes: [tlsVolume],
        },
      },
    },
  };
  const worker = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: NAMES.workers },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'worker',
              // The certificate must name `coordinator` (this host) and each worker-<i>.workers (peers dial those).
              env: [{ name: 'PROXMESH_COORDINATOR', value: `wss://${NAMES.coordinator}:${PORTS.http}/control` }, ...tlsEnv],
              volumeMounts: [tlsMount],
            },
          ],
          volumes: [tlsVolume],
        },
      },
    },
  };
  return [
    { target: { kind: 'Deployment', name: NAMES.coordinator }, patch: coordinator },
    { target: { kind: 'StatefulSet', name: NAMES.workers }, patch: worker },
  ];
}

/** components/tls/kustomization.yaml (as an object; patches as YAML strings). */
export function tlsComponent(toYaml: (v: unknown) => string): Obj {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1alpha1',
    kind: 'Component',
    patches: tlsPatches().map(({ target, patch }) => ({ target, patch: toYaml(patch) })),
  };
}

/** overlays/example-tls/kustomization.yaml: the example with TLS on every link. */
export function tlsOverlay(namespace: string): Obj {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace,
    resources: ['../example'],
    components: ['../../components/tls'],
  };
}

/**
 * The DNS names the certificate must carry for n worker pods: the coordinator's Service, each worker
 * pod's stable name (PROXMESH_ADVERTISE), and localhost for `kubectl port-forward`.
 */
export function certificateDnsNames(workerPods: number): string[] {
  return [NAMES.coordinator, ...Array.from({ length: workerPods }, (_, i) => `${NAMES.workers}-${i}.${NAMES.workersService}`), 'localhost'];
}
