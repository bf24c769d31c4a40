/**
 * The checkpoint file format, version 1 (docs/resume.md). Little-endian, one file per checkpoint:
 *
 *   header (128 bytes)
 *     0   8  magic "PXMCKPT\0"
 *     8   4  u32 format version (1)
 *    12   4  u32 header length (128)
 *    16   1  u8 kind: 1 simulator (all nodes), 2 one cluster node, 3 coordinator
 *    17   3  reserved (0)
 *    20   4  u32 first node id
 *    24   4  u32 node count (ids first … first + count − 1; 0 for the coordinator)
 *    28   4  reserved (0)
 *    32   8  f64 round: iterations completed (the run continues with step k = round)
 *    40   8  f64 body length in bytes
 *    48  32  SHA-256 of the config (config-hash.ts)
 *    80  32  SHA-256 of the body
 *   112  16  reserved (0)
 *   body: entries, each
 *     u16 name length L, L bytes UTF-8 name, u8 kind (1 f64, 2 i32, 3 u32, 4 bytes),
 *     u32 element count c, then c elements (8, 4, 4 or 1 bytes each).
 *
 * decodeCheckpoint refuses a wrong magic or version, a length that does not match the file
 * (truncated or extended) and a body whose SHA-256 differs, with PROXMESH_ERR_CHECKPOINT_CORRUPT.
 * The config hash is compared by the caller (store.ts), which knows the expected one.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { ProxmeshError } from '../errors.ts';
import type { EntryKind, StateEntry } from './state-registry.ts';

export const CHECKPOINT_MAGIC = 'PXMCKPT\0';
export const CHECKPOINT_VERSION = 1;
export const HEADER_BYTES = 128;

export type CheckpointKind = 'sim' | 'node' | 'coordinator';
const KIND_CODE: Record<CheckpointKind, number> = { sim: 1, node: 2, coordinator: 3 };
const ENTRY_CODE: Record<EntryKind, number> = { f64: 1, i32: 2, u32: 3, bytes: 4 };
const ENTRY_WIDTH: Record<EntryKind, number> = { f64: 8, i32: 4, u32: 4, bytes: 1 };

export interface CheckpointHeader {
  readonly kind: CheckpointKind;
  readonly firstNode: number;
  readonly nodeCount: number;
  /** Iterations completed when it was written. */
  readonly round: number;
  /** 64 hex digits. */
  readonly configHash: string;
}

export interface Checkpoint {
  readonly header: CheckpointHeader;
  readonly entries: ReadonlyMap<string, StateEntry>;
  /** Total file bytes. */
  readonly bytes: number;
}

// Raw typed-array bytes are written as they are in memory; the format is little-endian.
if (endianness() !== 'LE') throw new ProxmeshError('PROXMESH_ERR_INTERNAL', 'checkpoints need a little-endian host');

const utf8 = new TextEncoder();

/** Header + body as one buffer (the body entries are copied out of the live views now). */
export function encodeCheckpoint(header: CheckpointHeader, entries: readonly StateEntry[]): Buffer {
  return sealCheckpoint(encodeUnsealed(header, entries));
}

/**
 * encodeCheckpoint without the body's SHA-256 (bytes 80–112 are 0 until sealCheckpoint): the copy of
 * the live state, which must happen now, apart from the hash, which may happen later and elsewhere
 * (the checkpoint writer thread, store.ts).
 */
export function encodeUnsealed(header: CheckpointHeader, entries: readonly StateEntry[]): Buffer {
  const buf = Buffer.alloc(encodedLength(entries));
  encodeUnsealedInto(buf, header, entries);
  return buf;
}

/**
 * Small entries (an Rng's 6 doubles, a scalar) go through this off-heap scratch: V8 keeps typed
 * arrays of up to 64 bytes inside its heap, and reading `.buffer` of one moves it out, an
 * allocation per entry and per checkpoint.
 */
const SMALL = 64;
const scratch = new ArrayBuffer(SMALL);
const scratchBytes = new Uint8Array(scratch);
const scratchF64 = new Float64Array(scratch);
const scratchI32 = new Int32Array(scratch);
const scratchU32 = new Uint32Array(scratch);

/**
 * Byte views of the registered vectors, kept: capture hands over the same live arrays at every
 * checkpoint, and a view made afresh for each (then copied into shared memory) cost several times
 * the copy itself.
 */
const byteViews = new WeakMap<object, Uint8Array>();

function bytesOf(d: Exclude<StateEntry['data'], Uint8Array>): Uint8Array {
  let v = byteViews.get(d);
  if (v === undefined) {
    v = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    byteViews.set(d, v);
  }
  return v;
}

/** UTF-8 names, kept: a run encodes the same few hundred names at every checkpoint. */
const nameBytes = new Map<string, Uint8Array>();

function encodedName(name: string): Uint8Array {
  let b = nameBytes.get(name);
  if (b === undefined) {
    b = utf8.encode(name);
    if (b.length > 0xffff) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `checkpoint entry name too long: ${name}`);
    if (nameBytes.size >= 1 << 16) nameBytes.clear();
    nameBytes.set(name, b);
  }
  return b;
}

/** The file's length in bytes for these entries (header included). */
export function encodedLength(entries: readonly StateEntry[]): number {
  let len = HEADER_BYTES;
  for (const e of entries) len += 2 + encodedName(e.name).length + 1 + 4 + e.data.length * ENTRY_WIDTH[e.kind];
  return len;
}

/**
 * encodeUnsealed into target[0 … encodedLength(entries)) (a reused buffer: every byte of that range
 * is written, the reserved ones and the hash's as 0); returns the length.
 */
export function encodeUnsealedInto(target: Buffer, header: CheckpointHeader, entries: readonly StateEntry[]): number {
  const buf = target;
  buf.fill(0, 0, HEADER_BYTES);
  let at = HEADER_BYTES;
  for (const e of entries) {
    const name = encodedName(e.name);
    buf[at] = name.length & 0xff;
    buf[at + 1] = name.length >>> 8;
    buf.set(name, at + 2);
    at += 2 + name.length;
    buf[at] = ENTRY_CODE[e.kind];
    buf.writeUInt32LE(e.data.length, at + 1);
    at += 5;
    const d = e.data;
    const n = d.byteLength;
    if (d instanceof Uint8Array) buf.set(d, at);
    else if (n <= SMALL) {
      // A same-type set copies the bits (NaN payloads too) without touching d.buffer.
      (d instanceof Float64Array ? scratchF64 : d instanceof Int32Array ? scratchI32 : scratchU32).set(d as never);
      for (let i = 0; i < n; i++) buf[at + i] = scratchBytes[i];
    } else buf.set(bytesOf(d), at);
    at += n;
  }
  const bodyLen = at - HEADER_BYTES;
  buf.write(CHECKPOINT_MAGIC, 0, 'latin1');
  buf.writeUInt32LE(CHECKPOINT_VERSION, 8);
  buf.writeUInt32LE(HEADER_BYTES, 12);
  buf.writeUInt8(KIND_CODE[header.kind], 16);
  buf.writeUInt32LE(header.firstNode, 20);
  buf.writeUInt32LE(header.nodeCount, 24);
  buf.writeDoubleLE(header.round, 32);
  buf.writeDoubleLE(bodyLen, 40);
  buf.write(header.configHash, 48, 32, 'hex');
  return at;
}

/** Writes the body's SHA-256 into bytes 80–112 of an encodeUnsealed buffer (exactly the file's bytes); returns it. */
export function sealCheckpoint(buf: Buffer): Buffer {
  createHash('sha256').update(buf.subarray(HEADER_BYTES)).digest().copy(buf, 80);
  return buf;
}

function corrupt(file: string, why: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_CHECKPOINT_CORRUPT', `checkpoint ${file} is unusable: ${why}`, { file, reason: why });
}

/** Reads only the header (for listing); throws CORRUPT on a bad magic, version or length. */
export function decodeHeader(buf: Buffer, file: string): CheckpointHeader {
  if (buf.length < HEADER_BYTES) throw corrupt(file, `truncated header (${buf.length} of ${HEADER_BYTES} bytes)`);
  if (buf.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) throw corrupt(file, 'not a proxmesh checkpoint (bad magic)');
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) throw corrupt(file, `format version ${version}, this build reads version ${CHECKPOINT_VERSION}`);
  if (buf.readUInt32LE(12) !== HEADER_BYTES) throw corrupt(file, `header length ${buf.readUInt32LE(12)}, expected ${HEADER_BYTES}`);
  const kindCode = buf.readUInt8(16);
  const kind = (Object.keys(KIND_CODE) as CheckpointKind[]).find((k) => KIND_CODE[k] === kindCode);
  if (kind === undefined) throw corrupt(file, `unknown kind ${kindCode}`);
  const round = buf.readDoubleLE(32);
  if (!Number.isSafeInteger(round) || round < 0) throw corrupt(file, `bad round ${round}`);
  return { kind, firstNode: buf.readUInt32LE(20), nodeCount: buf.readUInt32LE(24), round, configHash: buf.toString('hex', 48, 80) };
}

/** Parses and verifies a whole checkpoint file (length and body SHA-256). */
export function decodeCheckpoint(buf: Buffer, file: string): Checkpoint {
  const header = decodeHeader(buf, file);
  const bodyLen = buf.readDoubleLE(40);
  if (buf.length - HEADER_BYTES !== bodyLen) {
    throw corrupt(
      file,
      `body is ${buf.length - HEADER_BYTES} bytes, header says ${bodyLen} (${buf.length - HEADER_BYTES < bodyLen ? 'truncated' : 'extended'})`,
    );
  }
  const body = buf.subarray(HEADER_BYTES);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(80, 112)))
    throw corrupt(file, 'body checksum (SHA-256) does not match');
  const entries = new Map<string, StateEntry>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  const need = (n: number) => {
    if (at + n > body.length) throw corrupt(file, `entry runs past the end of the body at byte ${at}`);
  };
  while (at < body.length) {
    need(2);
    const nameLen = body.readUInt16LE(at);
    at += 2;
    need(nameLen + 5);
    const name = decoder.decode(body.subarray(at, at + nameLen));
    at += nameLen;
    const code = body.readUInt8(at);
    const kind = (Object.keys(ENTRY_CODE) as EntryKind[]).find((k) => ENTRY_CODE[k] === code);
    if (kind === undefined) throw corrupt(file, `entry '${name}' has unknown kind ${code}`);
    const count = body.readUInt32LE(at + 1);
    at += 5;
    const bytes = count * ENTRY_WIDTH[kind];
    need(bytes);
    // Copy into a fresh, aligned buffer (the body offset need not be a multiple of 8).
    const raw = new Uint8Array(bytes);
    raw.set(body.subarray(at, at + bytes));
    at += bytes;
    const data =
      kind === 'f64'
        ? new Float64Array(raw.buffer)
        : kind === 'i32'
          ? new Int32Array(raw.buffer)
          : kind === 'u32'
            ? new Uint32Array(raw.buffer)
            : raw;
    if (entries.has(name)) throw corrupt(file, `entry '${name}' appears twice`);
    entries.set(name, { name, kind, data });
  }
  return { header, entries, bytes: buf.length };
}
