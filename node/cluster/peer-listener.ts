/**
 * A worker's one peer listener. It is bound once, when the worker starts, on the configured port or
 * port 0, and the bound port is what the worker registers: no port is picked, released and bound
 * again later (with many workers, another process's outgoing connection could take it in between:
 * EADDRINUSE). When the run is assigned, each upgrade to /node/<id> is handed to the WebSocket
 * transport of local node <id>; one process may host a block of nodes behind the same port.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ProxmeshError } from '../errors.ts';
import type { WsTransport } from '../transport/ws.ts';
import { guardTlsServer, serverTlsOptions, type TlsRejections, type TlsSettings } from '../transport/tls-options.ts';

/**
 * An HTTP server listening on host:port (port 0: the system picks; read it with boundPort). A socket
 * must deliver its request headers (the WebSocket upgrade) within `headerDeadlineMs`, or it is
 * closed: without this, sockets that connect and never upgrade would sit open until Node's default
 * 60 s header timeout, outside the transport's hello deadline (which starts at the upgrade).
 * With `tls` the server is HTTPS (wss:// peer links, node/transport/tls-options.ts): the TLS
 * handshake must also finish within the deadline, and under mutual TLS a client certificate that
 * does not verify against the CA closes the socket and is counted in `tls.rejections`.
 */
export async function listenHttp(
  host: string,
  port: number,
  what: string,
  headerDeadlineMs = 5_000,
  tls: { readonly settings: TlsSettings; readonly rejections: TlsRejections; readonly log?: (line: string) => void } | null = null,
): Promise<Server> {
  const options = {
    headersTimeout: headerDeadlineMs,
    requestTimeout: headerDeadlineMs,
    // How often Node checks those deadlines (default 30 s, which would dominate a short deadline).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headerDeadlineMs / 4))),
  };
  const onRequest = (_req: unknown, res: { statusCode: number; end: () => void }) => {
    res.statusCode = 426; // peer links only: WebSocket upgrades
    res.end();
  };
  // https.Server extends tls.Server, not http.Server, but offers the same API used here and by ws.
  const server: Server =
    tls === null
      ? createServer(options, onRequest)
      : (createHttpsServer(
          { ...options, ...serverTlsOptions(tls.settings), handshakeTimeout: headerDeadlineMs },
          onRequest,
        ) as unknown as Server);
  if (tls !== null) guardTlsServer(server, tls.settings, 'peer', tls.rejections, tls.log);
  // headersTimeout acts only once bytes arrive (Node 20); a socket that sends nothing is closed by
  // the idle timeout. An upgraded socket is the transport's (ws clears the timeout on upgrade).
  server.timeout = headerDeadlineMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new ProxmeshError('PROXMESH_ERR_IO', `worker cannot listen for ${what} on ${host}:${port}: ${err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function boundPort(server: Server): number {
  const addr = server.address();
  return typeof addr === 'object' && addr !== null ? addr.port : 0;
}

/** Closes a server and every connection still open on it. */
export function closeHttp(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The URL path under which local node `id` accepts peer links. */
export function nodePath(id: number): string {
  return `/node/${id}`;
}

/**
 * Routes peer upgrades on `server` to the transports of this process's nodes (by path), until the
 * returned function detaches them (the run ended; a worker that stays up takes the next run's links
 * on the same server). With no run attached, an upgrade finds no listener and Node closes the
 * socket: the dialling peer retries with backoff.
 */
export function acceptPeerLinks(server: Server, transports: ReadonlyMap<number, WsTransport>, maxPayload: number): () => void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload, clientTracking: false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const m = /^\/node\/(\d{1,9})$/.exec(req.url ?? '');
    // A process hosting one node also takes links at its bare URL (the registered peer URL).
    const only = transports.size === 1 && (req.url === '/' || req.url === '') ? [...transports.values()][0] : undefined;
    const transport = m ? transports.get(Number(m[1])) : only;
    if (transport === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => transport.accept(ws));
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
  };
}
