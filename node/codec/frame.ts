/**
 * Frames: what one transport message carries (DESIGN.md §4), protocol version 2.
 *
 * Every frame starts with two bytes: kind (u8) and version (u8). Then, by kind:
 *
 * Link frames (data, ack, ping, pong), sent only on an authenticated link: a FIXED binary header,
 * all integers little-endian,
 *   [0]       kind            1 data · 2 ack · 3 ping · 4 pong
 *   [1]       version         PROTOCOL_VERSION
 *   [2,4)     reserved        zero
 *   [4,8)     round           i32 (iteration k; −1 for initialisation exchanges)
 *   [8,12)    from            u32 sender node id
 *   [12,20)   seq             u64 ≤ 2⁵³−1 (data: per-link sequence; ack: highest in-order seq delivered)
 *   [20,24)   payload length  u32 n (data: ≥ 1; other kinds: 0)
 *   [24,28)   phase           UTF-8, NUL-padded to PHASE_BYTES ('' for control frames)
 *   [28,44)   MAC             HMAC-SHA256(link key, bytes [0,28) ‖ payload), first 16 bytes
 *   [44,44+n) payload         data: a payload (payload.ts), validated on decode
 * The run id and the receiver are not repeated per frame: the link key is derived from a handshake
 * bound to the run, the initiator and the responder (node/auth/challenge.ts), so a frame whose MAC
 * verifies was made for this run and this link. `from` is still carried (and MAC'd) so a frame
 * reflected back to its sender on the same link is refused (from ≠ the link's peer).
 * The payload is not 8-byte aligned: payload.ts decodes through a DataView, never typed-array views.
 *
 * Hello frames (the handshake), msgpackr as for every other control message:
 *   [0] 5 · [1] version · [2,4) u16 body length L · [4,4+L) msgpack map (see HelloMessage).
 *
 * Every truncation of a frame is PROXMESH_ERR_FRAME_TRUNCATED (lengths are checked before content),
 * every defect PROXMESH_ERR_FRAME_MALFORMED, an unknown version PROXMESH_ERR_FRAME_VERSION and a
 * frame over the limit PROXMESH_ERR_FRAME_OVERSIZED. Nothing else is ever thrown.
 *
 * msgpackr keeps its output buffer in module scope, shared by every Packr; each FrameEncoder owns
 * its Packr and COPIES hello bodies into a buffer it allocated, so frames built on either side of
 * an `await` never alias each other.
 */
import { Packr, Unpackr } from 'msgpackr';
import { FRAME_MAC_BYTES, frameMac } from '../auth/challenge.ts';
import { FrameMac } from '../auth/frame-mac.ts';
import { ProxmeshError } from '../errors.ts';
import { validatePayload } from './payload.ts';
import { decodeHello, encodeHelloBody, type HelloMessage } from './hello-message.ts';

export type { HelloMessage, HelloStep } from './hello-message.ts';
export { HELLO_NONCE_BYTES, HELLO_PROOF_BYTES, RUN_TAG_BYTES, runTag } from './hello-message.ts';

export const PROTOCOL_VERSION = 2;
export const LINK_KINDS = ['data', 'ack', 'ping', 'pong'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
export const FRAME_KINDS = [...LINK_KINDS, 'hello'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];
const KIND_CODE: Record<FrameKind, number> = { data: 1, ack: 2, ping: 3, pong: 4, hello: 5 };
const KIND_OF_CODE: readonly (FrameKind | undefined)[] = [undefined, 'data', 'ack', 'ping', 'pong', 'hello'];

/** Bytes of the phase field; algorithm phases are short names ('x', 'y'). */
export const PHASE_BYTES = 4;
/** Fixed header of a link frame before the MAC. */
export const LINK_HEADER_BYTES = 24 + PHASE_BYTES;
/** Everything a link frame adds to its payload: header + MAC (44 bytes). */
export const LINK_OVERHEAD_BYTES = LINK_HEADER_BYTES + FRAME_MAC_BYTES;
/** An ack, ping or pong frame (no payload). */
export const CONTROL_FRAME_BYTES = LINK_OVERHEAD_BYTES;
/**
 * A receiver acknowledges every ACK_EVERY-th data frame of a link (seq ≡ 0 mod ACK_EVERY), plus once
 * when the link comes up and once per duplicate (after a reconnect). Acks only release the sender's
 * resend buffer (it then holds at most ACK_EVERY − 1 frames more per link), so acking each frame
 * cost a loopback write per frame — the largest part of a round's CPU on small models (issue 11) —
 * for nothing. The cadence is by seq, never by time, so the ack count stays deterministic:
 * acks(received frames F) = 1 + ⌊F / ACK_EVERY⌋ (wire-accounting.ts).
 */
export const ACK_EVERY = 16;

/** Acks a receiver sends on one link over one connection after F data frames: 1 + ⌊F / ACK_EVERY⌋. */
export function acksAfter(framesReceived: number): number {
  return 1 + Math.floor(framesReceived / ACK_EVERY);
}
/** Largest hello body; real ones are under 150 bytes. */
export const MAX_HELLO_BODY_BYTES = 512;
const MAX_SEQ_HIGH = 0x1fffff; // seq < 2^53

/** The fields of a link frame's header that a sender chooses. */
export interface FrameHeader {
  readonly kind: LinkKind;
  /** Algorithm round (iteration k; −1 for initialisation exchanges). */
  readonly round: number;
  /** Phase within the round (e.g. 'x', 'y'); '' for control frames. At most PHASE_BYTES of UTF-8. */
  readonly phase: string;
  /** Sender node id. */
  readonly from: number;
  /** Per-link sequence number of data frames (acks: the highest in-order seq received). */
  readonly seq: number;
}

/**
 * A data frame as the transport hands it on: the header plus what the authenticated link implies
 * (the protocol version, the run and the receiver), so consumers see one complete envelope.
 */
export interface FrameEnvelope extends FrameHeader {
  readonly v: number;
  readonly run: string;
  readonly to: number;
}

/** Header input: a FrameEnvelope is accepted too (v, run and to are implied by the link, not written). */
export type FrameHeaderInput = FrameHeader & { readonly v?: number; readonly run?: string; readonly to?: number };

export type DecodedFrame =
  | {
      readonly kind: LinkKind;
      readonly header: FrameHeader;
      /** The header bytes the MAC covers (a view into the frame). */
      readonly headerBytes: Uint8Array;
      /** The MAC as received (a view). */
      readonly mac: Uint8Array;
      /** A view into the frame bytes (no copy); empty for control kinds. */
      readonly payload: Uint8Array;
    }
  | { readonly kind: 'hello'; readonly hello: HelloMessage };

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
  return Math.max(LINK_OVERHEAD_BYTES + maxPayloadBytes(dim, blocks), 4 + MAX_HELLO_BODY_BYTES);
}

/** Exact length of a data frame carrying `payloadLength` payload bytes. */
export function dataFrameBytes(payloadLength: number): number {
  return LINK_OVERHEAD_BYTES + payloadLength;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function internal(msg: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_INTERNAL', `encodeFrame: ${msg}`);
}

/**
 * Payloads up to this length travel in ONE buffer with their header (encodeLink): one socket write
 * instead of two (a loopback write costs tens of µs of CPU, copying 64 KiB a few µs). Larger ones keep
 * header and payload apart (encodeHeader), so a large payload is never copied.
 */
export const SINGLE_BUFFER_PAYLOAD_BYTES = 64 * 1024;

/** Most distinct phase names an encoder or decoder caches (algorithms use one or two). */
const PHASE_CACHE = 64;

/** Builds frames; one per link or component (its Packr is not shared). */
export class FrameEncoder {
  private readonly packr = new Packr({ useRecords: false, variableMapSize: true });
  /** phase name → its UTF-8 bytes (checked once): TextEncoder allocates per call. */
  private readonly phases = new Map<string, Uint8Array>();

  private phaseBytes(phase: string): Uint8Array {
    let b = this.phases.get(phase);
    if (b !== undefined) return b;
    b = utf8.encode(phase);
    if (b.length > PHASE_BYTES || b.includes(0)) throw internal(`phase '${phase}' must be at most ${PHASE_BYTES} UTF-8 bytes without NUL`);
    if (this.phases.size < PHASE_CACHE) this.phases.set(phase, b);
    return b;
  }

  /** Checks h and writes the LINK_HEADER_BYTES of a link frame into out[0, 28) (out zero-filled there). */
  private writeHeader(h: FrameHeaderInput, payloadLength: number, out: Uint8Array): void {
    if (!(LINK_KINDS as readonly string[]).includes(h.kind)) throw internal(`kind '${h.kind}' is not a link frame`);
    const code = KIND_CODE[h.kind];
    if (!Number.isInteger(h.round) || h.round < -(2 ** 31) || h.round > 2 ** 31 - 1)
      throw internal(`round ${h.round} is not a 32-bit integer`);
    if (!Number.isInteger(h.from) || h.from < 0 || h.from > 2 ** 32 - 1) throw internal(`from ${h.from} is not a node id`);
    if (!Number.isSafeInteger(h.seq) || h.seq < 0) throw internal(`seq ${h.seq} is not an integer in [0, 2^53)`);
    if ((h.kind === 'data') !== payloadLength > 0) throw internal(`a ${h.kind} frame with a ${payloadLength}-byte payload`);
    const phase = this.phaseBytes(h.phase);
    const view = new DataView(out.buffer, out.byteOffset, LINK_HEADER_BYTES);
    out[0] = code;
    out[1] = PROTOCOL_VERSION;
    view.setInt32(4, h.round, true);
    view.setUint32(8, h.from, true);
    view.setUint32(12, h.seq % 2 ** 32, true);
    view.setUint32(16, Math.floor(h.seq / 2 ** 32), true);
    view.setUint32(20, payloadLength, true);
    out.set(phase, 24);
  }

  /**
   * Header and MAC of a link frame (LINK_OVERHEAD_BYTES), in a buffer of its own: transports write
   * it and then the payload, so the payload is never copied. `key` null leaves the MAC zero (a
   * frame nobody accepts; for tests and tools). A FrameMac (the link's precomputed key state) gives
   * the same MAC as its Buffer key.
   */
  encodeHeader(h: FrameHeaderInput, payload: Uint8Array, key: Buffer | FrameMac | null): Uint8Array {
    const out = new Uint8Array(LINK_OVERHEAD_BYTES);
    this.writeHeader(h, payload.length, out);
    const header = out.subarray(0, LINK_HEADER_BYTES);
    if (key instanceof FrameMac) key.writeMac(header, payload, out, LINK_HEADER_BYTES);
    else if (key !== null) out.set(frameMac(key, header, payload), LINK_HEADER_BYTES);
    return out;
  }

  /**
   * A whole link frame (header, MAC, payload) in ONE buffer, allocated per frame (a transport may
   * still hold it in a socket's queue) from Node's small-buffer pool: the per-frame path of the
   * transports (issue 11). Byte-identical to encodeFrame.
   */
  encodeLink(h: FrameHeaderInput, payload: Uint8Array, mac: FrameMac | null): Buffer {
    const out = Buffer.allocUnsafe(LINK_OVERHEAD_BYTES + payload.length);
    out.fill(0, 0, LINK_OVERHEAD_BYTES);
    this.writeHeader(h, payload.length, out);
    const header = out.subarray(0, LINK_HEADER_BYTES);
    if (mac !== null) mac.writeMac(header, payload, out, LINK_HEADER_BYTES);
    out.set(payload, LINK_OVERHEAD_BYTES);
    return out;
  }

  /** A whole link frame (header, MAC, payload) in one buffer. */
  encodeFrame(h: FrameHeaderInput, payload: Uint8Array, key: Buffer | null = null): Uint8Array {
    const header = this.encodeHeader(h, payload, key);
    const out = new Uint8Array(header.length + payload.length);
    out.set(header);
    out.set(payload, header.length);
    return out;
  }

  /** A hello frame (one handshake message). */
  encodeHello(msg: HelloMessage): Uint8Array {
    const body = encodeHelloBody(this.packr, msg);
    if (body.length > MAX_HELLO_BODY_BYTES) throw internal(`hello body is ${body.length} bytes (max ${MAX_HELLO_BODY_BYTES})`);
    const out = new Uint8Array(4 + body.length);
    out[0] = KIND_CODE.hello;
    out[1] = PROTOCOL_VERSION;
    new DataView(out.buffer).setUint16(2, body.length, true);
    out.set(body, 4); // the copy that detaches the frame from msgpackr's shared buffer
    return out;
  }
}

/** One-shot link frame encoding (a fresh FrameEncoder; long-lived code should keep its own). */
export function encodeFrame(h: FrameHeaderInput, payload: Uint8Array, key: Buffer | null = null): Uint8Array {
  return new FrameEncoder().encodeFrame(h, payload, key);
}

function truncated(field: string, need: number, have: number): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_FRAME_TRUNCATED', `frame truncated: ${field} needs ${need} bytes, frame has ${have}`, {
    field,
    need,
    have,
  });
}

export function frameMalformed(field: string, why: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `frame malformed: ${field} ${why}`, { field });
}

/** Decodes frames; one per link or component. */
export class FrameDecoder {
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  private readonly packr = new Packr({ useRecords: false, variableMapSize: true });
  /**
   * The phase field (4 bytes read as a u32) → its string, for fields that decoded as valid; at most
   * PHASE_CACHE entries, so frames read before their MAC is checked cannot grow it without bound.
   */
  private readonly phases = new Map<number, string>();

  decode(bytes: Uint8Array, opts: DecodeFrameOptions): DecodedFrame {
    if (bytes.length > opts.maxBytes) {
      throw new ProxmeshError('PROXMESH_ERR_FRAME_OVERSIZED', `frame of ${bytes.length} bytes exceeds the limit of ${opts.maxBytes}`, {
        bytes: bytes.length,
        maxBytes: opts.maxBytes,
      });
    }
    if (bytes.length < 2) throw truncated('kind and version', 2, bytes.length);
    const kind = KIND_OF_CODE[bytes[0]];
    if (kind === undefined) throw frameMalformed('kind', `${bytes[0]} is not a frame kind`);
    if (bytes[1] !== PROTOCOL_VERSION) {
      throw new ProxmeshError(
        'PROXMESH_ERR_FRAME_VERSION',
        `frame has protocol version ${bytes[1]}; this node speaks ${PROTOCOL_VERSION}`,
        { got: bytes[1], expected: PROTOCOL_VERSION },
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (kind === 'hello') return { kind, hello: this.decodeHelloFrame(bytes, view) };
    if (bytes.length < LINK_OVERHEAD_BYTES) throw truncated('header', LINK_OVERHEAD_BYTES, bytes.length);
    if (view.getUint16(2, true) !== 0) throw frameMalformed('reserved', 'is not zero');
    const round = view.getInt32(4, true);
    const from = view.getUint32(8, true);
    const seqHigh = view.getUint32(16, true);
    if (seqHigh > MAX_SEQ_HIGH) throw frameMalformed('seq', 'exceeds 2^53 − 1');
    const seq = seqHigh * 2 ** 32 + view.getUint32(12, true);
    const n = view.getUint32(20, true);
    const phaseField = view.getUint32(24, true);
    let phase = this.phases.get(phaseField);
    if (phase === undefined) {
      phase = decodePhase(bytes.subarray(24, 24 + PHASE_BYTES));
      if (this.phases.size < PHASE_CACHE) this.phases.set(phaseField, phase);
    }
    if (kind === 'data' ? n === 0 : n !== 0)
      throw frameMalformed('payload length', kind === 'data' ? 'is 0 for a data frame' : `must be 0 for a ${kind} frame`);
    if (n > opts.maxBytes - LINK_OVERHEAD_BYTES) {
      throw new ProxmeshError(
        'PROXMESH_ERR_FRAME_OVERSIZED',
        `frame declares a ${n}-byte payload; the limit is ${opts.maxBytes - LINK_OVERHEAD_BYTES}`,
        { bytes: n, maxBytes: opts.maxBytes },
      );
    }
    if (bytes.length < LINK_OVERHEAD_BYTES + n) throw truncated('payload', LINK_OVERHEAD_BYTES + n, bytes.length);
    if (bytes.length > LINK_OVERHEAD_BYTES + n)
      throw frameMalformed('frame', `has ${bytes.length - LINK_OVERHEAD_BYTES - n} bytes after the payload`);
    const payload = bytes.subarray(LINK_OVERHEAD_BYTES);
    if (kind === 'data') validatePayload(payload, opts.expectedDim);
    return {
      kind,
      header: { kind, round, phase, from, seq },
      headerBytes: bytes.subarray(0, LINK_HEADER_BYTES),
      mac: bytes.subarray(LINK_HEADER_BYTES, LINK_OVERHEAD_BYTES),
      payload,
    };
  }

  private decodeHelloFrame(bytes: Uint8Array, view: DataView): HelloMessage {
    if (bytes.length < 4) throw truncated('hello length', 4, bytes.length);
    const L = view.getUint16(2, true);
    if (L === 0 || L > MAX_HELLO_BODY_BYTES) throw frameMalformed('hello length', `${L} outside [1, ${MAX_HELLO_BODY_BYTES}]`);
    if (bytes.length < 4 + L) throw truncated('hello body', 4 + L, bytes.length);
    if (bytes.length > 4 + L) throw frameMalformed('hello', `has ${bytes.length - 4 - L} bytes after its body`);
    return decodeHello(this.unpackr, this.packr, bytes.subarray(4, 4 + L));
  }
}

/** The phase field: UTF-8 followed only by NUL padding. */
function decodePhase(field: Uint8Array): string {
  let end = field.indexOf(0);
  if (end === -1) end = field.length;
  for (let i = end; i < field.length; i++) if (field[i] !== 0) throw frameMalformed('phase', 'has bytes after its NUL padding');
  try {
    return utf8Strict.decode(field.subarray(0, end));
  } catch {
    throw frameMalformed('phase', 'is not UTF-8');
  }
}

/** One-shot frame decoding (a fresh FrameDecoder). */
export function decodeFrame(bytes: Uint8Array, opts: DecodeFrameOptions): DecodedFrame {
  return new FrameDecoder().decode(bytes, opts);
}
