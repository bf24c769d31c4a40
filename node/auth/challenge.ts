/**
 * Challenge–response over the cluster token, shared by the peer links (node/transport) and the
 * control channel (coordinator ↔ worker). Nothing here ever puts the token on the wire.
 *
 * Protocol, for one connection between an initiator A and a responder B:
 *   1. A → B: nonce_A (fresh, NONCE_BYTES random bytes)
 *   2. B → A: nonce_B, proof_B = HMAC(K, "resp" ‖ ctx ‖ nonce_A ‖ nonce_B)
 *   3. A → B: proof_A = HMAC(K, "init" ‖ ctx ‖ nonce_A ‖ nonce_B)
 * where K = SHA-256("proxmesh/auth/1" ‖ token) and ctx binds the purpose, the run and both
 * endpoints' identities. A replayed message fails because the other side's nonce is fresh for every
 * connection; a relayed one fails because ctx names sender and receiver; a reflected one fails
 * because the two directions use different role labels.
 *
 * After a successful exchange both sides derive the same per-connection key with `linkKey`
 * (HKDF-SHA256 over both nonces and ctx) to authenticate every later frame with `frameMac`.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Fresh value per connection and side: 16 bytes = 128 bits, so a repeat is never expected. */
export const NONCE_BYTES = 16;
/** Full HMAC-SHA256 output for handshake proofs. */
export const PROOF_BYTES = 32;
/**
 * Per-frame MAC length. 16 bytes (128 bits) is the usual truncation of HMAC-SHA256
 * (RFC 2104 §5 allows ≥ half the output): forging one frame takes ~2¹²⁸ tries.
 */
export const FRAME_MAC_BYTES = 16;

export type Role = 'init' | 'resp';

/** What a proof is bound to. Every field goes into the MAC, length-prefixed, so no two differ in encoding only. */
export interface AuthContext {
  /** 'peer' for worker↔worker links, 'control' for worker↔coordinator. */
  readonly purpose: 'peer' | 'control';
  /** Run id ('' for the control channel, which exists before a run is assigned). */
  readonly run: string;
  /** Identity of the connection's initiator (a node id for peers, a worker's self-chosen label for control). */
  readonly initiator: string;
  /** Identity of the responder. */
  readonly responder: string;
}

export function freshNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

/** K = SHA-256("proxmesh/auth/1" ‖ token): the token itself is never used as a key directly. */
export function tokenKey(token: string): Buffer {
  return createHash('sha256').update('proxmesh/auth/1\0').update(token, 'utf8').digest();
}

function encodeContext(ctx: AuthContext): Buffer {
  const parts = [ctx.purpose, ctx.run, ctx.initiator, ctx.responder].map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.writeUInt32BE(p.length, off);
    p.copy(out, off + 4);
    off += 4 + p.length;
  }
  return out;
}

/** The proof the side with `role` sends, over both nonces. */
export function proof(key: Buffer, role: Role, ctx: AuthContext, nonceInit: Uint8Array, nonceResp: Uint8Array): Uint8Array {
  const mac = createHmac('sha256', key).update(role).update(encodeContext(ctx)).update(nonceInit).update(nonceResp).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.byteLength);
}

/** Constant-time check of the other side's proof; false on any length mismatch or a nonce of the wrong size. */
export function verifyProof(
  key: Buffer,
  role: Role,
  ctx: AuthContext,
  nonceInit: Uint8Array,
  nonceResp: Uint8Array,
  given: Uint8Array,
): boolean {
  if (given.length !== PROOF_BYTES || nonceInit.length !== NONCE_BYTES || nonceResp.length !== NONCE_BYTES) return false;
  return timingSafeEqual(proof(key, role, ctx, nonceInit, nonceResp), given);
}

/** Per-connection frame key (32 bytes): HKDF-SHA256(ikm = K, salt = nonce_A ‖ nonce_B, info = ctx). */
export function linkKey(key: Buffer, ctx: AuthContext, nonceInit: Uint8Array, nonceResp: Uint8Array): Buffer {
  const salt = Buffer.concat([nonceInit, nonceResp]);
  return Buffer.from(hkdfSync('sha256', key, salt, Buffer.concat([Buffer.from('proxmesh/link/1'), encodeContext(ctx)]), 32));
}

/** Truncated HMAC (FRAME_MAC_BYTES) over one frame's bytes, keyed by `linkKey`. */
export function frameMac(link: Buffer, ...chunks: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', link);
  for (const c of chunks) h.update(c);
  const mac = h.digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, FRAME_MAC_BYTES);
}

export function verifyFrameMac(link: Buffer, given: Uint8Array, ...chunks: Uint8Array[]): boolean {
  if (given.length !== FRAME_MAC_BYTES) return false;
  return timingSafeEqual(frameMac(link, ...chunks), given);
}
