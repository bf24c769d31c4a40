/**
 * TLS for every cluster link (issue 12, item 4): the worker's peer listener and its dials (wss://),
 * the worker → coordinator control channel (wss://…/control) and the coordinator's HTTP API and
 * dashboard (https://). This module is the one place that turns PEM files into Node's server and
 * client options; the transport, the peer listener, the worker and the coordinator only pass its
 * results on.
 *
 * The surface is the environment (or the equivalent CLI flags), not the run config: TLS is a property
 * of a deployment, not of an experiment. A run config is hashed and written into the run folder, and
 * the same run must give byte-identical results over ws:// and wss://; key paths in it would also
 * leak a host's layout into results. PROXMESH_TLS_CERT / _KEY / _CA name PEM files (cert-manager's
 * tls.crt, tls.key, ca.crt); PROXMESH_TLS_MTLS=1 makes peers verify each other against the CA.
 *
 * Token auth (node/auth/challenge.ts, per-frame MACs) stays on top: TLS hides the traffic and
 * authenticates hosts; the token still decides who belongs to the cluster.
 */
import { readFileSync } from 'node:fs';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Server as NetServer } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { Counter, type Registry } from 'prom-client';
import { ProxmeshError } from '../errors.ts';

/** The PEM material of one process, read once at start-up (a bad file fails start-up, not a dial). */
export interface TlsSettings {
  /** This process's certificate chain (PEM), presented by its servers and, with mtls, by its dials. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The cluster CA (PEM). null: the system's trust store verifies servers (not allowed with mtls). */
  readonly ca: Buffer | null;
  /** Peers (and workers on the control channel) must present a certificate signed by `ca`. */
  readonly mtls: boolean;
  /** Where the files came from, for log lines and errors. */
  readonly files: { readonly cert: string; readonly key: string; readonly ca: string | null };
}

export interface TlsFileOptions {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly mtls?: boolean;
}

/** Oldest protocol offered or accepted. TLS 1.0/1.1 are obsolete (RFC 8996). */
const MIN_VERSION = 'TLSv1.2' as const;

function readPem(path: string, what: string, variable: string): Buffer {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch (err) {
    throw new ProxmeshError(
      'PROXMESH_ERR_TLS',
      `${variable}: cannot read the ${what} file '${path}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the path of a readable PEM file`,
    );
  }
  // Names the file and the rule, never quotes it (a key file is a secret).
  if (!body.includes('-----BEGIN '))
    throw new ProxmeshError(
      'PROXMESH_ERR_TLS',
      `${variable}: '${path}' is not a PEM file (no '-----BEGIN' line); give the ${what} in PEM form`,
    );
  return body;
}

/**
 * Reads the files; null when neither cert nor key is given (plain mode, the loopback default).
 * Half a setting is an error, never a silent fall-back to plain.
 */
export function loadTls(files: TlsFileOptions): TlsSettings | null {
  const { cert, key, ca } = files;
  const mtls = files.mtls ?? false;
  if (!cert && !key) {
    if (ca || mtls)
      throw new ProxmeshError(
        'PROXMESH_ERR_TLS',
        `${ca ? 'PROXMESH_TLS_CA' : 'PROXMESH_TLS_MTLS'} is set but PROXMESH_TLS_CERT and PROXMESH_TLS_KEY are not; give this process's certificate and key too (or unset it for plain ws:// on loopback)`,
      );
    return null;
  }
  if (!cert)
    throw new ProxmeshError(
      'PROXMESH_ERR_TLS',
      'PROXMESH_TLS_KEY is set but PROXMESH_TLS_CERT is not; give the certificate (PEM, e.g. tls.crt) that goes with the key',
    );
  if (!key)
    throw new ProxmeshError(
      'PROXMESH_ERR_TLS',
      'PROXMESH_TLS_CERT is set but PROXMESH_TLS_KEY is not; give the private key (PEM, e.g. tls.key) of the certificate',
    );
  if (mtls && !ca)
    throw new ProxmeshError(
      'PROXMESH_ERR_TLS',
      'PROXMESH_TLS_MTLS=1 needs PROXMESH_TLS_CA: the CA (PEM, e.g. ca.crt) peers are verified against',
    );
  return {
    cert: readPem(cert, 'certificate', 'PROXMESH_TLS_CERT'),
    key: readPem(key, 'private key', 'PROXMESH_TLS_KEY'),
    ca: ca ? readPem(ca, 'CA certificate', 'PROXMESH_TLS_CA') : null,
    mtls,
    files: { cert, key, ca: ca ?? null },
  };
}

/** PROXMESH_TLS_MTLS: '1'/'true' on, '0'/'false'/unset off; anything else is an error (a typo must not turn it off). */
function mtlsFromEnv(v: string | undefined): boolean {
  if (v === undefined || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new ProxmeshError('PROXMESH_ERR_TLS', `PROXMESH_TLS_MTLS must be 1 (mutual TLS) or 0 (got '${v}')`);
}

/** Flags win over the environment: PROXMESH_TLS_CERT, _KEY, _CA, PROXMESH_TLS_MTLS. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env, flags: TlsFileOptions = {}): TlsSettings | null {
  const pick = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  return loadTls({
    cert: flags.cert ?? pick(env.PROXMESH_TLS_CERT),
    key: flags.key ?? pick(env.PROXMESH_TLS_KEY),
    ca: flags.ca ?? pick(env.PROXMESH_TLS_CA),
    mtls: flags.mtls ?? mtlsFromEnv(env.PROXMESH_TLS_MTLS),
  });
}

/** The environment that hands the same settings to a child process (the local cluster's workers). */
export function tlsEnv(t: TlsSettings | null): Record<string, string> {
  if (t === null) return {};
  return {
    PROXMESH_TLS_CERT: t.files.cert,
    PROXMESH_TLS_KEY: t.files.key,
    ...(t.files.ca !== null ? { PROXMESH_TLS_CA: t.files.ca } : {}),
    PROXMESH_TLS_MTLS: t.mtls ? '1' : '0',
  };
}

/**
 * Server options (https.createServer / Fastify `https`). With mtls the server asks for a client
 * certificate but does not let OpenSSL drop the connection itself (rejectUnauthorized: false): the
 * check is ours (`guardTlsServer`, which every TLS server here must install, or the coordinator's
 * per-path `clientCertificateAccepted`), so each
 * refusal is counted with its reason before the socket is destroyed; OpenSSL's own refusal surfaces
 * only as a bare ECONNRESET under TLS 1.3.
 */
export function serverTlsOptions(t: TlsSettings): HttpsServerOptions {
  return {
    cert: t.cert,
    key: t.key,
    ...(t.ca !== null ? { ca: t.ca } : {}),
    minVersion: MIN_VERSION,
    requestCert: t.mtls,
    rejectUnauthorized: false,
  };
}

/**
 * Client options for a dial (ws `new WebSocket(url, opts)`, which passes them to tls.connect). The
 * server is always verified (chain against `ca`, name against the URL's host); with mtls the
 * client presents its own certificate.
 */
export function clientTlsOptions(t: TlsSettings): ConnectionOptions {
  return {
    ...(t.ca !== null ? { ca: t.ca } : {}),
    ...(t.mtls ? { cert: t.cert, key: t.key } : {}),
    minVersion: MIN_VERSION,
    rejectUnauthorized: true,
  };
}

/** 'wss' with TLS, 'ws' without. */
export function wsScheme(t: TlsSettings | null): 'ws' | 'wss' {
  return t === null ? 'ws' : 'wss';
}

/**
 * A peer URL as this process will dial it: with TLS a ws:// URL is dialled as wss:// (a peer that
 * registered plain never gets plain traffic from a TLS worker: the handshake fails instead, so a
 * mixed cluster cannot silently downgrade).
 */
export function secureUrl(url: string, t: TlsSettings | null): string {
  return t !== null && url.startsWith('ws://') ? `wss://${url.slice('ws://'.length)}` : url;
}

/** The coordinator URL must match the TLS setting; `what` names the flag or variable. */
export function checkCoordinatorUrl(url: string, t: TlsSettings | null, what: string): void {
  if (t !== null && url.startsWith('ws://')) {
    throw new ProxmeshError(
      'PROXMESH_ERR_TLS',
      `${what} is ${url} (plain) but TLS is configured (PROXMESH_TLS_CERT); use wss://${url.slice('ws://'.length)}`,
    );
  }
}

/**
 * Why a certificate was refused, as a bounded label: 'no-certificate', 'unknown-ca' (chain does not
 * lead to the cluster CA), 'expired' (outside its validity dates), 'invalid-certificate' (anything
 * else OpenSSL refuses).
 */
export function certificateRejectReason(socket: TLSSocket): string {
  const err = socket.authorizationError as unknown as string | Error | null;
  const code = typeof err === 'string' ? err : ((err as { code?: string } | null)?.code ?? '');
  const peer = socket.getPeerCertificate();
  if (peer === null || Object.keys(peer).length === 0) return 'no-certificate';
  if (UNKNOWN_CA_CODES.includes(code)) return 'unknown-ca';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'expired';
  return 'invalid-certificate';
}

const UNKNOWN_CA_CODES = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
];

/**
 * Why a dial refused the server it reached (the client side of the same check), or null when the
 * error is not about the certificate (refused, reset, timeout: the dial is simply retried).
 * 'hostname': the certificate is valid but not for the host dialled; 'handshake': no TLS session.
 */
export function dialRejectReason(err: Error & { code?: string }): string | null {
  const code = err.code ?? '';
  if (UNKNOWN_CA_CODES.includes(code)) return 'unknown-ca';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'expired';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'hostname';
  if (code.startsWith('CERT_') || code.startsWith('ERR_TLS_CERT')) return 'invalid-certificate';
  // No TLS session at all (e.g. the peer speaks plain ws:// on that port, or no shared protocol).
  // (OpenSSL's record errors surface as EPROTO, e.g. 'wrong version number' from a plain server.)
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') return 'handshake';
  return null;
}

/** Counts refused TLS connections per listener and reason (`proxmesh_tls_rejected_total`). */
export interface TlsRejections {
  count(listener: string, reason: string): void;
  /** Current counts (tests and logs), keyed "listener/reason". */
  snapshot(): Record<string, number>;
}

/**
 * One counter per registry (never prom-client's global one). listener: 'peer' (a worker's peer
 * port), 'control' (the coordinator's /control), 'api' (the coordinator's other HTTPS routes).
 */
export function createTlsRejections(registry: Registry | null): TlsRejections {
  const counts = new Map<string, number>();
  const counter =
    registry === null
      ? null
      : new Counter({
          name: 'proxmesh_tls_rejected_total',
          help: 'TLS connections refused, by listener (peer | dial | control | api) and reason (no-certificate | unknown-ca | expired | hostname | invalid-certificate | handshake)',
          labelNames: ['listener', 'reason'],
          registers: [registry],
        });
  return {
    count(listener, reason) {
      const k = `${listener}/${reason}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      counter?.inc({ listener, reason });
    },
    snapshot: () => Object.fromEntries(counts),
  };
}

/**
 * On a TLS server: counts failed handshakes (plain bytes on a TLS port, no shared protocol, a client
 * that does not trust our certificate) as 'handshake', and, when `enforce` (default: mtls), destroys
 * every connection whose client certificate does not verify against the CA, before the HTTP layer
 * reads a byte from it (prependListener: this runs before the http server's own 'secureConnection'
 * listener). The coordinator passes enforce = false and checks per path instead.
 */
export function guardTlsServer(
  server: NetServer,
  t: TlsSettings,
  listener: string,
  rejections: TlsRejections,
  log?: (line: string) => void,
  enforce = t.mtls,
): void {
  server.on('tlsClientError', () => rejections.count(listener, 'handshake'));
  if (!enforce) return;
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    if (socket.authorized) return;
    const reason = certificateRejectReason(socket);
    rejections.count(listener, reason);
    log?.(`tls: refused a ${listener} connection from ${socket.remoteAddress ?? '?'}: client certificate ${reason}`);
    socket.destroy();
  });
}

/**
 * Per-request check for servers that take client certificates on some paths only (the coordinator:
 * /control needs one under mtls; the run API, dashboard and probes do not). True when `socket` may
 * go on; otherwise counts the refusal (the caller answers 403 and closes).
 */
export function clientCertificateAccepted(socket: unknown, t: TlsSettings | null, listener: string, rejections: TlsRejections): boolean {
  if (t === null || !t.mtls) return true;
  const s = socket as TLSSocket;
  if (typeof s.getPeerCertificate !== 'function') return true; // not a TLS socket: plain server, nothing to check
  if (s.authorized) return true;
  rejections.count(listener, certificateRejectReason(s));
  return false;
}
