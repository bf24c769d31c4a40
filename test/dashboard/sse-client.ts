/** A minimal Server-Sent Events reader for tests: collects events and comment lines of one stream. */
import { get, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseClient {
  readonly events: SseEvent[];
  readonly comments: string[];
  readonly response: IncomingMessage;
  ended: boolean;
  close(): void;
}

export function openSse(url: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | null = null;
    req = get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      const client: SseClient = { events: [], comments: [], response: res, ended: false, close: () => req!.destroy() };
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let at = buf.indexOf('\n\n'); at >= 0; at = buf.indexOf('\n\n')) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) client.events.push({ event, data: JSON.parse(data.join('\n')) });
        }
      });
      res.on('end', () => {
        client.ended = true;
      });
      res.on('error', () => {
        client.ended = true;
      });
      resolve(client);
    });
    req.on('error', reject);
  });
}

/** Polls `cond` every 10 ms until true; throws after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
