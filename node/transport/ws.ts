/**
 * WebSocket transport (`ws`). Peer links are WebSockets; the lower id dials the higher one
 * (`peerAddress(peer)` gives its URL). perMessageDeflate is off (payloads are already compressed
 * and deflate costs CPU and memory per socket); `maxPayload` = maxFrameBytes, sized by the caller
 * from the problem dimension (codec/frame.ts maxFrameBytes). A data frame is written as one
 * WebSocket message: a small one (≤ SINGLE_BUFFER_PAYLOAD_BYTES, built in one buffer by the base) in
 * one frame, one socket write; a large one in two fragments, header then payload, so a large payload
 * is never copied (ws' sender habit). Backpressure: when `bufferedAmount` exceeds the high-water mark, send()
 * waits until its frame has been flushed to the socket.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ProxmeshError } from '../errors.ts';
import { BaseTransport, type BaseTransportOptions, type ConnHandle, type Connection } from './base-transport.ts';
import {
  clientTlsOptions,
  createTlsRejections,
  dialRejectReason,
  guardTlsServer,
  secureUrl,
  serverTlsOptions,
  type TlsRejections,
  type TlsSettings,
} from './tls-options.ts';

export interface WsTransportOptions extends BaseTransportOptions {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on (default 0: an ephemeral port, see `port`). */
  readonly port?: number;
  /**
   * Peer links are accepted by the caller and handed in with `accept(socket)`, instead of on a
   * listener of the transport's own: a worker binds one listener once (port 0 or a configured port)
   * before its run exists, advertises that port, and routes each upgrade to the node it names (one
   * process may host several nodes). `port` is the caller's bound port; host/port are then ignored.
   */
  readonly external?: { readonly port: number };
  /** URL (ws://host:port) of a neighbour with a higher id, or undefined while unknown (the dial is retried). */
  readonly peerAddress: (peer: number) => string | undefined;
  /** bufferedAmount in bytes above which send() waits for its frame to drain (default 4 MiB). */
  readonly highWaterMark?: number;
  /** WebSocket opening-handshake timeout in ms (default 5000). */
  readonly handshakeTimeoutMs?: number;
  /**
   * TLS (node/transport/tls-options.ts): dials are wss:// and verify the peer against the CA (with
   * mtls, presenting this node's certificate); the transport's own listener (not `external`) is
   * HTTPS. null or absent: plain ws://.
   */
  readonly tls?: { readonly settings: TlsSettings; readonly rejections?: TlsRejections } | null;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export class WsTransport extends BaseTransport {
  private server: WebSocketServer | null = null;
  private httpsServer: HttpsServer | null = null;
  private readonly pendingDials = new Set<WebSocket>();
  private listenPort = 0;
  private readonly ws: WsTransportOptions;

  constructor(opts: WsTransportOptions) {
    super(opts);
    this.ws = opts;
  }

  /** The port listened on (after start()). */
  get port(): number {
    return this.listenPort;
  }

  /** ws://host:port of this node (after start()). */
  get url(): string {
    return `${this.ws.tls ? 'wss' : 'ws'}://${this.ws.host ?? '127.0.0.1'}:${this.listenPort}`;
  }

  protected async listen(): Promise<void> {
    if (this.ws.external !== undefined) {
      this.listenPort = this.ws.external.port;
      return;
    }
    const tls = this.ws.tls;
    let server: WebSocketServer;
    if (tls) {
      const https = createHttpsServer(serverTlsOptions(tls.settings));
      // Always guarded: under mtls the guard is what refuses a client certificate (serverTlsOptions).
      guardTlsServer(https, tls.settings, 'peer', tls.rejections ?? createTlsRejections(null));
      server = new WebSocketServer({ server: https, perMessageDeflate: false, maxPayload: this.opts.maxFrameBytes, clientTracking: false });
      await new Promise<void>((resolve, reject) => {
        https.once('error', (err) =>
          reject(new ProxmeshError('PROXMESH_ERR_IO', `node ${this.id} cannot listen: ${err.message}`, { node: this.id })),
        );
        https.listen(this.ws.port ?? 0, this.ws.host ?? '127.0.0.1', () => resolve());
      });
      https.on('error', () => {});
      this.httpsServer = https;
    } else {
      server = new WebSocketServer({
        host: this.ws.host ?? '127.0.0.1',
        port: this.ws.port ?? 0,
        perMessageDeflate: false,
        maxPayload: this.opts.maxFrameBytes,
        clientTracking: false,
      });
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', (err) =>
          reject(new ProxmeshError('PROXMESH_ERR_IO', `node ${this.id} cannot listen: ${err.message}`, { node: this.id })),
        );
      });
    }
    server.on('error', () => {}); // after listening, errors surface on the sockets
    const addr = this.httpsServer !== null ? this.httpsServer.address() : server.address();
    this.listenPort = typeof addr === 'object' && addr !== null ? addr.port : 0;
    server.on('connection', (socket) => this.wire(socket, null));
    this.server = server;
  }

  /** An accepted peer WebSocket (external mode); its hello decides which peer it is. */
  accept(socket: WebSocket): void {
    if (!this.running) {
      socket.terminate();
      return;
    }
    this.wire(socket, null);
  }

  protected async unlisten(): Promise<void> {
    for (const s of this.pendingDials) s.terminate();
    this.pendingDials.clear();
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
    const https = this.httpsServer;
    this.httpsServer = null;
    if (https !== null) {
      await new Promise<void>((resolve) => {
        https.close(() => resolve());
        https.closeAllConnections();
      });
    }
  }

  protected dial(peer: number): void {
    const tls = this.ws.tls?.settings ?? null;
    const given = this.ws.peerAddress(peer);
    const url = given === undefined ? undefined : secureUrl(given, tls);
    if (url === undefined) {
      setImmediate(() => this.dialFailed(peer));
      return;
    }
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: this.opts.maxFrameBytes,
      handshakeTimeout: this.ws.handshakeTimeoutMs ?? 5000,
      ...(tls !== null ? clientTlsOptions(tls) : {}),
    });
    this.pendingDials.add(socket);
    let opened = false;
    // A failed dial ends in 'close' (and is retried); a refused certificate is also counted.
    socket.on('error', (err: Error & { code?: string }) => {
      const reason = tls !== null ? dialRejectReason(err) : null;
      if (reason !== null) this.ws.tls?.rejections?.count('dial', reason);
    });
    socket.once('open', () => {
      opened = true;
      this.pendingDials.delete(socket);
      this.wire(socket, peer);
    });
    socket.once('close', () => {
      this.pendingDials.delete(socket);
      if (!opened) this.dialFailed(peer);
    });
  }

  private wire(socket: WebSocket, dialed: number | null): void {
    const hwm = this.ws.highWaterMark ?? 4 * 1024 * 1024;
    const conn: Connection = {
      write: (header, payload) => {
        if (socket.readyState !== WebSocket.OPEN) return; // stays unacked; resent after a reconnect
        let flushed = false;
        let onFlush: (() => void) | null = null;
        const cb = () => {
          flushed = true;
          onFlush?.();
        };
        if (payload !== null && payload.length > 0) {
          // A large payload (the base sends small ones inside `header`, one buffer): two fragments, never copied.
          socket.send(header, { binary: true, fin: false });
          socket.send(payload, { binary: true, fin: true }, cb);
        } else {
          socket.send(header, { binary: true }, cb);
        }
        if (socket.bufferedAmount > hwm && !flushed) return new Promise<void>((resolve) => (onFlush = resolve));
        return undefined;
      },
      close: () => socket.terminate(),
    };
    const h: ConnHandle = this.connectionOpened(conn, dialed);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return this.reject(h, 'malformed', null);
      this.receive(h, toBytes(data));
    });
    socket.on('error', (err: Error & { code?: string }) => {
      // ws closes the socket after a protocol error; count the oversized ones (maxPayload).
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.reject(h, 'oversized', err);
    });
    socket.once('close', () => this.connectionClosed(h));
  }
}
