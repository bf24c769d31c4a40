/**
 * The per-frame MAC of one link key, with the key schedule done once (issue 11: per-frame CPU).
 *
 * The MAC is exactly challenge.ts' `frameMac`: HMAC-SHA256(K, header ‖ payload) truncated to
 * FRAME_MAC_BYTES; the bytes on the wire do not change. HMAC (RFC 2104) with a key of at most one
 * SHA-256 block (B = 64 bytes; link keys are 32) is
 *   HMAC(K, m) = H((K₀ ⊕ opad) ‖ H((K₀ ⊕ ipad) ‖ m)),   K₀ = K zero-padded to B bytes,
 * ipad = 0x36 repeated, opad = 0x5c repeated. `createHmac` redoes the key set-up and allocates a
 * native object per frame; here both padded keys are built at link set-up and sit at the head of two
 * scratch buffers, so a frame costs two one-shot hashes (`crypto.hash`, Node ≥ 20.12) over
 *   inner: (K₀ ⊕ ipad) ‖ header ‖ payload       (header and payload copied behind the padded key)
 *   outer: (K₀ ⊕ opad) ‖ inner digest (32 bytes)
 * and no object. Payloads above SCRATCH_PAYLOAD_BYTES (and a runtime without `crypto.hash`) take
 * `createHmac`, which streams them instead of copying: same bytes either way (test/auth/frame-mac.test.ts).
 *
 * Verification is constant-time (timingSafeEqual over the FRAME_MAC_BYTES), as before.
 */
import * as crypto from 'node:crypto';
import { FRAME_MAC_BYTES } from './challenge.ts';

/** SHA-256's block length B in bytes. */
const BLOCK = 64;
/** SHA-256's output length in bytes. */
const DIGEST = 32;
/** Payloads up to this length are copied into the scratch buffer; longer ones are streamed (createHmac). */
export const SCRATCH_PAYLOAD_BYTES = 64 * 1024;

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
/** `crypto.hash` (Node ≥ 20.12 / 21.7); undefined on older runtimes, which then use createHmac. */
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

export class FrameMac {
  /** (K₀ ⊕ ipad) ‖ room for a header and a payload of up to SCRATCH_PAYLOAD_BYTES. */
  private inner: Buffer;
  /** (K₀ ⊕ opad) ‖ room for the inner digest. */
  private readonly outer: Buffer;

  /** `key`: the link key (challenge.ts `linkKey`, 32 bytes; at most one block). */
  constructor(private readonly key: Buffer) {
    if (key.length > BLOCK) throw new RangeError(`FrameMac: a ${key.length}-byte key is longer than one SHA-256 block`);
    this.inner = Buffer.alloc(BLOCK + 128);
    this.outer = Buffer.alloc(BLOCK + DIGEST);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i] : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /** The full 32-byte HMAC over header ‖ payload (a view into a reused buffer: read it before the next call). */
  private digest(header: Uint8Array, payload: Uint8Array): Uint8Array {
    const n = header.length + payload.length;
    if (oneShot === undefined || payload.length > SCRATCH_PAYLOAD_BYTES) {
      const mac = crypto.createHmac('sha256', this.key).update(header).update(payload).digest();
      return mac;
    }
    if (this.inner.length < BLOCK + n) {
      const grown = Buffer.alloc(BLOCK + Math.max(n, 2 * (this.inner.length - BLOCK)));
      this.inner.copy(grown, 0, 0, BLOCK);
      this.inner = grown;
    }
    this.inner.set(header, BLOCK);
    this.inner.set(payload, BLOCK + header.length);
    const innerDigest = oneShot('sha256', this.inner.subarray(0, BLOCK + n), 'buffer');
    this.outer.set(innerDigest, BLOCK);
    return oneShot('sha256', this.outer, 'buffer');
  }

  /** Writes the truncated MAC of header ‖ payload into out[offset, offset + FRAME_MAC_BYTES). */
  writeMac(header: Uint8Array, payload: Uint8Array, out: Uint8Array, offset: number): void {
    out.set(this.digest(header, payload).subarray(0, FRAME_MAC_BYTES), offset);
  }

  /** Constant-time check of a received MAC; false on a wrong length. */
  verify(given: Uint8Array, header: Uint8Array, payload: Uint8Array): boolean {
    if (given.length !== FRAME_MAC_BYTES) return false;
    return crypto.timingSafeEqual(this.digest(header, payload).subarray(0, FRAME_MAC_BYTES), given);
  }
}
