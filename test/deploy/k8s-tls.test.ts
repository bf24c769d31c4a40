/**
 * The Kubernetes TLS component (deploy/k8s/tls-component.ts): `kubectl kustomize` renders
 * overlays/example-tls offline; with the Secret made exactly as deploy/k8s/README.md §2b makes it
 * (openssl certificates, `kubectl create secret generic --dry-run=client`), every object passes its
 * schema and the project rules, every PEM path the pods are given is a key of that Secret, and every
 * link is TLS: workers dial wss://, the probes use HTTPS, both roles run mutual TLS.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { NAMES } from '../../deploy/k8s/manifests.ts';
import { K8S_DIR } from '../../deploy/k8s/render.ts';
import { checkRules } from '../../deploy/k8s/rules.ts';
import { TLS_DIR, TLS_KEYS, TLS_SECRET, certificateDnsNames } from '../../deploy/k8s/tls-component.ts';
import { validateSchemas } from '../../deploy/k8s/validate.ts';
import { commandWorks } from '../support/system.ts';
import { OPENSSL_AVAILABLE, makeTestPki } from '../support/tls-certs.ts';

type Obj = Record<string, any>;
const hasKubectl = commandWorks('kubectl', ['version', '--client']);
const docs = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter(Boolean);
const pki = OPENSSL_AVAILABLE ? makeTestPki() : null;
afterAll(() => pki?.cleanup());

describe.skipIf(!hasKubectl || !OPENSSL_AVAILABLE)('overlays/example-tls (kubectl kustomize, offline)', () => {
  const out = () =>
    docs(execFileSync('kubectl', ['kustomize', join(K8S_DIR, 'overlays/example-tls')], { encoding: 'utf8', timeout: 20_000 }));
  // The README's command, offline: the Secret from openssl's files under cert-manager's key names.
  const secret = () =>
    docs(
      execFileSync(
        'kubectl',
        [
          'create',
          'secret',
          'generic',
          TLS_SECRET,
          '-n',
          'proxmesh',
          '--dry-run=client',
          '-o',
          'yaml',
          `--from-file=${TLS_KEYS.cert}=${pki!.good.cert}`,
          `--from-file=${TLS_KEYS.key}=${pki!.good.key}`,
          `--from-file=${TLS_KEYS.ca}=${pki!.good.ca}`,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      ),
    )[0];

  it('with the Secret, the objects pass the schemas and rules; without it the rules name the missing Secret', () => {
    const objects = out();
    expect(checkRules(objects)).toEqual([
      `Deployment/coordinator: volume tls refers to Secret ${TLS_SECRET}, which is not defined`,
      `StatefulSet/worker: volume tls refers to Secret ${TLS_SECRET}, which is not defined`,
    ]);
    const all = [...objects, secret()];
    expect(validateSchemas(all)).toEqual([]);
    expect(checkRules(all)).toEqual([]);
    // It builds on overlays/example, so its checkpoints are on emptyDirs too (components/ephemeral-checkpoints).
    expect(checkRules(all, { checkpointStorage: 'ephemeral' })).toEqual([]);
  });

  it('both roles mount the Secret and run mutual TLS from its keys; workers dial wss://; probes use HTTPS', () => {
    const objects = out();
    const keys = Object.keys(secret().data).sort();
    expect(keys).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    for (const [kind, name] of [
      ['Deployment', NAMES.coordinator],
      ['StatefulSet', NAMES.workers],
    ] as const) {
      const o = objects.find((x) => x.kind === kind && x.metadata.name === name)!;
      const pod = o.spec.template.spec;
      const c = pod.containers[0];
      const env = Object.fromEntries(c.env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
      expect(env.PROXMESH_TLS_MTLS).toBe('1');
      for (const v of ['PROXMESH_TLS_CERT', 'PROXMESH_TLS_KEY', 'PROXMESH_TLS_CA']) {
        expect(env[v].startsWith(`${TLS_DIR}/`)).toBe(true);
        expect(keys).toContain(env[v].slice(TLS_DIR.length + 1));
      }
      const vol = pod.volumes.find((v: Obj) => v.secret?.secretName === TLS_SECRET);
      expect(vol.secret.defaultMode).toBe(0o440);
      expect(c.volumeMounts).toContainEqual({ name: vol.name, mountPath: TLS_DIR, readOnly: true });
      if (kind === 'StatefulSet') {
        expect(env.PROXMESH_COORDINATOR).toBe('wss://coordinator:8080/control');
        // The certificate names each pod peers dial (PROXMESH_ADVERTISE = $(POD_NAME).workers) and the coordinator.
        expect(certificateDnsNames(o.spec.replicas)).toEqual([
          'coordinator',
          ...Array.from({ length: o.spec.replicas }, (_, i) => `worker-${i}.workers`),
          'localhost',
        ]);
        expect(env.PROXMESH_ADVERTISE).toBe('$(POD_NAME).workers');
      } else {
        expect(c.readinessProbe.httpGet.scheme).toBe('HTTPS');
        expect(c.livenessProbe.httpGet.scheme).toBe('HTTPS');
        expect(o.spec.template.metadata.annotations['prometheus.io/scheme']).toBe('https');
      }
    }
  });
});
