/**
 * TCP delay proxy (the kernel here has no netem): listens on LISTEN_HOST:LISTEN_PORT and forwards to
 * TARGET_HOST:TARGET_PORT, holding every chunk DELAY_MS in each direction while keeping byte order
 * (a chunk is never written before the previous one). Run by the clock test inside a worker's network
 * namespace (nsenter -n), in front of the worker's peer port.
 *   node --import tsx test/containers/delay-proxy.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS
 * Prints "delay-proxy ready" once listening; exits on SIGTERM.
 */
import { connect, createServer, type Socket } from 'node:net';

const [listenHost, listenPort, targetHost, targetPort, delayMs] = process.argv.slice(2);
const delay = Number(delayMs);
if (!listenHost || !Number.isInteger(Number(listenPort)) || !targetHost || !Number.isInteger(Number(targetPort)) || !(delay >= 0)) {
  console.error('usage: delay-proxy LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS');
  process.exit(2);
}

function pipeDelayed(src: Socket, dst: Socket): void {
  let last = 0; // due time of the previous chunk: keeps order under timer jitter
  src.setNoDelay(true);
  src.on('data', (buf) => {
    const at = Math.max(performance.now() + delay, last);
    last = at;
    setTimeout(() => {
      if (dst.writable) dst.write(buf);
    }, at - performance.now());
  });
  src.on('end', () => setTimeout(() => dst.end(), Math.max(0, last - performance.now())));
  src.on('error', () => dst.destroy());
}

const server = createServer((client) => {
  const upstream = connect(Number(targetPort), targetHost);
  upstream.setNoDelay(true);
  pipeDelayed(client, upstream);
  pipeDelayed(upstream, client);
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(Number(listenPort), listenHost, () => console.log('delay-proxy ready'));
for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => process.exit(0));
