import { describe, expect, it } from 'vitest';
import {
  FRAME_MAC_BYTES,
  NONCE_BYTES,
  PROOF_BYTES,
  type AuthContext,
  freshNonce,
  frameMac,
  linkKey,
  proof,
  tokenKey,
  verifyFrameMac,
  verifyProof,
} from '../../node/auth/challenge.ts';

const ctx: AuthContext = { purpose: 'peer', run: 'r1', initiator: '0', responder: '1' };
const key = tokenKey('secret');

describe('challenge–response', () => {
  it('accepts the honest exchange and derives the same link key on both sides', () => {
    const a = freshNonce();
    const b = freshNonce();
    expect(a.length).toBe(NONCE_BYTES);
    const pB = proof(key, 'resp', ctx, a, b);
    expect(pB.length).toBe(PROOF_BYTES);
    expect(verifyProof(key, 'resp', ctx, a, b, pB)).toBe(true);
    expect(verifyProof(key, 'init', ctx, a, b, proof(key, 'init', ctx, a, b))).toBe(true);
    expect(linkKey(key, ctx, a, b).equals(linkKey(tokenKey('secret'), { ...ctx }, a, b))).toBe(true);
  });

  it('rejects a replay (fresh nonce), a relay (other endpoints), a reflection (other role) and a wrong token', () => {
    const a = freshNonce();
    const b = freshNonce();
    const pA = proof(key, 'init', ctx, a, b);
    expect(verifyProof(key, 'init', ctx, a, freshNonce(), pA)).toBe(false);
    expect(verifyProof(key, 'init', { ...ctx, responder: '2' }, a, b, pA)).toBe(false);
    expect(verifyProof(key, 'init', { ...ctx, run: 'r2' }, a, b, pA)).toBe(false);
    expect(verifyProof(key, 'init', { ...ctx, purpose: 'control' }, a, b, pA)).toBe(false);
    expect(verifyProof(key, 'resp', ctx, a, b, pA)).toBe(false);
    expect(verifyProof(tokenKey('other'), 'init', ctx, a, b, pA)).toBe(false);
    expect(verifyProof(key, 'init', ctx, a, b, pA.subarray(1))).toBe(false);
    expect(verifyProof(key, 'init', ctx, a.subarray(1), b, pA)).toBe(false);
  });

  it('keeps context fields apart (length-prefixed: "1","23" ≠ "12","3")', () => {
    const a = freshNonce();
    const b = freshNonce();
    const p = proof(key, 'init', { ...ctx, initiator: '1', responder: '23' }, a, b);
    expect(verifyProof(key, 'init', { ...ctx, initiator: '12', responder: '3' }, a, b, p)).toBe(false);
  });

  it('frame MACs detect any flipped bit and differ per connection', () => {
    const a = freshNonce();
    const b = freshNonce();
    const link = linkKey(key, ctx, a, b);
    const body = new Uint8Array([1, 2, 3, 4, 5]);
    const mac = frameMac(link, body);
    expect(mac.length).toBe(FRAME_MAC_BYTES);
    expect(verifyFrameMac(link, mac, body)).toBe(true);
    for (let i = 0; i < body.length * 8; i++) {
      const flipped = body.slice();
      flipped[i >> 3] ^= 1 << (i & 7);
      expect(verifyFrameMac(link, mac, flipped)).toBe(false);
    }
    expect(verifyFrameMac(linkKey(key, ctx, a, freshNonce()), mac, body)).toBe(false);
  });
});
