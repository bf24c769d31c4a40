/**
 * Ephemeral checkpoints as a kustomize Component (components/ephemeral-checkpoints), for clusters
 * without a storage provisioner (a bare kind or minikube may have none, or none as the default
 * class): the base's checkpoint volumes become emptyDirs, so nothing waits for a PersistentVolume.
 * The example overlays use it, so `kubectl apply -k overlays/example` works on a throwaway cluster;
 * drop it from your overlay to keep checkpoints across pod restarts.
 *
 * - Worker: the StatefulSet loses its volumeClaimTemplates and gets an emptyDir volume of the same
 *   name (`checkpoints`). A JSON patch, because the StatefulSet controller lets a claim template
 *   replace a pod volume of the same name, so both must not stay.
 * - Coordinator: its `data` volume (run folders and checkpoints) drops persistentVolumeClaim for an
 *   emptyDir (strategic merge: `null` deletes the key), and the PersistentVolumeClaim object goes.
 */
import { COORDINATOR_DATA, NAMES, WORKER_CHECKPOINTS } from './manifests.ts';

type Obj = Record<string, any>;

export interface ComponentPatch {
  readonly target: { kind: string; name: string };
  /** A strategic-merge patch (object) or a JSON patch (list of operations). */
  readonly patch: Obj | Obj[];
}

export function ephemeralCheckpointsPatches(): ComponentPatch[] {
  return [
    {
      target: { kind: 'StatefulSet', name: NAMES.workers },
      patch: [
        { op: 'remove', path: '/spec/volumeClaimTemplates' },
        { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: WORKER_CHECKPOINTS.volume, emptyDir: {} } },
      ],
    },
    {
      target: { kind: 'Deployment', name: NAMES.coordinator },
      patch: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: NAMES.coordinator },
        spec: { template: { spec: { volumes: [{ name: COORDINATOR_DATA.volume, persistentVolumeClaim: null, emptyDir: {} }] } } },
      },
    },
    {
      target: { kind: 'PersistentVolumeClaim', name: NAMES.coordinatorData },
      patch: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: NAMES.coordinatorData }, $patch: 'delete' },
    },
  ];
}

/** components/ephemeral-checkpoints/kustomization.yaml (as an object; patches as YAML strings). */
export function ephemeralCheckpointsComponent(toYaml: (v: unknown) => string): Obj {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1alpha1',
    kind: 'Component',
    patches: ephemeralCheckpointsPatches().map(({ target, patch }) => ({ target, patch: toYaml(patch) })),
  };
}
