/**
 * Real certificates for the TLS tests, made by Debian's `openssl` binary (no fixtures in git, no
 * mocks): a CA, and leaf certificates signed by it with the SANs loopback needs (IP 127.0.0.1,
 * DNS localhost) and both EKUs (serverAuth, clientAuth: one certificate serves a worker's peer
 * listener and its dials, like a cert-manager Certificate with both usages). Keys are P-256 (fast to
 * make).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandWorks } from './system.ts';

export const OPENSSL_AVAILABLE = commandWorks('openssl', ['version']);
export const CURL_AVAILABLE = commandWorks('curl', ['--version']);

export interface CertFiles {
  /** PEM paths, as an operator would give them (PROXMESH_TLS_CERT / _KEY / _CA). */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** A CA (ca.crt, ca.key) in `dir` under `name`; returns the paths. */
function makeCa(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

/** A leaf for `cn` signed by the CA, with SANs (e.g. ['IP:127.0.0.1', 'DNS:localhost']). */
function makeLeaf(dir: string, name: string, ca: { cert: string; key: string }, sans: readonly string[]): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${sans.join(',')}`,
      '', // the file ends with a newline
    ].join('\n'),
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

export interface TestPki {
  readonly dir: string;
  /** Signed by the cluster CA, valid for 127.0.0.1 and localhost. */
  readonly good: CertFiles;
  /** Signed by another CA (same SANs): what mTLS must reject. ca = that other CA. */
  readonly rogue: CertFiles;
  /** Signed by the cluster CA but valid only for another host name (hostname checks). */
  readonly wrongHost: CertFiles;
  cleanup(): void;
}

/** Makes a throwaway PKI under a temp folder. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'proxmesh-pki-'));
  const sans = ['IP:127.0.0.1', 'DNS:localhost'];
  const ca = makeCa(dir, 'cluster-ca');
  const other = makeCa(dir, 'other-ca');
  const good = makeLeaf(dir, 'node', ca, sans);
  const rogue = makeLeaf(dir, 'rogue', other, sans);
  const wrongHost = makeLeaf(dir, 'elsewhere', ca, ['DNS:elsewhere.example']);
  return {
    dir,
    good: { ...good, ca: ca.cert },
    rogue: { ...rogue, ca: other.cert },
    wrongHost: { ...wrongHost, ca: ca.cert },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
