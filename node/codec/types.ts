/**
 * Wire encoding of compressed messages (payload) and frames (envelope + payload), DESIGN.md §4.
 * The codec is never lossy beyond what the compressor declared: decodePayload(encodePayload(m))
 * reproduces m's decoded vector bit for bit.
 */
import type { Message } from '../compress/types.ts';

export interface PayloadCodec {
  /** Exact number of bytes encodePayload(m) produces (no allocation). */
  payloadByteLength(m: Message): number;
  encodePayload(m: Message): Uint8Array;
  /** Throws ProxmeshError with a PROXMESH_ERR_FRAME_* code on any malformed input. */
  decodePayload(bytes: Uint8Array, expectedDim: number): Message;
}
