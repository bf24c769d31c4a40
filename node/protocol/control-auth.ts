/**
 * The control channel's token proof (issue 16): the cluster token never crosses the wire. The first
 * three messages on a /control WebSocket are node/auth/challenge.ts's challenge–response, with the
 * worker as initiator and the coordinator as responder, purpose 'control':
 *   1. worker → coordinator  { t: 'auth-hello', id, nonce }         id: the worker's self-chosen label
 *   2. coordinator → worker  { t: 'auth-challenge', nonce, proof }  proof_B (role 'resp')
 *   3. worker → coordinator  { t: 'auth-proof', proof }             proof_A (role 'init')
 * Both sides prove the token: a worker never registers with (nor takes a config from) a coordinator
 * that cannot prove it, and the coordinator accepts no other message before a valid proof_A.
 * Messages are msgpack maps like the rest of the control protocol.
 */
import { Packr } from 'msgpackr';
import { NONCE_BYTES, PROOF_BYTES, freshNonce, proof, tokenKey, verifyProof, type AuthContext } from '../auth/challenge.ts';
import { ProxmeshError } from '../errors.ts';

/** WebSocket close codes of a failed token proof (application range, RFC 6455 §7.4.2). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_AUTH_TIMEOUT = 4408;

/** The coordinator's identity in the proofs (the responder). */
export const COORDINATOR_ID = 'coordinator';
/** Longest worker label accepted. */
const MAX_ID = 128;

export interface AuthHello {
  readonly t: 'auth-hello';
  readonly id: string;
  readonly nonce: Uint8Array;
}
export interface AuthChallenge {
  readonly t: 'auth-challenge';
  readonly nonce: Uint8Array;
  readonly proof: Uint8Array;
}
export interface AuthProof {
  readonly t: 'auth-proof';
  readonly proof: Uint8Array;
}
export type AuthMsg = AuthHello | AuthChallenge | AuthProof;

export function controlContext(workerId: string): AuthContext {
  return { purpose: 'control', run: '', initiator: workerId, responder: COORDINATOR_ID };
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeAuth(msg: AuthMsg): Buffer {
  // A fresh buffer per message (msgpackr's shared output buffer must not outlive an await).
  return Buffer.from(packr.pack(msg));
}

function bytes(o: Record<string, unknown>, k: string, len: number): Uint8Array {
  const v = o[k];
  if (!(v instanceof Uint8Array) || v.length !== len)
    throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `control auth message '${String(o.t)}': field '${k}' must be ${len} bytes`);
  return new Uint8Array(v);
}

/** Decodes one auth message of the expected type; anything else is PROXMESH_ERR_FRAME_MALFORMED. */
export function decodeAuth<T extends AuthMsg['t']>(data: Uint8Array, expected: T): Extract<AuthMsg, { t: T }> {
  let o: unknown;
  try {
    o = packr.unpack(data);
  } catch {
    throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `expected control auth message '${expected}': not valid msgpack`);
  }
  if (typeof o !== 'object' || o === null || (o as { t?: unknown }).t !== expected) {
    throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', `expected control auth message '${expected}' before any other control message`);
  }
  const r = o as Record<string, unknown>;
  switch (expected) {
    case 'auth-hello': {
      const id = r.id;
      if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID)
        throw new ProxmeshError(
          'PROXMESH_ERR_FRAME_MALFORMED',
          `control auth message 'auth-hello': field 'id' must be a string of 1–${MAX_ID} chars`,
        );
      return { t: 'auth-hello', id, nonce: bytes(r, 'nonce', NONCE_BYTES) } as Extract<AuthMsg, { t: T }>;
    }
    case 'auth-challenge':
      return { t: 'auth-challenge', nonce: bytes(r, 'nonce', NONCE_BYTES), proof: bytes(r, 'proof', PROOF_BYTES) } as Extract<
        AuthMsg,
        { t: T }
      >;
    default:
      return { t: 'auth-proof', proof: bytes(r, 'proof', PROOF_BYTES) } as Extract<AuthMsg, { t: T }>;
  }
}

/** The worker's side, as a small state machine over the socket's messages. */
export class WorkerAuth {
  private readonly key: Buffer;
  private readonly ctx: AuthContext;
  private readonly nonce = freshNonce();

  constructor(
    token: string,
    readonly id: string,
  ) {
    this.key = tokenKey(token);
    this.ctx = controlContext(id);
  }

  hello(): Buffer {
    return encodeAuth({ t: 'auth-hello', id: this.id, nonce: this.nonce });
  }

  /** Checks the coordinator's proof; returns the worker's proof, or throws PROXMESH_ERR_UNAUTHORIZED. */
  answer(data: Uint8Array): Buffer {
    const c = decodeAuth(data, 'auth-challenge');
    if (!verifyProof(this.key, 'resp', this.ctx, this.nonce, c.nonce, c.proof)) {
      throw new ProxmeshError(
        'PROXMESH_ERR_UNAUTHORIZED',
        'the coordinator could not prove the cluster token: the worker and the coordinator have different tokens (PROXMESH_TOKEN)',
      );
    }
    return encodeAuth({ t: 'auth-proof', proof: proof(this.key, 'init', this.ctx, this.nonce, c.nonce) });
  }
}

/** The coordinator's side: hello → challenge, then proof → authenticated (true) or not (false). */
export class CoordinatorAuth {
  private readonly key: Buffer;
  private state: { ctx: AuthContext; nonceInit: Uint8Array; nonceResp: Uint8Array } | null = null;

  constructor(token: string) {
    this.key = tokenKey(token);
  }

  /** The worker's label, once its hello arrived. */
  get workerId(): string | null {
    return this.state?.ctx.initiator ?? null;
  }

  challenge(data: Uint8Array): Buffer {
    const h = decodeAuth(data, 'auth-hello');
    const ctx = controlContext(h.id);
    const nonceResp = freshNonce();
    this.state = { ctx, nonceInit: h.nonce, nonceResp };
    return encodeAuth({ t: 'auth-challenge', nonce: nonceResp, proof: proof(this.key, 'resp', ctx, h.nonce, nonceResp) });
  }

  verify(data: Uint8Array): boolean {
    if (this.state === null) throw new ProxmeshError('PROXMESH_ERR_FRAME_MALFORMED', "control auth: 'auth-proof' before 'auth-hello'");
    const p = decodeAuth(data, 'auth-proof');
    const { ctx, nonceInit, nonceResp } = this.state;
    return verifyProof(this.key, 'init', ctx, nonceInit, nonceResp, p.proof);
  }
}
