/**
 * FrameMac (the link key's precomputed HMAC state) gives exactly challenge.ts' frameMac bytes, for
 * every header and payload length across the scratch threshold, and refuses what frameMac refuses.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FRAME_MAC_BYTES, frameMac } from '../../node/auth/challenge.ts';
import { FrameMac, SCRATCH_PAYLOAD_BYTES } from '../../node/auth/frame-mac.ts';
import { Rng } from '../../node/linalg/rng.ts';

const macOf = (m: FrameMac, header: Uint8Array, payload: Uint8Array) => {
  const out = new Uint8Array(FRAME_MAC_BYTES + 3);
  m.writeMac(header, payload, out, 3);
  return out.subarray(3);
};

describe('FrameMac', () => {
  it('equals HMAC-SHA256 truncated (frameMac) for payloads from 0 bytes to past the scratch size', () => {
    const rng = Rng.fromSeed(11);
    const key = randomBytes(32);
    const m = new FrameMac(key);
    const lengths = [
      0,
      1,
      27,
      28,
      35,
      36,
      63,
      64,
      65,
      100,
      127,
      128,
      129,
      1000,
      4096,
      SCRATCH_PAYLOAD_BYTES - 28,
      SCRATCH_PAYLOAD_BYTES,
      SCRATCH_PAYLOAD_BYTES + 1,
      200_000,
    ];
    for (const n of lengths) {
      const header = randomBytes(28);
      const payload = Uint8Array.from({ length: n }, () => rng.nextU32() & 0xff);
      const want = frameMac(key, header, payload);
      expect(Buffer.from(macOf(m, header, payload)).toString('hex'), `payload of ${n} bytes`).toBe(Buffer.from(want).toString('hex'));
      // and the full HMAC from node:crypto, independently of frameMac
      const full = createHmac('sha256', key).update(header).update(payload).digest().subarray(0, FRAME_MAC_BYTES);
      expect(Buffer.from(macOf(m, header, payload)).equals(full)).toBe(true);
      expect(m.verify(want, header, payload)).toBe(true);
    }
  });

  it('the scratch grows and is reused without leaking one frame into the next', () => {
    const key = randomBytes(32);
    const m = new FrameMac(key);
    const header = randomBytes(28);
    const big = randomBytes(5000);
    const small = randomBytes(10);
    expect(Buffer.from(macOf(m, header, big)).equals(Buffer.from(frameMac(key, header, big)))).toBe(true);
    expect(Buffer.from(macOf(m, header, small)).equals(Buffer.from(frameMac(key, header, small)))).toBe(true);
    expect(Buffer.from(macOf(m, header, big)).equals(Buffer.from(frameMac(key, header, big)))).toBe(true);
  });

  it('rejects a flipped bit anywhere, another key, and a MAC of the wrong length', () => {
    const key = randomBytes(32);
    const m = new FrameMac(key);
    const header = randomBytes(28);
    const payload = randomBytes(77);
    const mac = frameMac(key, header, payload);
    for (let i = 0; i < header.length; i++) {
      const h2 = Buffer.from(header);
      h2[i] ^= 1;
      expect(m.verify(mac, h2, payload)).toBe(false);
    }
    for (let i = 0; i < payload.length; i += 7) {
      const p2 = Buffer.from(payload);
      p2[i] ^= 0x80;
      expect(m.verify(mac, header, p2)).toBe(false);
    }
    for (let i = 0; i < FRAME_MAC_BYTES; i++) {
      const m2 = Uint8Array.from(mac);
      m2[i] ^= 1;
      expect(m.verify(m2, header, payload)).toBe(false);
    }
    expect(new FrameMac(randomBytes(32)).verify(mac, header, payload)).toBe(false);
    expect(m.verify(mac.subarray(0, FRAME_MAC_BYTES - 1), header, payload)).toBe(false);
    expect(m.verify(new Uint8Array(32), header, payload)).toBe(false);
  });

  it('refuses a key longer than one SHA-256 block (HMAC would hash it first)', () => {
    expect(() => new FrameMac(randomBytes(65))).toThrow(RangeError);
    const key64 = randomBytes(64);
    const header = randomBytes(28);
    const payload = randomBytes(9);
    expect(Buffer.from(macOf(new FrameMac(key64), header, payload)).equals(Buffer.from(frameMac(key64, header, payload)))).toBe(true);
  });
});
