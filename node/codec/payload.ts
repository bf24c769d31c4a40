/**
 * Payload codec: the bytes of one compressed Message (DESIGN.md §4). Never lossy: the compressor
 * already rounded every value to its declared precision, so decode(encode(m)) reproduces m's
 * decoded vector bit for bit.
 *
 * Layout (all multi-byte numbers little-endian, varints = canonical unsigned LEB128):
 *   tag   u8   bit0 sparse · bit1 levels · bit2 bitmap indices · bits3–4 precision (0 f64, 1 f32,
 *              2 f16; of the values, or of the scales for levels) · bit5 blockStarts carries the
 *              end sentinel k (levels only) · bits6–7 extended value form: 0 none (float or
 *              levels, per bit1), 1 powers of two, 2 low-rank factors (payload-ext.ts; bit1 = 0)
 *   dim   varint
 *   sparse only:  k varint, then the index section, either
 *       delta:  k varints: indices[0], then gaps indices[j] − indices[j−1] ≥ 1 (0 = not ascending)
 *       bitmap: ceil(dim/8) bytes, coordinate i ↔ bit (i mod 8) of byte ⌊i/8⌋, unused high bits 0
 *     whichever is SMALLER; on a tie the bitmap wins (fixed size, no data-dependent branches on
 *     decode). Dense: k = dim and no index section.
 *   float values:  k values of the precision (8, 4 or 2 bytes each; f16 = IEEE binary16)
 *   level values:  s varint (1 ≤ s ≤ 2^23 − 1), B varint (blocks ≥ 1), B − 1 varints of block
 *     lengths blockStarts[b] − blockStarts[b−1] for b = 1..B−1 (blockStarts[0] = 0 implied),
 *     B scales in the scale precision, then the k levels bit-packed LSB-first in
 *     β = ceil(log2(2s+1)) bits each as level + s ∈ [0, 2s]; unused bits of the last byte are 0.
 */
import type { FloatPrecision, Message, MessageValues } from '../compress/types.ts';
import type { PayloadCodec } from './types.ts';
import { ProxmeshError } from '../errors.ts';
import { toHalfBits, fromHalfBits } from './float16.ts';
import { ByteReader } from './reader.ts';
import { varintLength, writeVarint } from './varint.ts';
import {
  FORM_LOWRANK,
  FORM_POW2,
  TAG_FORM_SHIFT,
  checkExtValues,
  extTag,
  extValuesBytes,
  isExtValues,
  readLowRank,
  readPow2,
  writeExtValues,
} from './payload-ext.ts';

export const TAG_SPARSE = 0x01;
export const TAG_LEVELS = 0x02;
export const TAG_BITMAP = 0x04;
export const TAG_PRECISION_SHIFT = 3;
export const TAG_END_SENTINEL = 0x20;
const TAG_KNOWN = 0xff;

/** Largest level bound s: keeps β ≤ 24 so bit packing stays in 32-bit integer arithmetic. */
export const MAX_LEVEL_S = (1 << 23) - 1;
/** Largest dimension the wire format accepts (typed-array length limit, and varint range). */
export const MAX_DIM = 2 ** 31 - 1;

const PRECISIONS: readonly FloatPrecision[] = ['f64', 'f32', 'f16'];

export function precisionBytes(p: FloatPrecision): number {
  return p === 'f64' ? 8 : p === 'f32' ? 4 : 2;
}

/** β = ceil(log2(2s+1)) = bit length of 2s (2s+1 is odd, hence never a power of two for s ≥ 1). */
export function levelBits(s: number): number {
  return 32 - Math.clz32(2 * s);
}

function internal(msg: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_INTERNAL', `encodePayload: ${msg}`);
}

/** Bytes of the delta-varint index section, or Infinity as soon as it exceeds `cap`. */
function deltaBytes(indices: Uint32Array, cap: number): number {
  let n = 0;
  let prev = 0;
  for (let j = 0; j < indices.length; j++) {
    const v = indices[j];
    n += varintLength(j === 0 ? v : v - prev);
    if (n > cap) return Infinity;
    prev = v;
  }
  return n;
}

/** True when the bitmap index section is chosen (smaller, or equal: ties → bitmap). */
function useBitmap(indices: Uint32Array, dim: number): boolean {
  const bitmap = Math.ceil(dim / 8);
  return bitmap <= deltaBytes(indices, bitmap);
}

function indexSectionBytes(indices: Uint32Array, dim: number): number {
  const bitmap = Math.ceil(dim / 8);
  return Math.min(bitmap, deltaBytes(indices, bitmap));
}

function carried(m: Message): number {
  return m.indices === null ? m.dim : m.indices.length;
}

function valuesBytes(v: MessageValues, k: number): number {
  if (v.kind === 'float') return k * precisionBytes(v.precision);
  if (isExtValues(v)) return extValuesBytes(v, k);
  const B = v.scales.length;
  let n = varintLength(v.s) + varintLength(B);
  for (let b = 1; b < B; b++) n += varintLength(v.blockStarts[b] - v.blockStarts[b - 1]);
  n += B * precisionBytes(v.scalePrecision);
  return n + Math.ceil((k * levelBits(v.s)) / 8);
}

/** Exact length of encodePayload(m), computed without encoding or allocating. */
export function payloadByteLength(m: Message): number {
  const k = carried(m);
  let n = 1 + varintLength(m.dim);
  if (m.indices !== null) n += varintLength(k) + indexSectionBytes(m.indices, m.dim);
  return n + valuesBytes(m.values, k);
}

function roundTo(p: FloatPrecision, v: number): number {
  return p === 'f64' ? v : p === 'f32' ? Math.fround(v) : fromHalfBits(toHalfBits(v));
}

function checkExact(p: FloatPrecision, data: Float64Array, what: string): void {
  if (p === 'f64') return;
  for (let j = 0; j < data.length; j++) {
    const v = data[j];
    if (!Object.is(roundTo(p, v), v) && !Number.isNaN(v)) throw internal(`${what}[${j}] = ${v} is not exactly representable in ${p}`);
  }
}

/** Checks the invariants of a Message built by a compressor (a failure is a bug, not user input). */
function checkMessage(m: Message): void {
  const { dim, indices, values } = m;
  if (!Number.isInteger(dim) || dim < 0 || dim > MAX_DIM) throw internal(`dim ${dim} out of range`);
  if (indices !== null) {
    for (let j = 0; j < indices.length; j++) {
      if (indices[j] >= dim) throw internal(`index ${indices[j]} ≥ dim ${dim}`);
      if (j > 0 && indices[j] <= indices[j - 1]) throw internal(`indices not strictly ascending at ${j}`);
    }
  }
  const k = carried(m);
  if (isExtValues(values)) return checkExtValues(values, k);
  if (values.kind === 'float') {
    if (values.data.length !== k) throw internal(`${values.data.length} values for ${k} carried coordinates`);
    checkExact(values.precision, values.data, 'values');
    return;
  }
  const { s, blockStarts, scales, levels } = values;
  if (!Number.isInteger(s) || s < 1 || s > MAX_LEVEL_S) throw internal(`level bound s = ${s} out of [1, ${MAX_LEVEL_S}]`);
  if (levels.length !== k) throw internal(`${levels.length} levels for ${k} carried coordinates`);
  const B = scales.length;
  if (B < 1) throw internal('levels need at least one block');
  if (blockStarts.length !== B && blockStarts.length !== B + 1) throw internal(`${blockStarts.length} block starts for ${B} scales`);
  if (blockStarts[0] !== 0) throw internal('blockStarts[0] must be 0');
  for (let b = 1; b < blockStarts.length; b++) {
    if (blockStarts[b] < blockStarts[b - 1] || blockStarts[b] > k) throw internal(`blockStarts[${b}] = ${blockStarts[b]} out of order`);
  }
  if (blockStarts.length === B + 1 && blockStarts[B] !== k) throw internal(`end sentinel blockStarts[${B}] must equal ${k}`);
  checkExact(values.scalePrecision, scales, 'scales');
  for (let j = 0; j < k; j++) if (!(levels[j] >= -s && levels[j] <= s)) throw internal(`level ${levels[j]} outside [−${s}, ${s}]`);
}

function writeFloats(out: Uint8Array, view: DataView, pos: number, p: FloatPrecision, data: Float64Array): number {
  if (p === 'f64') {
    for (let j = 0; j < data.length; j++, pos += 8) view.setFloat64(pos, data[j], true);
  } else if (p === 'f32') {
    for (let j = 0; j < data.length; j++, pos += 4) view.setFloat32(pos, data[j], true);
  } else {
    for (let j = 0; j < data.length; j++) {
      const h = toHalfBits(data[j]);
      out[pos++] = h & 0xff;
      out[pos++] = h >>> 8;
    }
  }
  return pos;
}

/** Encodes m into out[offset …] (room for payloadByteLength(m) bytes) and returns the end offset. */
export function encodePayloadInto(m: Message, out: Uint8Array, offset: number): number {
  checkMessage(m);
  const { dim, indices, values } = m;
  const k = carried(m);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const bitmap = indices !== null && useBitmap(indices, dim);
  let tag = isExtValues(values)
    ? extTag(values, (p) => PRECISIONS.indexOf(p), TAG_PRECISION_SHIFT)
    : PRECISIONS.indexOf(values.kind === 'float' ? values.precision : values.scalePrecision) << TAG_PRECISION_SHIFT;
  if (indices !== null) tag |= TAG_SPARSE;
  if (bitmap) tag |= TAG_BITMAP;
  if (values.kind === 'levels') {
    tag |= TAG_LEVELS;
    if (values.blockStarts.length === values.scales.length + 1) tag |= TAG_END_SENTINEL;
  }
  let pos = offset;
  out[pos++] = tag;
  pos = writeVarint(out, pos, dim);
  if (indices !== null) {
    pos = writeVarint(out, pos, k);
    if (bitmap) {
      const nb = Math.ceil(dim / 8);
      out.fill(0, pos, pos + nb);
      for (let j = 0; j < k; j++) out[pos + (indices[j] >>> 3)] |= 1 << (indices[j] & 7);
      pos += nb;
    } else {
      let prev = 0;
      for (let j = 0; j < k; j++) {
        pos = writeVarint(out, pos, j === 0 ? indices[j] : indices[j] - prev);
        prev = indices[j];
      }
    }
  }
  if (values.kind === 'float') return writeFloats(out, view, pos, values.precision, values.data);
  if (isExtValues(values)) return writeExtValues(out, pos, values);

  const { s, blockStarts, scales, levels } = values;
  const B = scales.length;
  pos = writeVarint(out, pos, s);
  pos = writeVarint(out, pos, B);
  for (let b = 1; b < B; b++) pos = writeVarint(out, pos, blockStarts[b] - blockStarts[b - 1]);
  pos = writeFloats(out, view, pos, values.scalePrecision, scales);
  const beta = levelBits(s);
  let acc = 0; // pending bits, LSB first; < 2^31 because β ≤ 24 and fewer than 8 bits are pending
  let nbits = 0;
  for (let j = 0; j < k; j++) {
    acc = (acc | ((levels[j] + s) << nbits)) >>> 0;
    nbits += beta;
    while (nbits >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      nbits -= 8;
    }
  }
  if (nbits > 0) out[pos++] = acc;
  return pos;
}

export function encodePayload(m: Message): Uint8Array {
  const out = new Uint8Array(payloadByteLength(m));
  const end = encodePayloadInto(m, out, 0);
  if (end !== out.length) throw internal(`wrote ${end} bytes, payloadByteLength said ${out.length}`);
  return out;
}

function readFloats(r: ByteReader, p: FloatPrecision, n: number, out: Float64Array | null, field: string): void {
  r.need(n * precisionBytes(p), field);
  if (out === null) {
    r.pos += n * precisionBytes(p);
    return;
  }
  if (p === 'f64') for (let j = 0; j < n; j++) out[j] = r.f64();
  else if (p === 'f32') for (let j = 0; j < n; j++) out[j] = r.f32();
  else for (let j = 0; j < n; j++) out[j] = r.f16();
}

/**
 * Parses and validates a payload. With `build` it returns the Message; without it, it only
 * validates (no allocation proportional to the payload) and returns null — frames are checked this
 * way on receipt, so a malformed payload is rejected at the link and never reaches the algorithm.
 */
function parsePayload(bytes: Uint8Array, expectedDim: number | undefined, build: boolean): Message | null {
  const r = new ByteReader(bytes, 'payload');
  const tag = r.u8('tag');
  if ((tag & ~TAG_KNOWN) !== 0) throw r.malformed('tag', `0x${tag.toString(16)} has unknown bits`);
  const sparse = (tag & TAG_SPARSE) !== 0;
  const isLevels = (tag & TAG_LEVELS) !== 0;
  const bitmap = (tag & TAG_BITMAP) !== 0;
  const sentinel = (tag & TAG_END_SENTINEL) !== 0;
  const pIndex = (tag >>> TAG_PRECISION_SHIFT) & 3;
  if (pIndex === 3) throw r.malformed('tag', 'has unknown precision 3');
  if (bitmap && !sparse) throw r.malformed('tag', 'sets the bitmap bit on a dense payload');
  if (sentinel && !isLevels) throw r.malformed('tag', 'sets the block-end bit on float values');
  const form = tag >>> TAG_FORM_SHIFT;
  if (form === 3) throw r.malformed('tag', 'has unknown value form 3');
  if (form !== 0 && isLevels) throw r.malformed('tag', `sets the levels bit on value form ${form}`);
  if (form === FORM_POW2 && pIndex !== 0) throw r.malformed('tag', 'sets precision bits on power-of-two values');
  const precision = PRECISIONS[pIndex];

  const dim = r.varint('dim');
  if (dim > MAX_DIM) throw r.malformed('dim', `${dim} exceeds ${MAX_DIM}`);
  if (expectedDim !== undefined && dim !== expectedDim) throw r.malformed('dim', `is ${dim}, expected ${expectedDim}`);

  let indices: Uint32Array | null = null;
  let k = dim;
  if (sparse) {
    k = r.varint('k');
    if (k > dim) throw r.malformed('k', `${k} exceeds dim ${dim}`);
    if (bitmap) {
      const nb = Math.ceil(dim / 8);
      r.need(nb, 'index bitmap');
      if (build) indices = new Uint32Array(k);
      let count = 0;
      for (let byte = 0; byte < nb; byte++) {
        let bits = bytes[r.pos + byte];
        if (bits === 0) continue;
        if (byte === nb - 1 && (dim & 7) !== 0 && bits >>> (dim & 7) !== 0) throw r.malformed('index bitmap', 'sets bits beyond dim');
        while (bits !== 0) {
          const low = bits & -bits;
          if (count >= k) throw r.malformed('index bitmap', `has more than k = ${k} bits set`);
          if (indices !== null) indices[count] = byte * 8 + (31 - Math.clz32(low));
          count++;
          bits ^= low;
        }
      }
      if (count !== k) throw r.malformed('index bitmap', `has ${count} bits set, k = ${k}`);
      r.pos += nb;
    } else {
      // k varints of at least one byte each: refuse to allocate for a k the bytes cannot hold.
      r.need(k, 'delta indices');
      if (build) indices = new Uint32Array(k);
      let prev = -1;
      for (let j = 0; j < k; j++) {
        const g = r.varint('delta indices');
        if (j > 0 && g === 0) throw r.malformed('delta indices', `not strictly ascending at ${j}`);
        const idx = j === 0 ? g : prev + g;
        if (idx >= dim) throw r.malformed('delta indices', `index ${idx} ≥ dim ${dim}`);
        if (indices !== null) indices[j] = idx;
        prev = idx;
      }
    }
  }

  let values: MessageValues | null = null;
  if (form === FORM_POW2) values = readPow2(r, k, build);
  else if (form === FORM_LOWRANK) values = readLowRank(r, k, precision, build);
  else if (!isLevels) {
    r.need(k * precisionBytes(precision), 'values'); // before allocating k values
    const data = build ? new Float64Array(k) : null;
    readFloats(r, precision, k, data, 'values');
    if (data !== null) values = { kind: 'float', precision, data };
  } else {
    const s = r.varint('s');
    if (s < 1 || s > MAX_LEVEL_S) throw r.malformed('s', `${s} outside [1, ${MAX_LEVEL_S}]`);
    const B = r.varint('blocks');
    if (B < 1) throw r.malformed('blocks', 'must be ≥ 1');
    // B − 1 varints (≥ 1 byte each) and B scales follow: bound B by the bytes before allocating.
    r.need(B - 1 + B * precisionBytes(precision), 'blocks');
    const nStarts = sentinel ? B + 1 : B;
    const blockStarts = build ? new Int32Array(nStarts) : null;
    let start = 0;
    for (let b = 1; b < B; b++) {
      start += r.varint('block lengths');
      if (start > k) throw r.malformed('block lengths', `block ${b} starts at ${start} > k = ${k}`);
      if (blockStarts !== null) blockStarts[b] = start;
    }
    if (blockStarts !== null && sentinel) blockStarts[B] = k;
    const scales = build ? new Float64Array(B) : null;
    readFloats(r, precision, B, scales, 'scales');
    const beta = levelBits(s);
    const nb = Math.ceil((k * beta) / 8);
    r.need(nb, 'levels');
    const levels = build ? new Int32Array(k) : null;
    const mask = beta === 32 ? 0xffffffff : (1 << beta) - 1;
    let acc = 0;
    let nbits = 0;
    let pos = r.pos;
    for (let j = 0; j < k; j++) {
      while (nbits < beta) {
        acc = (acc | (bytes[pos++] << nbits)) >>> 0;
        nbits += 8;
      }
      const u = acc & mask;
      if (u > 2 * s) throw r.malformed('levels', `level ${u - s} at ${j} outside [−${s}, ${s}]`);
      if (levels !== null) levels[j] = u - s;
      acc >>>= beta;
      nbits -= beta;
    }
    if (acc !== 0) throw r.malformed('levels', 'padding bits are not zero');
    r.pos += nb;
    if (build) values = { kind: 'levels', s, scalePrecision: precision, blockStarts: blockStarts!, scales: scales!, levels: levels! };
  }
  if (r.remaining !== 0) throw r.malformed('payload', `has ${r.remaining} trailing byte(s)`);
  return build ? { dim, indices, values: values! } : null;
}

/** Decodes and validates a payload; throws ProxmeshError PROXMESH_ERR_FRAME_* on any defect. */
export function decodePayload(bytes: Uint8Array, expectedDim: number): Message {
  return parsePayload(bytes, expectedDim, true)!;
}

/** Validates a payload without building the Message (same errors as decodePayload). */
export function validatePayload(bytes: Uint8Array, expectedDim?: number): void {
  parsePayload(bytes, expectedDim, false);
}

/** The codec as the PayloadCodec contract (stateless). */
export const payloadCodec: PayloadCodec = { payloadByteLength, encodePayload, decodePayload };
