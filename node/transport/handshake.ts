/**
 * The peer handshake of one connection (DESIGN.md §8 "Trust"), over node/auth/challenge.ts:
 *   1. initiator (the lower id, who dialled) → responder: nonce_A
 *   2. responder → initiator: nonce_B, proof_B = HMAC(K, "resp" ‖ ctx ‖ nonce_A ‖ nonce_B)
 *   3. initiator → responder: proof_A = HMAC(K, "init" ‖ ctx ‖ nonce_A ‖ nonce_B)
 * with ctx = (purpose 'peer', run, initiator id, responder id). Both sides then hold the same
 * per-connection link key (HKDF over both nonces) that MACs every later frame.
 * - A replayed step 1 or 3 fails: the other side's nonce is fresh on every connection.
 * - A relayed hello fails: ctx names both endpoints, so a proof made for A→B does not verify as A→C.
 * - A reflected proof fails: the two directions use different role labels.
 * The token never crosses the wire; K = SHA-256("proxmesh/auth/1" ‖ token).
 */
import { freshNonce, linkKey, proof, tokenKey, verifyProof, type AuthContext } from '../auth/challenge.ts';
import { runTag, type HelloMessage } from '../codec/frame.ts';

export interface HandshakeIdentity {
  readonly token: string;
  readonly run: string;
  /** This node's id. */
  readonly self: number;
}

/** What one side of a connection remembers between handshake messages. */
export interface PendingHandshake {
  readonly initiator: number;
  readonly responder: number;
  readonly nonceInit: Uint8Array;
  /** Set once step 2 exists (sent by the responder, or received by the initiator). */
  nonceResp: Uint8Array | null;
}

/** Handshake logic for one node; stateless between connections apart from the derived key. */
export class PeerHandshake {
  private readonly key: Buffer;
  readonly runTag: Uint8Array;

  constructor(private readonly id: HandshakeIdentity) {
    this.key = tokenKey(id.token);
    this.runTag = runTag(id.run);
  }

  private ctx(p: PendingHandshake): AuthContext {
    return { purpose: 'peer', run: this.id.run, initiator: String(p.initiator), responder: String(p.responder) };
  }

  /** Step 1, on the dialling side. */
  start(peer: number): { pending: PendingHandshake; message: HelloMessage } {
    const pending: PendingHandshake = { initiator: this.id.self, responder: peer, nonceInit: freshNonce(), nonceResp: null };
    return { pending, message: { step: 1, run: this.runTag, from: this.id.self, to: peer, nonce: pending.nonceInit } };
  }

  /** Step 2, on the accepting side, answering a valid-looking step 1 from `m.from`. */
  respond(m: HelloMessage): { pending: PendingHandshake; message: HelloMessage } {
    const pending: PendingHandshake = { initiator: m.from, responder: this.id.self, nonceInit: m.nonce!, nonceResp: freshNonce() };
    const p = proof(this.key, 'resp', this.ctx(pending), pending.nonceInit, pending.nonceResp!);
    return { pending, message: { step: 2, run: this.runTag, from: this.id.self, to: m.from, nonce: pending.nonceResp!, proof: p } };
  }

  /** Step 3, on the dialling side: null when the responder's proof is wrong. */
  finish(pending: PendingHandshake, m: HelloMessage): { message: HelloMessage; linkKey: Buffer } | null {
    const nonceResp = m.nonce!;
    if (!verifyProof(this.key, 'resp', this.ctx(pending), pending.nonceInit, nonceResp, m.proof!)) return null;
    pending.nonceResp = nonceResp;
    const p = proof(this.key, 'init', this.ctx(pending), pending.nonceInit, nonceResp);
    return {
      message: { step: 3, run: this.runTag, from: this.id.self, to: pending.responder, proof: p },
      linkKey: this.linkKeyOf(pending),
    };
  }

  /** The responder's check of step 3: the link key, or null when the initiator's proof is wrong. */
  accept(pending: PendingHandshake, m: HelloMessage): Buffer | null {
    if (!verifyProof(this.key, 'init', this.ctx(pending), pending.nonceInit, pending.nonceResp!, m.proof!)) return null;
    return this.linkKeyOf(pending);
  }

  private linkKeyOf(p: PendingHandshake): Buffer {
    return linkKey(this.key, this.ctx(p), p.nonceInit, p.nonceResp!);
  }
}
