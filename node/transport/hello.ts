/**
 * Peer authentication. A hello frame's payload is HMAC-SHA256(token, "proxmesh/1|run|from|to"):
 * it proves knowledge of the cluster token without sending it, binds the proof to the run and the
 * direction, and is compared in constant time (crypto.timingSafeEqual).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HELLO_PROOF_BYTES, PROTOCOL_VERSION } from '../codec/frame.ts';

export function helloProof(token: string, run: string, from: number, to: number): Uint8Array {
  const mac = createHmac('sha256', token).update(`proxmesh/${PROTOCOL_VERSION}|${run}|${from}|${to}`).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.byteLength);
}

export function verifyHello(token: string, run: string, from: number, to: number, proof: Uint8Array): boolean {
  if (proof.length !== HELLO_PROOF_BYTES) return false;
  return timingSafeEqual(helloProof(token, run, from, to), proof);
}
