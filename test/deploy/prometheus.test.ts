/**
 * deploy/prometheus: both scrape configs agree with the rendered manifests (Service names, ports,
 * namespace, pod labels and annotations — the Kubernetes relabelling is simulated on the rendered
 * worker and coordinator pods), and `promtool check config` accepts them when promtool is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_NAMESPACE } from '../../deploy/k8s/kustomize.ts';
import { buildManifests, NAMES, plain, PORTS } from '../../deploy/k8s/manifests.ts';

type Obj = Record<string, any>;
const DIR = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus');
const MAIN = join(DIR, 'prometheus.yml');
const K8S = join(DIR, 'prometheus-kubernetes.yml');
const main = parse(readFileSync(MAIN, 'utf8'));
const k8s = parse(readFileSync(K8S, 'utf8'));
const job = (cfg: Obj, name: string) => cfg.scrape_configs.find((j: Obj) => j.job_name === name);
const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const objects = buildManifests({ nodes: 8, image: 'proxmesh:test', configText: '' }).map((f) => plain(f.object));
const podTemplate = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!.spec.template;

/** Prometheus relabelling (keep / drop / replace), enough for these configs. Returns null when dropped. */
function relabel(labels: Record<string, string>, rules: Obj[]): Record<string, string> | null {
  const out = { ...labels };
  for (const r of rules) {
    const value = (r.source_labels ?? []).map((l: string) => out[l] ?? '').join(r.separator ?? ';');
    const re = new RegExp(`^(?:${r.regex ?? '(.*)'})$`);
    const m = re.exec(value);
    const action = r.action ?? 'replace';
    if (action === 'keep' && !m) return null;
    if (action === 'drop' && m) return null;
    if (action === 'replace' && m) out[r.target_label] = value.replace(re, r.replacement ?? '$1');
  }
  return out;
}

/** The meta labels Kubernetes pod discovery attaches to one (pod, container port) target. */
function podTarget(template: Obj, ip: string, port: number): Record<string, string> {
  const s = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');
  const labels: Record<string, string> = {
    __address__: `${ip}:${port}`,
    __metrics_path__: '/metrics',
    __meta_kubernetes_namespace: EXAMPLE_NAMESPACE,
    __meta_kubernetes_pod_name: 'worker-3',
  };
  for (const [k, v] of Object.entries(template.metadata.labels ?? {})) labels[`__meta_kubernetes_pod_label_${s(k)}`] = String(v);
  for (const [k, v] of Object.entries(template.metadata.annotations ?? {})) labels[`__meta_kubernetes_pod_annotation_${s(k)}`] = String(v);
  return labels;
}

describe('prometheus.yml agrees with the manifests', () => {
  it("scrapes the coordinator Service and the workers' headless Service by DNS on the metrics port", () => {
    expect(job(main, 'proxmesh-coordinator').static_configs[0].targets).toEqual([`${NAMES.coordinator}:${PORTS.http}`]);
    const dns = job(main, 'proxmesh-workers').dns_sd_configs[0];
    expect(dns).toMatchObject({
      names: [`${NAMES.workersService}.${EXAMPLE_NAMESPACE}.svc.cluster.local`],
      type: 'A',
      port: PORTS.metrics,
    });
    const headless = objects.find((o) => o.kind === 'Service' && o.metadata.name === NAMES.workersService)!;
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  it('prometheus-kubernetes.yml keeps one target per worker pod at <pod ip>:9464/metrics and drops the coordinator pod', () => {
    const wk = job(k8s, 'proxmesh-workers');
    expect(wk.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: [EXAMPLE_NAMESPACE] } }]);
    const worker = podTemplate('StatefulSet', NAMES.workers);
    const targets = [PORTS.peer, PORTS.metrics].map((p) => relabel(podTarget(worker, '10.1.2.3', p), wk.relabel_configs));
    for (const t of targets)
      expect(t).toMatchObject({
        __address__: `10.1.2.3:${PORTS.metrics}`,
        __metrics_path__: '/metrics',
        namespace: EXAMPLE_NAMESPACE,
        pod: 'worker-3',
        component: 'worker',
      });
    expect(relabel(podTarget(podTemplate('Deployment', NAMES.coordinator), '10.1.2.4', PORTS.http), wk.relabel_configs)).toBeNull();
  });

  it('the simulation catches relabelling that misses the pods (so the check can fail)', () => {
    const worker = podTemplate('StatefulSet', NAMES.workers);
    const rules = structuredClone(job(k8s, 'proxmesh-workers').relabel_configs) as Obj[];
    const unannotated = structuredClone(worker);
    unannotated.metadata.annotations['prometheus.io/scrape'] = 'false';
    expect(relabel(podTarget(unannotated, '10.1.2.3', PORTS.metrics), rules)).toBeNull();
    rules[0].regex = 'proxmesh;workers';
    expect(relabel(podTarget(worker, '10.1.2.3', PORTS.metrics), rules)).toBeNull();
  });
});

const hasPromtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasPromtool) console.warn('test/deploy/prometheus.test.ts: promtool not found on PATH; skipping `promtool check config`');

describe.skipIf(!hasPromtool)('promtool check config', () => {
  const check = (file: string) => {
    const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const temp = (cfg: Obj) => {
    const d = mkdtempSync(join(tmpdir(), 'proxmesh-prom-'));
    temps.push(d);
    writeFileSync(join(d, 'prometheus.yml'), stringify(cfg));
    return join(d, 'prometheus.yml');
  };

  it('accepts prometheus.yml', () => {
    const r = check(MAIN);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('accepts prometheus-kubernetes.yml (relabel rules checked even where promtool lacks Kubernetes discovery)', () => {
    const r = check(K8S);
    if (r.status === 0) return;
    // Debian's prometheus is built without Kubernetes discovery: check everything else by swapping
    // only the discovery block for a static target.
    expect(r.out).toContain('field kubernetes_sd_configs not found');
    console.warn(
      'promtool lacks kubernetes_sd_configs (Debian build); checking prometheus-kubernetes.yml with static targets in its place',
    );
    const copy = structuredClone(k8s);
    const wk = job(copy, 'proxmesh-workers');
    delete wk.kubernetes_sd_configs;
    wk.static_configs = [{ targets: ['10.1.2.3:7070'] }];
    const r2 = check(temp(copy));
    expect(r2.out).toContain('SUCCESS');
    expect(r2.status).toBe(0);
  });

  it('rejects a broken config (so the check can fail)', () => {
    const copy = structuredClone(main);
    job(copy, 'proxmesh-workers').relabel_configs.push({ source_labels: ['x'], regex: '([', target_label: 'y' });
    const r = check(temp(copy));
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
  });
});
