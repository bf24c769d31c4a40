/**
 * An on-path attacker for WebSocket peer links, as a TCP relay on loopback: it forwards both
 * directions byte for byte, records every complete message the dialling side sends (unmasked,
 * fragments joined), and can inject whole binary messages of its own into that direction between
 * two messages — what someone on the path can do without the link key.
 * Client-to-server WebSocket frames (RFC 6455 §5.2): FIN|opcode, MASK|len7 (126 → u16, 127 → u64),
 * a 4-byte masking key, then the masked payload.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class WsTap {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Complete messages sent by the dialling side, in order, per connection (index = connection number). */
  readonly sent: Uint8Array[][] = [];
  private upstream: Socket | null = null;
  private inMessage = false;
  private readonly queued: Uint8Array[] = [];

  constructor(targetPort: () => number) {
    this.server = createServer((inbound) => {
      const outbound = connect(targetPort(), '127.0.0.1');
      const messages: Uint8Array[] = [];
      this.sent.push(messages);
      this.upstream = outbound;
      this.inMessage = false;
      let buf = Buffer.alloc(0);
      let handshakeDone = false;
      let fragments: Buffer[] = [];
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          (s === inbound ? outbound : inbound).destroy();
        });
      }
      outbound.on('data', (chunk) => inbound.write(chunk));
      inbound.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (!handshakeDone) {
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) return;
          outbound.write(buf.subarray(0, end + 4));
          buf = buf.subarray(end + 4);
          handshakeDone = true;
        }
        for (;;) {
          const frame = parseClientFrame(buf);
          if (frame === null) return;
          buf = buf.subarray(frame.length);
          outbound.write(frame.raw);
          if (frame.opcode === 0x2 || frame.opcode === 0x0) {
            fragments.push(frame.payload);
            this.inMessage = !frame.fin;
            if (frame.fin) {
              messages.push(new Uint8Array(Buffer.concat(fragments)));
              fragments = [];
              this.flush();
            }
          }
        }
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Writes `message` as one masked binary WebSocket message on the current connection, at the next message boundary. */
  inject(message: Uint8Array): void {
    this.queued.push(maskedBinaryFrame(message));
    this.flush();
  }

  private flush(): void {
    if (this.inMessage || this.upstream === null) return;
    for (const f of this.queued.splice(0)) this.upstream.write(f);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface ClientFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
  readonly raw: Buffer;
  readonly length: number;
}

function parseClientFrame(b: Buffer): ClientFrame | null {
  if (b.length < 2) return null;
  const fin = (b[0] & 0x80) !== 0;
  const opcode = b[0] & 0x0f;
  let len = b[1] & 0x7f;
  let off = 2;
  if (len === 126) {
    if (b.length < 4) return null;
    len = b.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (b.length < 10) return null;
    len = Number(b.readBigUInt64BE(2));
    off = 10;
  }
  const masked = (b[1] & 0x80) !== 0;
  const maskOff = off;
  if (masked) off += 4;
  if (b.length < off + len) return null;
  const payload = Buffer.from(b.subarray(off, off + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskOff + (i & 3)];
  return { fin, opcode, payload, raw: Buffer.from(b.subarray(0, off + len)), length: off + len };
}

function maskedBinaryFrame(payload: Uint8Array): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x82, 0x80 | len]) : len < 65536 ? Buffer.from([0x82, 0x80 | 126, len >> 8, len & 0xff]) : null;
  if (head === null) throw new Error('injected message too large for this tap');
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload);
  for (let i = 0; i < len; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}
