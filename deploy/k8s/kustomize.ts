/**
 * The kustomize layer around the rendered objects: the base, a Component with the ServiceMonitor
 * (only for clusters running prometheus-operator, whose CRD it needs), an example overlay (namespace,
 * node count, image tag, and emptyDir checkpoints through components/ephemeral-checkpoints, so it
 * applies on a cluster without a storage provisioner) and the example plus the ServiceMonitor.
 *
 * The node count lives in two places that must move together: the StatefulSet's replicas and the run
 * config's topology.nodes. The overlay therefore carries both: `replicas:` and its own config.yaml
 * (configMapGenerator, behavior: replace; kustomize's hash suffix then rolls the coordinator when the
 * config changes).
 */
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { CONFIG_KEY, NAMES, workerReplicas, type ManifestFile } from './manifests.ts';

export const EXAMPLE_NAMESPACE = 'proxmesh';
/** The Component that swaps the checkpoint claims for emptyDirs (checkpoints-component.ts). */
export const EPHEMERAL_CHECKPOINTS_DIR = 'components/ephemeral-checkpoints';

/** "repo[:tag][@digest]" → parts (a ':' inside the registry host is not a tag separator). */
export function splitImage(image: string): { name: string; tag: string | null; digest: string | null } {
  const [ref, digest = null] = image.split('@') as [string, string?];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1), digest } : { name: ref, tag: null, digest };
}

export interface KustomizeFiles {
  readonly base: Record<string, unknown>;
  readonly component: Record<string, unknown>;
  readonly overlay: Record<string, unknown>;
  readonly monitoringOverlay: Record<string, unknown>;
  readonly namespace: Namespace;
}

export function kustomizeFiles(files: readonly ManifestFile[], nodes: number, image: string, nodesPerWorker = 1): KustomizeFiles {
  const inDir = (dir: string) => files.filter((f) => f.file.startsWith(`${dir}/`)).map((f) => f.file.slice(dir.length + 1));
  const img = splitImage(image);
  const imageEntry = { name: img.name, ...(img.digest ? { digest: img.digest } : { newTag: img.tag ?? 'latest' }) };
  return {
    base: { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: inDir('base') },
    component: { apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component', resources: inDir('components/service-monitor') },
    overlay: {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: EXAMPLE_NAMESPACE,
      resources: ['namespace.yaml', '../../base'],
      // Change both together: replicas here and topology.nodes in config.yaml.
      replicas: [{ name: NAMES.workers, count: workerReplicas(nodes, nodesPerWorker) }],
      configMapGenerator: [{ name: NAMES.config, behavior: 'replace', files: [CONFIG_KEY] }],
      images: [imageEntry],
      // Checkpoints on emptyDirs: nothing to provision on kind/minikube, lost with the pod. Drop this
      // line to keep them on the base's PersistentVolumeClaims.
      components: [`../../${EPHEMERAL_CHECKPOINTS_DIR}`],
    },
    monitoringOverlay: {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: EXAMPLE_NAMESPACE,
      resources: ['../example'],
      components: ['../../components/service-monitor'],
    },
    namespace: new Namespace({ metadata: { name: EXAMPLE_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'proxmesh' } } }),
  };
}
