/**
 * The coordinator over HTTPS, probed with the real `curl` binary and certificates made by `openssl`:
 * without the CA curl refuses the server (exit 60), with it the probes answer and the run API still
 * wants the token (TLS hides it; it does not replace it). A plain-HTTP client on the TLS port gets
 * nothing and is counted as a failed handshake. Also: the TLS settings' coded errors.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTls, tlsFromEnv } from '../../node/transport/tls-options.ts';
import { IN_CI } from '../support/system.ts';
import { CURL_AVAILABLE, OPENSSL_AVAILABLE, makeTestPki, type TestPki } from '../support/tls-certs.ts';
import { parseProm } from '../cluster/helpers.ts';
import { expectCodedError } from '../support/error-code.ts';
import { TOKEN, testApp } from './fixtures.ts';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki?.cleanup());

/**
 * curl with a bounded run time (asynchronous: the server under test runs in this process); resolves
 * its exit status, the HTTP status it printed and the body.
 */
function curl(args: string[]): Promise<{ exit: number | null; http: string; body: string }> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-sS', '--max-time', '10', '-o', '-', '-w', '\n%{http_code}', ...args],
      { encoding: 'utf8', timeout: 20_000 },
      (err, stdout) => {
        const out = stdout ?? '';
        const cut = out.lastIndexOf('\n');
        const exit = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        resolve({ exit, http: out.slice(cut + 1), body: out.slice(0, cut) });
      },
    );
  });
}

describe.skipIf((!OPENSSL_AVAILABLE || !CURL_AVAILABLE) && !IN_CI)('coordinator over HTTPS (curl, openssl)', () => {
  it('curl fails without the CA and succeeds with it; the run API still needs the token', async () => {
    const c = await testApp({ tls: loadTls({ cert: pki.good.cert, key: pki.good.key, ca: pki.good.ca }) });
    try {
      await c.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (c.app.server.address() as { port: number }).port;
      const base = `https://127.0.0.1:${port}`;

      const noCa = await curl([`${base}/healthz`]);
      expect(noCa.exit).toBe(60); // CURLE_PEER_FAILED_VERIFICATION: the server's certificate is not trusted
      expect(noCa.http).toBe('000');

      const withCa = await curl(['--cacert', pki.good.ca, `${base}/healthz`]);
      expect(withCa.exit).toBe(0);
      expect(withCa.http).toBe('200');
      expect(JSON.parse(withCa.body)).toEqual({ status: 'ok' });

      // Another CA does not vouch for this server either.
      expect((await curl(['--cacert', pki.rogue.ca, `${base}/healthz`])).exit).toBe(60);

      expect((await curl(['--cacert', pki.good.ca, `${base}/runs`])).http).toBe('401');
      const runs = await curl(['--cacert', pki.good.ca, '-H', `authorization: Bearer ${TOKEN}`, `${base}/runs`]);
      expect(runs.http).toBe('200');
      expect(JSON.parse(runs.body)).toHaveProperty('runs');

      // Plain HTTP on the TLS port: no HTTP answer at all, and a counted failed handshake.
      const plain = await curl([`http://127.0.0.1:${port}/healthz`]);
      expect(plain.exit).not.toBe(0);
      const metrics = await curl(['--cacert', pki.good.ca, `${base}/metrics`]);
      const handshake = parseProm(metrics.body).find(
        (s) => s.name === 'proxmesh_tls_rejected_total' && s.labels.listener === 'api' && s.labels.reason === 'handshake',
      );
      expect(handshake?.value).toBeGreaterThanOrEqual(1);
    } finally {
      await c.dispose();
    }
  });

  it('a certificate for another host name is refused by curl even with the right CA', async () => {
    const c = await testApp({ tls: loadTls({ cert: pki.wrongHost.cert, key: pki.wrongHost.key }) });
    try {
      await c.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (c.app.server.address() as { port: number }).port;
      const r = await curl(['--cacert', pki.good.ca, `https://127.0.0.1:${port}/healthz`]);
      expect(r.exit).toBe(60);
    } finally {
      await c.dispose();
    }
  });

  it('under mutual TLS the API, dashboard and probes take curl without a client certificate; /control does not', async () => {
    const c = await testApp({ tls: loadTls({ cert: pki.good.cert, key: pki.good.key, ca: pki.good.ca, mtls: true }) });
    try {
      await c.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (c.app.server.address() as { port: number }).port;
      const base = `https://127.0.0.1:${port}`;
      expect((await curl(['--cacert', pki.good.ca, `${base}/healthz`])).http).toBe('200');
      const upgrade = [
        '-H',
        'connection: Upgrade',
        '-H',
        'upgrade: websocket',
        '-H',
        'sec-websocket-version: 13',
        '-H',
        'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==',
      ];
      const refused = await curl(['--cacert', pki.good.ca, ...upgrade, `${base}/control`]);
      expect(refused.http).toBe('403');
      expect(JSON.parse(refused.body).code).toBe('PROXMESH_ERR_UNAUTHORIZED');
      // With the cluster's certificate the upgrade is handled (101), and the token proof comes next.
      const accepted = await curl([
        '--cacert',
        pki.good.ca,
        '--cert',
        pki.good.cert,
        '--key',
        pki.good.key,
        '--max-time',
        '2',
        ...upgrade,
        `${base}/control`,
      ]);
      expect(accepted.http).toBe('101');
    } finally {
      await c.dispose();
    }
  });
});

describe.skipIf(!OPENSSL_AVAILABLE && !IN_CI)('TLS settings: coded errors naming the variable and the fix', () => {
  it('plain mode when nothing is set; half a setting is an error, never plain', () => {
    expect(tlsFromEnv({})).toBeNull();
    expect(tlsFromEnv({ PROXMESH_TLS_MTLS: '0' })).toBeNull();
    expectCodedError(() => tlsFromEnv({ PROXMESH_TLS_CERT: pki.good.cert }), 'PROXMESH_ERR_TLS', /PROXMESH_TLS_KEY/);
    expectCodedError(() => tlsFromEnv({ PROXMESH_TLS_KEY: pki.good.key }), 'PROXMESH_ERR_TLS', /PROXMESH_TLS_CERT/);
    expectCodedError(() => tlsFromEnv({ PROXMESH_TLS_CA: pki.good.ca }), 'PROXMESH_ERR_TLS', /PROXMESH_TLS_CERT and PROXMESH_TLS_KEY/);
    expectCodedError(
      () => tlsFromEnv({ PROXMESH_TLS_CERT: pki.good.cert, PROXMESH_TLS_KEY: pki.good.key, PROXMESH_TLS_MTLS: '1' }),
      'PROXMESH_ERR_TLS',
      /PROXMESH_TLS_CA/,
    );
    expectCodedError(
      () => tlsFromEnv({ PROXMESH_TLS_CERT: pki.good.cert, PROXMESH_TLS_KEY: pki.good.key, PROXMESH_TLS_MTLS: 'yes' }),
      'PROXMESH_ERR_TLS',
      /PROXMESH_TLS_MTLS must be 1/,
    );
  });

  it('unreadable and non-PEM files are named, their bytes never quoted; flags win over the environment', () => {
    expectCodedError(
      () => tlsFromEnv({ PROXMESH_TLS_CERT: join(pki.dir, 'missing.crt'), PROXMESH_TLS_KEY: pki.good.key }),
      'PROXMESH_ERR_TLS',
      /missing\.crt.*ENOENT/,
    );
    const junk = join(pki.dir, 'junk.key');
    writeFileSync(junk, 'secret-bytes-not-pem');
    const err = expectCodedError(
      () => tlsFromEnv({ PROXMESH_TLS_CERT: pki.good.cert, PROXMESH_TLS_KEY: junk }),
      'PROXMESH_ERR_TLS',
      /not a PEM file/,
    );
    expect(err.message).not.toContain('secret-bytes');
    const t = tlsFromEnv(
      { PROXMESH_TLS_CERT: join(pki.dir, 'missing.crt'), PROXMESH_TLS_KEY: junk },
      { cert: pki.good.cert, key: pki.good.key, ca: pki.good.ca, mtls: true },
    );
    expect(t?.mtls).toBe(true);
    expect(t?.files.cert).toBe(pki.good.cert);
  });
});
