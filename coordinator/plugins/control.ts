/**
 * The control channel: workers connect to GET /control (WebSocket upgrade), prove the cluster token
 * with a challenge–response (node/protocol/control-auth.ts; the token itself never crosses the wire),
 * then exchange msgpack control messages (node/protocol/control-protocol.ts). A socket that has not
 * proved the token within authTimeoutMs, or proves a wrong one, is closed and counted in
 * proxmesh_control_rejected_total; it never reaches the run manager. A malformed message after
 * authentication is counted and answered by closing that connection with code 1008; the coordinator
 * keeps running.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ProxmeshError } from '../../node/errors.ts';
import { CLOSE_AUTH_TIMEOUT, CLOSE_UNAUTHORIZED, CoordinatorAuth } from '../../node/protocol/control-auth.ts';
import { createControlCodec } from '../../node/protocol/control-protocol.ts';
import type { CoordinatorMetrics } from '../metrics.ts';
import type { RunManager, WorkerConn } from '../run-manager.ts';

export interface ControlPluginOptions {
  readonly runs: RunManager;
  readonly metrics: CoordinatorMetrics;
  readonly token: string;
  /** How long a new socket may take to prove the token (ms, default 5000). */
  readonly authTimeoutMs?: number;
}

export async function controlPlugin(app: FastifyInstance, opts: ControlPluginOptions): Promise<void> {
  const reject = (reason: string) => opts.metrics.controlRejected.inc({ reason });
  app.get('/control', { websocket: true }, (socket: WebSocket) => {
    const codec = createControlCodec();
    const auth = new CoordinatorAuth(opts.token);
    let phase: 'hello' | 'proof' | 'open' | 'closed' = 'hello';
    const refuse = (reason: string, code: number, message: string) => {
      reject(reason);
      phase = 'closed';
      clearTimeout(deadline);
      app.log.warn({ reason }, 'control connection refused');
      socket.close(code, message);
    };
    // Unauthenticated sockets hold a connection and a little memory only this long.
    const deadline = setTimeout(() => {
      if (phase === 'hello' || phase === 'proof') refuse('auth-timeout', CLOSE_AUTH_TIMEOUT, 'control auth: no token proof in time');
    }, opts.authTimeoutMs ?? 5000);
    const conn: WorkerConn = {
      connId: randomUUID(),
      registration: null,
      send(msg) {
        if (socket.readyState === socket.OPEN) socket.send(codec.encode(msg));
      },
      close(code, reason) {
        socket.close(code, reason);
      },
    };
    const authenticate = (data: Buffer, isBinary: boolean) => {
      try {
        if (!isBinary) throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', 'control messages must be binary msgpack');
        if (phase === 'hello') {
          socket.send(auth.challenge(data));
          phase = 'proof';
        } else if (auth.verify(data)) {
          clearTimeout(deadline);
          phase = 'open';
          opts.runs.connect(conn);
        } else {
          refuse('bad-proof', CLOSE_UNAUTHORIZED, 'control auth: wrong token proof');
        }
      } catch (err) {
        refuse('auth-malformed', 1008, (err instanceof Error ? err.message : String(err)).slice(0, 120));
      }
    };
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (phase === 'closed') return;
      if (phase !== 'open') return authenticate(data, isBinary);
      try {
        if (!isBinary) throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', 'control messages must be binary msgpack');
        opts.runs.handle(conn, codec.decodeWorker(data));
      } catch (err) {
        reject(err instanceof ProxmeshError && err.code !== 'PROXMESH_ERR_FRAME_MALFORMED' ? 'protocol' : 'malformed');
        const message = err instanceof Error ? err.message : String(err);
        app.log.warn({ conn: conn.connId, err: message }, 'control message rejected');
        socket.close(1008, message.slice(0, 120));
      }
    });
    socket.on('close', () => {
      clearTimeout(deadline);
      const wasOpen = phase === 'open';
      phase = 'closed';
      if (wasOpen) opts.runs.disconnect(conn);
    });
    socket.on('error', () => socket.terminate());
  });
}
