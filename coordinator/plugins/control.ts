/**
 * The control channel: workers connect to GET /control (WebSocket upgrade) with the cluster token,
 * then exchange msgpack control messages (node/cluster/control-protocol.ts). A malformed message is
 * counted and answered by closing that connection with code 1008; the coordinator keeps running.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { ProxmeshError } from '../../node/errors.ts';
import { createControlCodec } from '../../node/cluster/control-protocol.ts';
import type { CoordinatorMetrics } from '../metrics.ts';
import type { RunManager, WorkerConn } from '../run-manager.ts';
import { requireToken } from './auth.ts';

export interface ControlPluginOptions {
  readonly runs: RunManager;
  readonly metrics: CoordinatorMetrics;
  readonly token: string;
}

export async function controlPlugin(app: FastifyInstance, opts: ControlPluginOptions): Promise<void> {
  const reject = (reason: string) => opts.metrics.controlRejected.inc({ reason });
  app.get('/control', { websocket: true, preValidation: requireToken(opts.token, reject) }, (socket: WebSocket) => {
    const codec = createControlCodec();
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
    opts.runs.connect(conn);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
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
    socket.on('close', () => opts.runs.disconnect(conn));
    socket.on('error', () => socket.terminate());
  });
}
