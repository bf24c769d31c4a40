/**
 * The worker's peer listener closes sockets that never finish their HTTP upgrade within its header
 * deadline (issue 16: sockets held forever). After the upgrade the transport's hello deadline takes
 * over (test/transport/attacks.test.ts).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundPort, closeHttp, listenHttp } from '../../node/cluster/peer-listener.ts';

const servers: Awaited<ReturnType<typeof listenHttp>>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeHttp));
});

/** Resolves with 'closed' when the server ends the socket, or 'open' if it is still open at the bound. */
function closedWithin(socket: Socket, boundMs: number): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), boundMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('error', () => undefined);
  });
}

describe('peer listener header deadline', () => {
  it('closes silent sockets and sockets with half-sent upgrade headers; a socket that keeps within it is served', async () => {
    const server = await listenHttp('127.0.0.1', 0, 'test peer links', 300);
    servers.push(server);
    const port = boundPort(server);
    const silent = Array.from({ length: 20 }, () => connect(port, '127.0.0.1'));
    const partial = connect(port, '127.0.0.1', () => partial.write('GET /node/1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'));
    // The bound is generous (a loaded machine); a listener without the deadline keeps them ~60 s.
    const states = await Promise.all([...silent, partial].map((s) => closedWithin(s, 15_000)));
    expect(states.every((s) => s === 'closed')).toBe(true);

    // A plain request inside the deadline still gets the listener's answer (426: upgrades only).
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let text = '';
      s.on('data', (d) => (text += d));
      s.on('close', () => resolve(text));
      s.on('error', reject);
    });
    expect(answer.startsWith('HTTP/1.1 426')).toBe(true);
  });
});
