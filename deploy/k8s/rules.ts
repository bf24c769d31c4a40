/**
 * Project rules no schema checks (the API server or the cluster would only fail at run time):
 * images present, probes aimed at declared ports, the StatefulSet's headless Service, replicas equal
 * to the config's topology.nodes, selectors matching pod labels, Secret/ConfigMap references,
 * env ordering for $(VAR), the hardened securityContext, scrape targets on real ports, and where
 * checkpoints go: the worker's PROXMESH_CHECKPOINT_DIR and the coordinator's PROXMESH_RUNS_DIR lie
 * inside a writable mount of a PersistentVolumeClaim or an emptyDir (which of the two can be required
 * with `checkpointStorage`), claims are defined, mounted, writable by the pod's fsGroup, and not
 * handed from pod to pod by a rolling update.
 * Input: plain objects (a render or `kubectl kustomize` output); output: one line per violation.
 */
import { parse } from 'yaml';
import { RUN_AS_USER } from './manifests.ts';
import { idOf } from './validate.ts';

type Obj = Record<string, any>;

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

export interface RuleOptions {
  /**
   * Where the checkpoint directories must be: 'persistent' (PersistentVolumeClaims: the base),
   * 'ephemeral' (emptyDirs and no claim at all: the example overlays, components/ephemeral-checkpoints);
   * either when absent.
   */
  readonly checkpointStorage?: 'persistent' | 'ephemeral';
}

/**
 * The directory each role writes its checkpoints into, by the container's first arg (the proxmesh
 * subcommand): the worker's nodes write <dir>/checkpoints/node-<id>-r<R>.ckpt, the coordinator
 * <runs dir>/<run id>/checkpoints/coordinator-r<R>.ckpt.
 */
const CHECKPOINT_DIRS: Record<string, { env: string; unset: string }> = {
  worker: { env: 'PROXMESH_CHECKPOINT_DIR', unset: 'a worker of a run with checkpointEvery > 0 refuses to start' },
  coordinator: { env: 'PROXMESH_RUNS_DIR', unset: 'run folders and checkpoints would go to ./runs on the read-only root filesystem' },
};

type Storage = 'claim' | 'emptyDir' | null;

/** The mount holding `path` (the longest mountPath that is `path` or a parent of it). */
function mountOf(path: string, mounts: readonly Obj[]): Obj | undefined {
  const inside = (m: Obj) => {
    const root = String(m.mountPath).replace(/\/+$/, '');
    return path === root || path.startsWith(`${root}/`);
  };
  return mounts.filter(inside).sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
}

function podSpecOf(o: Obj): Obj | null {
  return WORKLOADS.has(o.kind) ? (o.spec?.template?.spec ?? null) : null;
}

function containersOf(pod: Obj): Obj[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}

function subset(sel: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

function portMatches(port: unknown, c: Obj): boolean {
  return (c.ports ?? []).some((p: Obj) => (typeof port === 'string' ? p.name === port : p.containerPort === port));
}

/** Every violation of the project rules in a set of objects (one namespace). */
export function checkRules(objects: readonly Obj[], opts: RuleOptions = {}): string[] {
  const errs: string[] = [];
  const byKind = (kind: string) => objects.filter((o) => o?.kind === kind);
  const services = byKind('Service');
  const secrets = byKind('Secret');
  const configMaps = byKind('ConfigMap');
  const claims = byKind('PersistentVolumeClaim');
  const workloads = objects.filter((o) => podSpecOf(o));
  const claimedNames = new Set<string>();

  for (const w of workloads) {
    const id = idOf(w);
    const pod = podSpecOf(w)!;
    const podLabels = w.spec?.template?.metadata?.labels;
    if (!subset(w.spec?.selector?.matchLabels, podLabels))
      errs.push(`${id}: spec.selector.matchLabels does not select the pod template's labels`);
    const volumes = new Map<string, Obj>((pod.volumes ?? []).map((v: Obj) => [v.name, v]));
    const templates = new Map<string, Obj>(
      (w.kind === 'StatefulSet' ? (w.spec?.volumeClaimTemplates ?? []) : []).map((t: Obj) => [t.metadata?.name, t]),
    );
    // The StatefulSet controller gives each pod a claim per template, replacing a pod volume of that name.
    const storageOf = (name: string): Storage =>
      templates.has(name) || volumes.get(name)?.persistentVolumeClaim ? 'claim' : volumes.get(name)?.emptyDir ? 'emptyDir' : null;
    for (const name of templates.keys()) {
      if (volumes.has(name))
        errs.push(`${id}: volume ${name} is both a pod volume and a volumeClaimTemplate (the claim replaces the pod volume)`);
      if (opts.checkpointStorage === 'ephemeral')
        errs.push(`${id}: volumeClaimTemplate ${name} needs a storage provisioner, but checkpoint storage is ephemeral here`);
    }
    const psc = pod.securityContext ?? {};
    for (const c of containersOf(pod)) {
      const cid = `${id} container ${c.name}`;
      if (!c.image) errs.push(`${cid}: no image`);
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (c[probe] && !portMatches(port, c)) errs.push(`${cid}: ${probe} port ${String(port)} is not a declared container port`);
      }
      // Env: $(VAR) expands only variables defined earlier; secretKeyRef must name a real Secret key.
      const defined = new Set<string>();
      for (const e of c.env ?? []) {
        for (const m of String(e.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          if (!defined.has(m[1])) errs.push(`${cid}: env ${e.name} uses $(${m[1]}) before it is defined`);
        }
        defined.add(e.name);
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const s = secrets.find((x) => x.metadata?.name === ref.name);
          if (!s) errs.push(`${cid}: env ${e.name} refers to Secret ${ref.name}, which is not defined`);
          else if (!(ref.key in (s.data ?? {})) && !(ref.key in (s.stringData ?? {})))
            errs.push(`${cid}: env ${e.name} refers to key ${ref.key} missing from Secret ${ref.name}`);
        }
      }
      // Hardening (container settings win over the pod's).
      const sc = c.securityContext ?? {};
      if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) errs.push(`${cid}: runAsNonRoot is not true`);
      if ((sc.runAsUser ?? psc.runAsUser) !== RUN_AS_USER) errs.push(`${cid}: runAsUser is not ${RUN_AS_USER}`);
      if (sc.allowPrivilegeEscalation !== false) errs.push(`${cid}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) errs.push(`${cid}: readOnlyRootFilesystem is not true`);
      if (sc.privileged === true) errs.push(`${cid}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) errs.push(`${cid}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length) errs.push(`${cid}: adds capabilities`);
      const mounts: Obj[] = c.volumeMounts ?? [];
      const tmp = mounts.find((x) => x.mountPath === '/tmp');
      if (!tmp || !volumes.get(tmp.name)?.emptyDir) errs.push(`${cid}: /tmp is not a writable emptyDir (the root filesystem is read-only)`);
      const data = mounts.find((x) => x.mountPath === '/data');
      if (!data || data.readOnly === true || storageOf(data.name) === null)
        errs.push(`${cid}: /data is not a writable emptyDir or PersistentVolumeClaim (the root filesystem is read-only)`);
      for (const m of mounts) if (!volumes.has(m.name) && !templates.has(m.name)) errs.push(`${cid}: volumeMount ${m.name} has no volume`);
      // Checkpoints: the role's directory is on a writable volume of the wanted kind.
      const role = CHECKPOINT_DIRS[String(c.args?.[0])];
      if (role) {
        const dir = (c.env ?? []).find((e: Obj) => e.name === role.env)?.value as string | undefined;
        const m = dir === undefined ? undefined : mountOf(dir, mounts);
        const storage = m ? storageOf(m.name) : null;
        if (dir === undefined) errs.push(`${cid}: ${role.env} is not set (${role.unset})`);
        else if (!m)
          errs.push(
            `${cid}: ${role.env} ${dir} is not inside a volumeMount (the root filesystem is read-only, and checkpoints must outlive the container)`,
          );
        else if (m.readOnly === true) errs.push(`${cid}: ${role.env} ${dir} is on the read-only mount ${m.mountPath}`);
        else if (storage === null)
          errs.push(`${cid}: ${role.env} ${dir} is on volume ${m.name}, which is neither a PersistentVolumeClaim nor an emptyDir`);
        else if (opts.checkpointStorage === 'persistent' && storage !== 'claim')
          errs.push(
            `${cid}: ${role.env} ${dir} is on the emptyDir ${m.name}, which is lost with the pod (expected a PersistentVolumeClaim)`,
          );
        else if (opts.checkpointStorage === 'ephemeral' && storage !== 'emptyDir')
          errs.push(
            `${cid}: ${role.env} ${dir} is on a PersistentVolumeClaim (volume ${m.name}); expected an emptyDir (components/ephemeral-checkpoints)`,
          );
      }
    }
    // Claims: defined, writable by the image's user (fsGroup), and never wanted by two pods of a rollout.
    const podClaims = [...volumes.values()].filter((v) => v.persistentVolumeClaim && !templates.has(v.name));
    if ((templates.size > 0 || podClaims.length > 0) && psc.fsGroup !== RUN_AS_USER)
      errs.push(
        `${id}: pod securityContext.fsGroup is not ${RUN_AS_USER}, so uid ${RUN_AS_USER} may not be able to write its PersistentVolumeClaims`,
      );
    for (const v of podClaims) {
      const name = v.persistentVolumeClaim.claimName;
      claimedNames.add(name);
      const pvc = claims.find((x) => x.metadata?.name === name);
      if (!pvc) errs.push(`${id}: volume ${v.name} refers to PersistentVolumeClaim ${name}, which is not defined`);
      else if (
        w.kind === 'Deployment' &&
        (pvc.spec?.accessModes ?? []).some((a: string) => a === 'ReadWriteOnce' || a === 'ReadWriteOncePod') &&
        w.spec?.strategy?.type !== 'Recreate'
      )
        errs.push(
          `${id}: mounts the ReadWriteOnce PersistentVolumeClaim ${name} but its strategy is not Recreate (a rolling update's new pod waits for the old pod's volume)`,
        );
    }
    for (const v of volumes.values()) {
      if (v.configMap && !configMaps.some((cm) => cm.metadata?.name === v.configMap.name))
        errs.push(`${id}: volume ${v.name} refers to ConfigMap ${v.configMap.name}, which is not defined`);
      if (v.secret && !secrets.some((s) => s.metadata?.name === v.secret.secretName))
        errs.push(`${id}: volume ${v.name} refers to Secret ${v.secret.secretName}, which is not defined`);
    }
    // Prometheus annotations must aim at a declared port.
    const ann = w.spec?.template?.metadata?.annotations ?? {};
    if (ann['prometheus.io/scrape'] === 'true') {
      const port = Number(ann['prometheus.io/port']);
      if (!containersOf(pod).some((c) => portMatches(port, c)))
        errs.push(`${id}: prometheus.io/port ${ann['prometheus.io/port']} is not a container port`);
    }
  }

  for (const pvc of claims) {
    if (!claimedNames.has(pvc.metadata?.name)) errs.push(`${idOf(pvc)}: no pod mounts it`);
    if (opts.checkpointStorage === 'ephemeral')
      errs.push(`${idOf(pvc)}: needs a storage provisioner, but checkpoint storage is ephemeral here`);
  }

  // Services select pods and target their named ports.
  for (const s of services) {
    const id = idOf(s);
    const targets = workloads.filter((w) => subset(s.spec?.selector, w.spec?.template?.metadata?.labels));
    if (targets.length === 0) {
      errs.push(`${id}: selector matches no pod template`);
      continue;
    }
    for (const p of s.spec?.ports ?? []) {
      const tp = p.targetPort ?? p.port;
      if (!targets.some((w) => containersOf(podSpecOf(w)!).some((c) => portMatches(tp, c))))
        errs.push(`${id}: port ${p.name ?? p.port} targets ${String(tp)}, which no selected container declares`);
    }
  }

  // StatefulSets: headless governing Service, replicas = ⌈topology.nodes / B⌉ of the mounted run config
  // (B = the workers' PROXMESH_NODES_PER_WORKER, default 1).
  const config = mountedRunConfig(workloads, configMaps, errs);
  for (const st of byKind('StatefulSet')) {
    const id = idOf(st);
    const svc = services.find((s) => s.metadata?.name === st.spec?.serviceName);
    if (!svc) errs.push(`${id}: serviceName ${st.spec?.serviceName} names no Service`);
    else {
      if (svc.spec?.clusterIP !== 'None') errs.push(`${id}: Service ${svc.metadata.name} is not headless (clusterIP: None)`);
      if (!subset(svc.spec?.selector, st.spec?.template?.metadata?.labels))
        errs.push(`${id}: headless Service ${svc.metadata.name} does not select its pods`);
    }
    for (const c of containersOf(podSpecOf(st)!)) {
      const adv = (c.env ?? []).find((e: Obj) => e.name === 'PROXMESH_ADVERTISE')?.value;
      if (adv !== undefined && adv !== `$(POD_NAME).${st.spec?.serviceName}`)
        errs.push(`${id}: PROXMESH_ADVERTISE ${adv} is not $(POD_NAME).${st.spec?.serviceName}`);
      const url = (c.env ?? []).find((e: Obj) => e.name === 'PROXMESH_COORDINATOR')?.value;
      if (url !== undefined) {
        const m = /^wss?:\/\/([^:/]+):(\d+)\/control$/.exec(url);
        const target = m && services.find((s) => s.metadata?.name === m[1]);
        if (!target || !(target.spec?.ports ?? []).some((p: Obj) => p.port === Number(m![2])))
          errs.push(`${id}: PROXMESH_COORDINATOR ${url} is not ws://<a Service>:<its port>/control`);
      }
    }
    if (!config)
      errs.push(`${id}: no run config is mounted through PROXMESH_CONFIG, so its replicas cannot be checked against topology.nodes`);
    else {
      const nodes = config.topology?.nodes;
      const perPod = Number(
        containersOf(podSpecOf(st)!)
          .flatMap((c) => c.env ?? [])
          .find((e: Obj) => e.name === 'PROXMESH_NODES_PER_WORKER')?.value ?? 1,
      );
      const want = typeof nodes === 'number' ? Math.ceil(nodes / perPod) : nodes;
      if (st.spec?.replicas !== want) {
        errs.push(
          perPod === 1
            ? `${id}: replicas ${st.spec?.replicas} ≠ topology.nodes ${nodes} of the mounted run config`
            : `${id}: replicas ${st.spec?.replicas} ≠ ⌈topology.nodes ${nodes} / PROXMESH_NODES_PER_WORKER ${perPod}⌉ of the mounted run config`,
        );
      }
    }
  }

  // ServiceMonitor endpoints name ports of the Services they select.
  for (const sm of byKind('ServiceMonitor')) {
    const selected = services.filter((s) => subset(sm.spec?.selector?.matchLabels, s.metadata?.labels));
    if (selected.length === 0) errs.push(`${idOf(sm)}: selects no Service`);
    for (const ep of sm.spec?.endpoints ?? []) {
      if (!selected.some((s) => (s.spec?.ports ?? []).some((p: Obj) => p.name === ep.port)))
        errs.push(`${idOf(sm)}: endpoint port ${ep.port} is on no selected Service`);
    }
  }
  return errs;
}

/** The run config (parsed) that a container reads through PROXMESH_CONFIG from a ConfigMap volume. */
function mountedRunConfig(workloads: Obj[], configMaps: Obj[], errs: string[]): Obj | null {
  let found: Obj | null = null;
  for (const w of workloads) {
    const pod = podSpecOf(w)!;
    for (const c of containersOf(pod)) {
      const path = (c.env ?? []).find((e: Obj) => e.name === 'PROXMESH_CONFIG')?.value as string | undefined;
      if (path === undefined) continue;
      const cid = `${idOf(w)} container ${c.name}`;
      const mount = (c.volumeMounts ?? []).find((m: Obj) => path.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`));
      const vol = mount && (pod.volumes ?? []).find((v: Obj) => v.name === mount.name);
      if (!vol?.configMap) {
        errs.push(`${cid}: PROXMESH_CONFIG ${path} is not in a ConfigMap volume`);
        continue;
      }
      const file = path.slice(String(mount.mountPath).replace(/\/$/, '').length + 1);
      const key = (vol.configMap.items ?? []).find((i: Obj) => i.path === file)?.key ?? file;
      const text = configMaps.find((cm) => cm.metadata?.name === vol.configMap.name)?.data?.[key];
      if (typeof text !== 'string') {
        errs.push(`${cid}: ConfigMap ${vol.configMap.name} has no key ${key} for PROXMESH_CONFIG`);
        continue;
      }
      found = parse(text) as Obj;
    }
  }
  return found;
}
