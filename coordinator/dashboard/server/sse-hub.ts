/**
 * Server-Sent Events fan-out: each client is a raw HTTP response kept open; `broadcast` writes one
 * `event:`/`data:` frame to all of them, a comment line every `heartbeatMs` keeps proxies from
 * closing idle streams. A client that goes away is forgotten (its `close` event), and `closeAll`
 * ends every stream so the HTTP server can close.
 */
import type { ServerResponse } from 'node:http';

export interface SseHub {
  add(res: ServerResponse): void;
  /** Writes to one client only (the snapshot a new client starts from). */
  send(res: ServerResponse, event: string, data: unknown): void;
  broadcast(event: string, data: unknown): void;
  size(): number;
  closeAll(): void;
}

export function frame(event: string, data: unknown): string {
  // JSON has no raw newlines, so one data: line always suffices.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function createSseHub(opts: { heartbeatMs: number; onEmpty?: () => void; onFirst?: () => void }): SseHub {
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | null = null;

  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  const drop = (res: ServerResponse) => {
    if (!clients.delete(res)) return;
    if (clients.size === 0) {
      stopTimer();
      opts.onEmpty?.();
    }
  };
  const write = (res: ServerResponse, chunk: string) => {
    if (res.writableEnded || res.destroyed) return drop(res);
    res.write(chunk);
  };

  return {
    add(res) {
      const first = clients.size === 0;
      clients.add(res);
      res.on('close', () => drop(res));
      if (first) {
        opts.onFirst?.();
        timer = setInterval(() => {
          for (const c of [...clients]) write(c, `: heartbeat ${Date.now()}\n\n`);
        }, opts.heartbeatMs);
        timer.unref();
      }
    },
    send(res, event, data) {
      write(res, frame(event, data));
    },
    broadcast(event, data) {
      if (clients.size === 0) return;
      const chunk = frame(event, data);
      for (const c of [...clients]) write(c, chunk);
    },
    size: () => clients.size,
    closeAll() {
      for (const c of [...clients]) {
        drop(c);
        c.end();
      }
      stopTimer();
    },
  };
}
