/**
 * Frames: what one transport message carries (DESIGN.md §4).
 *
 *   [0,4)        envelope length L, u32 little-endian (1 ≤ L ≤ MAX_ENVELOPE_BYTES)
 *   [4,4+L)      msgpackr-encoded envelope { v, run, kind, round, phase, from, to, seq }
 *   [4+L, P)     zero padding so the payload starts at P = 8·ceil((4+L)/8) (8-byte aligned)
 *   [P, end)     payload bytes, by kind:
 *                  data  → a payload (payload.ts), validated on decode
 *                  hello → exactly HELLO_PROOF_BYTES (HMAC-SHA256 proof of the cluster token)
 *                  ack, ping, pong → empty
 * The frame carries no payload length: the kind's rules fix where the payload ends, so every
 * truncation is detected (PROXMESH_ERR_FRAME_TRUNCATED).
 *
 * msgpackr keeps its output buffer in module scope, shared by every Packr; a result left as a view
 * into it could be overwritten by a later pack (e.g. after `useBuffer`). Each FrameEncoder owns its
 * Packr and COPIES the envelope into a frame buffer it allocated before returning, so frames built
 * on either side of an `await` never alias each other.
 */
import { Packr, Unpackr } from 'msgpackr';
import { ProxmeshError } from '../errors.ts';
import { validatePayload } from './payload.ts';

export const PROTOCOL_VERSION = 1;
export const FRAME_KINDS = ['data', 'ack', 'hello', 'ping', 'pong'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];
/** An HMAC-SHA256 tag. */
export const HELLO_PROOF_BYTES = 32;
export const MAX_ENVELOPE_BYTES = 1024;
export const MAX_RUN_LENGTH = 128;
export const MAX_PHASE_LENGTH = 64;

export interface FrameEnvelope {
  /** Protocol version (PROTOCOL_VERSION). */
  readonly v: number;
  /** Run id; frames of another run are rejected by the transport. */
  readonly run: string;
  readonly kind: FrameKind;
  /** Algorithm round (iteration k; −1 for initialisation exchanges). */
  readonly round: number;
  /** Phase within the round (e.g. 'x', 'y'); '' for control frames. */
  readonly phase: string;
  /** Sender node id. */
  readonly from: number;
  /** Receiver node id. */
  readonly to: number;
  /** Per-link sequence number of data frames (acks: the highest in-order seq received). */
  readonly seq: number;
}

export interface DecodedFrame {
  readonly envelope: FrameEnvelope;
  /** A view into the frame bytes (no copy). */
  readonly payload: Uint8Array;
}

export interface DecodeFrameOptions {
  /** Frames longer than this are rejected with PROXMESH_ERR_FRAME_OVERSIZED. */
  readonly maxBytes: number;
  /** When given, a data payload's dim must equal it. */
  readonly expectedDim?: number;
}

/**
 * Upper bound of a payload's length for dimension d (the worst form: sparse f64 with a bitmap, or
 * levels with `blocks` scales), for sizing `maxPayload` of a link.
 */
export function maxPayloadBytes(dim: number, blocks = 1): number {
  return 32 + Math.ceil(dim / 8) + 8 * dim + 13 * blocks;
}

/** Upper bound of a frame's length for dimension d (see maxPayloadBytes). */
export function maxFrameBytes(dim: number, blocks = 1): number {
  return 8 + MAX_ENVELOPE_BYTES + 8 + maxPayloadBytes(dim, blocks);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Builds frames; one per link or component (its Packr is not shared). */
export class FrameEncoder {
  private readonly packr = new Packr({ useRecords: false, variableMapSize: true });

  /** Frame header: length prefix, envelope and padding, in a buffer of its own with `extra` spare bytes at the end. */
  private build(env: FrameEnvelope, extra: number): { out: Uint8Array; payloadOffset: number } {
    // Fixed key order, so equal envelopes give equal bytes.
    const packed = this.packr.pack({
      v: env.v, run: env.run, kind: env.kind, round: env.round, phase: env.phase, from: env.from, to: env.to, seq: env.seq,
    });
    if (packed.length > MAX_ENVELOPE_BYTES) {
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `frame envelope is ${packed.length} bytes (max ${MAX_ENVELOPE_BYTES})`);
    }
    const payloadOffset = align8(4 + packed.length);
    const out = new Uint8Array(payloadOffset + extra);
    new DataView(out.buffer).setUint32(0, packed.length, true);
    out.set(packed, 4); // the copy that detaches the frame from msgpackr's shared buffer
    return { out, payloadOffset };
  }

  /** Header only (for transports that write header and payload separately, without a copy). */
  encodeHeader(env: FrameEnvelope): Uint8Array {
    return this.build(env, 0).out;
  }

  encodeFrame(env: FrameEnvelope, payload: Uint8Array): Uint8Array {
    const { out, payloadOffset } = this.build(env, payload.length);
    out.set(payload, payloadOffset);
    return out;
  }
}

/** One-shot frame encoding (a fresh FrameEncoder; long-lived code should keep its own). */
export function encodeFrame(env: FrameEnvelope, payload: Uint8Array): Uint8Array {
  return new FrameEncoder().encodeFrame(env, payload);
}

function truncated(field: string, need: number, have: number): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_FRAME_TRUNCATED', `frame truncated: ${field} needs ${need} bytes, frame has ${have}`, { field, need, have });
}

function malformed(field: string, why: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `frame malformed: ${field} ${why}`, { field });
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

const ENVELOPE_KEYS = ['v', 'run', 'kind', 'round', 'phase', 'from', 'to', 'seq'];

/** Type-checks a decoded envelope (unknown version → PROXMESH_ERR_FRAME_VERSION). */
export function validateEnvelope(e: unknown): FrameEnvelope {
  if (typeof e !== 'object' || e === null || Array.isArray(e) || (Object.getPrototypeOf(e) !== Object.prototype && Object.getPrototypeOf(e) !== null)) {
    throw malformed('envelope', 'is not a map');
  }
  const o = e as Record<string, unknown>;
  if (typeof o.v !== 'number') throw malformed('envelope.v', 'is missing or not a number');
  if (o.v !== PROTOCOL_VERSION) {
    throw new ProxmeshError('PROXMESH_ERR_FRAME_VERSION', `frame has protocol version ${o.v}; this node speaks ${PROTOCOL_VERSION}`, { got: o.v, expected: PROTOCOL_VERSION });
  }
  const keys = Object.keys(o);
  for (const k of keys) if (!ENVELOPE_KEYS.includes(k)) throw malformed(`envelope.${k}`, 'is not a known field');
  if (keys.length !== ENVELOPE_KEYS.length) throw malformed('envelope', `has ${keys.length} fields, expected ${ENVELOPE_KEYS.length}`);
  if (typeof o.run !== 'string' || o.run.length > MAX_RUN_LENGTH) throw malformed('envelope.run', `must be a string of at most ${MAX_RUN_LENGTH} chars`);
  if (typeof o.kind !== 'string' || !(FRAME_KINDS as readonly string[]).includes(o.kind)) throw malformed('envelope.kind', `must be one of ${FRAME_KINDS.join('|')}`);
  if (!isInt(o.round, -(2 ** 31), 2 ** 31 - 1)) throw malformed('envelope.round', 'must be a 32-bit integer');
  if (typeof o.phase !== 'string' || o.phase.length > MAX_PHASE_LENGTH) throw malformed('envelope.phase', `must be a string of at most ${MAX_PHASE_LENGTH} chars`);
  if (!isInt(o.from, 0, 2 ** 31 - 1)) throw malformed('envelope.from', 'must be a node id (integer ≥ 0)');
  if (!isInt(o.to, 0, 2 ** 31 - 1)) throw malformed('envelope.to', 'must be a node id (integer ≥ 0)');
  if (!isInt(o.seq, 0, Number.MAX_SAFE_INTEGER)) throw malformed('envelope.seq', 'must be an integer ≥ 0');
  return o as unknown as FrameEnvelope;
}

/** Decodes frames; one per link or component. */
export class FrameDecoder {
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

  decode(bytes: Uint8Array, opts: DecodeFrameOptions): DecodedFrame {
    if (bytes.length > opts.maxBytes) {
      throw new ProxmeshError('PROXMESH_ERR_FRAME_OVERSIZED', `frame of ${bytes.length} bytes exceeds the limit of ${opts.maxBytes}`, { bytes: bytes.length, maxBytes: opts.maxBytes });
    }
    if (bytes.length < 4) throw truncated('envelope length', 4, bytes.length);
    const L = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
    if (L === 0 || L > MAX_ENVELOPE_BYTES) throw malformed('envelope length', `${L} outside [1, ${MAX_ENVELOPE_BYTES}]`);
    if (bytes.length < 4 + L) throw truncated('envelope', 4 + L, bytes.length);
    const P = align8(4 + L);
    if (bytes.length < P) throw truncated('padding', P, bytes.length);
    for (let i = 4 + L; i < P; i++) if (bytes[i] !== 0) throw malformed('padding', 'is not zero');
    let raw: unknown;
    try {
      raw = this.unpackr.unpack(bytes.subarray(4, 4 + L));
    } catch (err) {
      throw malformed('envelope', `is not valid msgpack (${(err as Error).message})`);
    }
    const envelope = validateEnvelope(raw);
    const payload = bytes.subarray(P);
    switch (envelope.kind) {
      case 'data':
        validatePayload(payload, opts.expectedDim);
        break;
      case 'hello':
        if (payload.length < HELLO_PROOF_BYTES) throw truncated('hello proof', P + HELLO_PROOF_BYTES, bytes.length);
        if (payload.length > HELLO_PROOF_BYTES) throw malformed('hello proof', `is ${payload.length} bytes, expected ${HELLO_PROOF_BYTES}`);
        break;
      default:
        if (payload.length !== 0) throw malformed('payload', `of a ${envelope.kind} frame must be empty`);
    }
    return { envelope, payload };
  }
}

/** One-shot frame decoding (a fresh FrameDecoder). */
export function decodeFrame(bytes: Uint8Array, opts: DecodeFrameOptions): DecodedFrame {
  return new FrameDecoder().decode(bytes, opts);
}
