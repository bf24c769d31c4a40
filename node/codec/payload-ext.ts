/**
 * Value sections of the two extended payload forms, selected by tag bits 6–7 (see payload.ts):
 *
 *   form 1 — powers of two (natural compression): the tag's precision bits are 0; then
 *     emin − E_MIN  varint (0 … E_MAX − E_MIN)
 *     β             u8, bit length of the largest |code| (0 … 12); β = 0 means every code is 0
 *     k fields of β + 1 bits, LSB-first: |code| in the low β bits, the sign in bit β
 *       (β = 0: no fields). A zero code must have sign 0; unused bits of the last byte are 0.
 *     So one coordinate costs 1 sign bit + β exponent bits: Horváth et al.'s "sign + exponent",
 *     with the exponent sent relative to the message's smallest one.
 *
 *   form 2 — low-rank factors (PowerSGD): the tag's precision bits give the value precision; then
 *     S varint, S triples (rows ≥ 1, cols ≥ 1, rank 0 ≤ r ≤ min(rows, cols)) of varints, with
 *     Σ rows·cols = k; then Σ (r = 0 ? rows·cols : r·(rows + cols)) values in the precision.
 *
 * Every defect throws PROXMESH_ERR_FRAME_MALFORMED or _TRUNCATED through the ByteReader.
 */
import type { FloatPrecision, LowRankValues, Message, Pow2Values } from '../compress/types.ts';
import { E_MAX, E_MIN } from '../compress/pow2.ts';
import { ProxmeshError } from '../errors.ts';
import { toHalfBits, fromHalfBits } from './float16.ts';
import type { ByteReader } from './reader.ts';
import { varintLength, writeVarint } from './varint.ts';

export const TAG_FORM_SHIFT = 6;
export const FORM_POW2 = 1;
export const FORM_LOWRANK = 2;

/** Largest β: |code| ≤ E_MAX − E_MIN + 1 = 2099 < 2^12. */
const MAX_POW2_BITS = 12;

function internal(msg: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_INTERNAL', `encodePayload: ${msg}`);
}

function bytesOf(p: FloatPrecision): number {
  return p === 'f64' ? 8 : p === 'f32' ? 4 : 2;
}

function roundTo(p: FloatPrecision, v: number): number {
  return p === 'f64' ? v : p === 'f32' ? Math.fround(v) : fromHalfBits(toHalfBits(v));
}

/** β = bit length of max |code|. */
function pow2Bits(v: Pow2Values): number {
  let max = 0;
  for (let c = 0; c < v.codes.length; c++) max = Math.max(max, Math.abs(v.codes[c]));
  return 32 - Math.clz32(max);
}

/** Bytes of an extended value section for k carried coordinates. */
export function extValuesBytes(v: Pow2Values | LowRankValues, k: number): number {
  if (v.kind === 'pow2') {
    const beta = pow2Bits(v);
    return varintLength(v.emin - E_MIN) + 1 + (beta === 0 ? 0 : Math.ceil((k * (beta + 1)) / 8));
  }
  const seg = v.segments;
  let n = varintLength(seg.length / 3);
  for (let s = 0; s < seg.length; s++) n += varintLength(seg[s]);
  return n + v.data.length * bytesOf(v.precision);
}

/** Invariants of a compressor-built extended message (a failure is a bug, not user input). */
export function checkExtValues(v: Pow2Values | LowRankValues, k: number): void {
  if (v.kind === 'pow2') {
    if (v.codes.length !== k) throw internal(`${v.codes.length} power-of-two codes for ${k} carried coordinates`);
    if (!Number.isInteger(v.emin) || v.emin < E_MIN || v.emin > E_MAX) throw internal(`emin ${v.emin} outside [${E_MIN}, ${E_MAX}]`);
    for (let c = 0; c < k; c++) {
      const a = Math.abs(v.codes[c]);
      if (a !== 0 && v.emin + a - 1 > E_MAX) throw internal(`code ${v.codes[c]} at ${c}: exponent above ${E_MAX}`);
    }
    return;
  }
  const seg = v.segments;
  if (seg.length % 3 !== 0) throw internal(`low-rank segments length ${seg.length} is not a multiple of 3`);
  let coords = 0,
    values = 0;
  for (let s = 0; s < seg.length; s += 3) {
    const rows = seg[s],
      cols = seg[s + 1],
      r = seg[s + 2];
    if (rows < 1 || cols < 1 || r < 0 || r > Math.min(rows, cols))
      throw internal(`low-rank segment ${s / 3} (${rows}×${cols}, rank ${r}) is invalid`);
    coords += rows * cols;
    values += r === 0 ? rows * cols : r * (rows + cols);
  }
  if (coords !== k || values !== v.data.length)
    throw internal(`low-rank segments cover ${coords} coordinates with ${values} values, message has ${k} and ${v.data.length}`);
  if (v.precision !== 'f64') {
    for (let j = 0; j < values; j++) {
      if (!Object.is(roundTo(v.precision, v.data[j]), v.data[j]) && !Number.isNaN(v.data[j]))
        throw internal(`low-rank value ${j} = ${v.data[j]} is not exactly representable in ${v.precision}`);
    }
  }
}

/** The tag bits of an extended form (form and, for low-rank, the precision). */
export function extTag(v: Pow2Values | LowRankValues, precisionIndex: (p: FloatPrecision) => number, precisionShift: number): number {
  if (v.kind === 'pow2') return FORM_POW2 << TAG_FORM_SHIFT;
  return (FORM_LOWRANK << TAG_FORM_SHIFT) | (precisionIndex(v.precision) << precisionShift);
}

/** Writes the extended value section at out[pos] and returns the end position. */
export function writeExtValues(out: Uint8Array, pos: number, v: Pow2Values | LowRankValues): number {
  if (v.kind === 'pow2') {
    const beta = pow2Bits(v);
    pos = writeVarint(out, pos, v.emin - E_MIN);
    out[pos++] = beta;
    if (beta === 0) return pos;
    let acc = 0; // pending bits, < 2^21 (≤ 7 pending + 13 new)
    let nbits = 0;
    for (let c = 0; c < v.codes.length; c++) {
      const code = v.codes[c];
      const field = code < 0 ? -code | (1 << beta) : code;
      acc |= field << nbits;
      nbits += beta + 1;
      while (nbits >= 8) {
        out[pos++] = acc & 0xff;
        acc >>>= 8;
        nbits -= 8;
      }
    }
    if (nbits > 0) out[pos++] = acc;
    return pos;
  }
  const seg = v.segments;
  pos = writeVarint(out, pos, seg.length / 3);
  for (let s = 0; s < seg.length; s++) pos = writeVarint(out, pos, seg[s]);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const data = v.data;
  if (v.precision === 'f64') for (let j = 0; j < data.length; j++, pos += 8) view.setFloat64(pos, data[j], true);
  else if (v.precision === 'f32') for (let j = 0; j < data.length; j++, pos += 4) view.setFloat32(pos, data[j], true);
  else {
    for (let j = 0; j < data.length; j++) {
      const h = toHalfBits(data[j]);
      out[pos++] = h & 0xff;
      out[pos++] = h >>> 8;
    }
  }
  return pos;
}

/** Parses a form-1 section (k carried coordinates); returns the values when `build`. */
export function readPow2(r: ByteReader, k: number, build: boolean): Pow2Values | null {
  const eoff = r.varint('emin');
  if (eoff > E_MAX - E_MIN) throw r.malformed('emin', `offset ${eoff} exceeds ${E_MAX - E_MIN}`);
  const emin = eoff + E_MIN;
  const beta = r.u8('exponent bits');
  if (beta > MAX_POW2_BITS) throw r.malformed('exponent bits', `${beta} exceeds ${MAX_POW2_BITS}`);
  const codes = build ? new Int32Array(k) : null;
  if (beta === 0) return codes === null ? null : { kind: 'pow2', emin, codes };
  const width = beta + 1;
  const nb = Math.ceil((k * width) / 8);
  r.need(nb, 'power-of-two codes');
  const bytes = r.bytes;
  let pos = r.pos,
    acc = 0,
    nbits = 0,
    max = 0;
  const mask = (1 << beta) - 1;
  for (let c = 0; c < k; c++) {
    while (nbits < width) {
      acc |= bytes[pos++] << nbits;
      nbits += 8;
    }
    const a = acc & mask;
    const neg = (acc >>> beta) & 1;
    if (a === 0 && neg === 1) throw r.malformed('power-of-two codes', `code ${c} is a negative zero`);
    if (a !== 0 && emin + a - 1 > E_MAX) throw r.malformed('power-of-two codes', `code ${c} has exponent ${emin + a - 1} > ${E_MAX}`);
    if (a > max) max = a;
    if (codes !== null) codes[c] = neg === 1 ? -a : a;
    acc >>>= width;
    nbits -= width;
  }
  if (acc !== 0) throw r.malformed('power-of-two codes', 'padding bits are not zero');
  if (32 - Math.clz32(max) !== beta) throw r.malformed('exponent bits', `${beta} is not the bit length of the largest code ${max}`);
  r.pos += nb;
  return codes === null ? null : { kind: 'pow2', emin, codes };
}

/** Parses a form-2 section (k carried coordinates, values in `precision`). */
export function readLowRank(r: ByteReader, k: number, precision: FloatPrecision, build: boolean): LowRankValues | null {
  const S = r.varint('segments');
  r.need(3 * S, 'segments'); // 3 varints of ≥ 1 byte each, before allocating
  const segments = new Int32Array(3 * S);
  let coords = 0,
    values = 0;
  for (let s = 0; s < S; s++) {
    const rows = r.varint('segment rows'),
      cols = r.varint('segment cols'),
      rank = r.varint('segment rank');
    if (rows < 1 || cols < 1) throw r.malformed('segments', `segment ${s} is ${rows}×${cols} (rows and cols must be ≥ 1)`);
    if (rank > Math.min(rows, cols)) throw r.malformed('segments', `segment ${s} has rank ${rank} > min(${rows}, ${cols})`);
    coords += rows * cols;
    if (coords > k) throw r.malformed('segments', `cover more than the ${k} carried coordinates`);
    values += rank === 0 ? rows * cols : rank * (rows + cols);
    segments[3 * s] = rows;
    segments[3 * s + 1] = cols;
    segments[3 * s + 2] = rank;
  }
  if (coords !== k) throw r.malformed('segments', `cover ${coords} of the ${k} carried coordinates`);
  const w = bytesOf(precision);
  r.need(values * w, 'low-rank values');
  if (!build) {
    r.pos += values * w;
    return null;
  }
  const data = new Float64Array(values);
  if (precision === 'f64') for (let j = 0; j < values; j++) data[j] = r.f64();
  else if (precision === 'f32') for (let j = 0; j < values; j++) data[j] = r.f32();
  else for (let j = 0; j < values; j++) data[j] = r.f16();
  return { kind: 'lowrank', precision, segments, data };
}

/** True for the extended value kinds. */
export function isExtValues(v: Message['values']): v is Pow2Values | LowRankValues {
  return v.kind === 'pow2' || v.kind === 'lowrank';
}
