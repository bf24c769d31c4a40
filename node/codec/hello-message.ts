/**
 * The body of a hello frame: one message of the peer handshake (node/auth/challenge.ts), as a
 * msgpack map with fields in a fixed order (equal messages give equal bytes):
 *   step 1, initiator → responder: { step, run, from, to, nonce }
 *   step 2, responder → initiator: { step, run, from, to, nonce, proof }
 *   step 3, initiator → responder: { step, run, from, to, proof }
 * `run` is a RUN_TAG_BYTES digest of the run id, not the id: it lets a receiver name a frame of
 * another run precisely ('wrong-run') while the binding itself is in the proofs, and it keeps every
 * hello of a link the same length whatever the run id (so the simulator can count them exactly).
 */
import { createHash } from 'node:crypto';
import type { Packr, Unpackr } from 'msgpackr';
import { ProxmeshError } from '../errors.ts';

export const HELLO_NONCE_BYTES = 16;
export const HELLO_PROOF_BYTES = 32;
export const RUN_TAG_BYTES = 8;

export type HelloStep = 1 | 2 | 3;

export interface HelloMessage {
  readonly step: HelloStep;
  /** runTag(run) of the sender's run. */
  readonly run: Uint8Array;
  readonly from: number;
  readonly to: number;
  /** Steps 1 and 2: the sender's fresh nonce. */
  readonly nonce?: Uint8Array;
  /** Steps 2 and 3: the sender's proof over both nonces. */
  readonly proof?: Uint8Array;
}

/** First RUN_TAG_BYTES of SHA-256("proxmesh/run\0" ‖ run). */
export function runTag(run: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update('proxmesh/run\0').update(run, 'utf8').digest().subarray(0, RUN_TAG_BYTES));
}

const FIELDS: Record<HelloStep, readonly string[]> = {
  1: ['step', 'run', 'from', 'to', 'nonce'],
  2: ['step', 'run', 'from', 'to', 'nonce', 'proof'],
  3: ['step', 'run', 'from', 'to', 'proof'],
};

function malformed(field: string, why: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `frame malformed: hello.${field} ${why}`, { field: `hello.${field}` });
}

/** The msgpack body (a view into the Packr's buffer: copy it before the next pack). */
export function encodeHelloBody(packr: Packr, m: HelloMessage): Uint8Array {
  const o: Record<string, unknown> = { step: m.step, run: m.run, from: m.from, to: m.to };
  if (m.nonce !== undefined) o.nonce = m.nonce;
  if (m.proof !== undefined) o.proof = m.proof;
  return packr.pack(o);
}

function bin(o: Record<string, unknown>, k: string, len: number): Uint8Array {
  const v = o[k];
  if (!(v instanceof Uint8Array) || v.length !== len) throw malformed(k, `must be ${len} bytes`);
  return v;
}

function nodeId(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 32 - 1) throw malformed(k, 'must be a node id');
  return v;
}

/**
 * Decodes and validates a body. It must also be canonical (re-encoding gives the same bytes), so
 * trailing bytes or alternative encodings of the same map are refused.
 */
export function decodeHello(unpackr: Unpackr, packr: Packr, body: Uint8Array): HelloMessage {
  let o: unknown;
  try {
    o = unpackr.unpack(body);
  } catch (err) {
    throw malformed('body', `is not valid msgpack (${(err as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o) || o instanceof Uint8Array) throw malformed('body', 'is not a map');
  const r = o as Record<string, unknown>;
  const step = r.step;
  if (step !== 1 && step !== 2 && step !== 3) throw malformed('step', 'must be 1, 2 or 3');
  const keys = Object.keys(r);
  const want = FIELDS[step];
  if (keys.length !== want.length || keys.some((k) => !want.includes(k)))
    throw malformed('body', `must have exactly the fields ${want.join(', ')}`);
  const m: HelloMessage = {
    step,
    run: bin(r, 'run', RUN_TAG_BYTES),
    from: nodeId(r, 'from'),
    to: nodeId(r, 'to'),
    ...(step !== 3 ? { nonce: bin(r, 'nonce', HELLO_NONCE_BYTES) } : {}),
    ...(step !== 1 ? { proof: bin(r, 'proof', HELLO_PROOF_BYTES) } : {}),
  };
  if (Buffer.compare(Buffer.from(encodeHelloBody(packr, m)), Buffer.from(body.buffer, body.byteOffset, body.byteLength)) !== 0) {
    throw malformed('body', 'is not canonical (trailing bytes, or fields out of order or not minimally encoded)');
  }
  return m;
}

/** Exact length of a hello frame of `step` between two node ids (4-byte prefix + body). */
export function helloFrameBytes(packr: Packr, step: HelloStep, from: number, to: number): number {
  const z = (n: number) => new Uint8Array(n);
  return (
    4 +
    encodeHelloBody(packr, {
      step,
      run: z(RUN_TAG_BYTES),
      from,
      to,
      ...(step !== 3 ? { nonce: z(HELLO_NONCE_BYTES) } : {}),
      ...(step !== 1 ? { proof: z(HELLO_PROOF_BYTES) } : {}),
    }).length
  );
}
