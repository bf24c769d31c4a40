/**
 * Receiver-side decoding of messages. Both functions evaluate a carried value exactly as the
 * compressors do when writing `decoded` (float: data[c]; levels: scales[b] * levels[c]), so
 *   decodeMessage(m)  ≡ the sender's decoded vector, bit for bit, and
 *   addScaledMessage(acc, w, m) ≡ acc[j] += w * decoded[j] over the carried j
 * (the neighbour aggregates s_i ← s_i + Σ_j w_ij q_j of paper-spec §3.2 then match the senders'
 * own reference copies exactly, §9.6).
 */
import { ProxmeshError } from '../errors.ts';
import type { LowRankValues, Message, Pow2Values } from './types.ts';
import { E_MAX, E_MIN, pow2 } from './pow2.ts';

/** Number of carried coordinates. */
export function messageNnz(m: Message): number {
  return m.indices === null ? m.dim : m.indices.length;
}

function checkLengths(m: Message, outLength: number, who: string): void {
  const nnz = messageNnz(m);
  if (outLength !== m.dim) {
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${who}: output has length ${outLength}, message dim is ${m.dim}`);
  }
  const v = m.values;
  if (v.kind === 'float') {
    if (v.data.length !== nnz)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${who}: ${v.data.length} values for ${nnz} carried coordinates`);
  } else if (v.kind === 'pow2') {
    if (v.codes.length !== nnz)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${who}: ${v.codes.length} power-of-two codes for ${nnz} carried coordinates`);
  } else if (v.kind === 'lowrank') {
    const { coords, values } = lowRankSizes(v);
    if (coords !== nnz || values !== v.data.length) {
      throw new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        `${who}: low-rank segments cover ${coords} coordinates with ${values} values; message carries ${nnz} with ${v.data.length}`,
      );
    }
  } else {
    const nb = v.scales.length;
    if (v.levels.length !== nnz || v.blockStarts.length !== nb + 1 || v.blockStarts[0] !== 0 || v.blockStarts[nb] !== nnz) {
      throw new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        `${who}: level message with ${v.levels.length} levels, ${nb} scales, blockStarts ${v.blockStarts.length} for ${nnz} carried coordinates`,
      );
    }
  }
}

/**
 * Full structural check (O(nnz)): lengths, indices strictly ascending and < dim, block starts
 * non-decreasing, |levels| ≤ s. Throws PROXMESH_ERR_INTERNAL naming the first violation.
 */
export function validateMessage(m: Message): void {
  checkLengths(m, m.dim, 'validateMessage');
  const idx = m.indices;
  if (idx !== null) {
    for (let c = 0; c < idx.length; c++) {
      if (idx[c] >= m.dim || (c > 0 && idx[c] <= idx[c - 1])) {
        throw new ProxmeshError(
          'PROXMESH_ERR_INTERNAL',
          `validateMessage: index ${idx[c]} at position ${c} is out of range or not strictly ascending (dim ${m.dim})`,
        );
      }
    }
  }
  const v = m.values;
  if (v.kind === 'pow2') {
    for (let c = 0; c < v.codes.length; c++) {
      const a = Math.abs(v.codes[c]);
      if (a !== 0 && !(v.emin >= E_MIN && v.emin + a - 1 <= E_MAX))
        throw new ProxmeshError(
          'PROXMESH_ERR_INTERNAL',
          `validateMessage: power-of-two code ${v.codes[c]} at ${c} with emin ${v.emin} is outside 2^[${E_MIN}, ${E_MAX}]`,
        );
    }
  }
  if (v.kind === 'levels') {
    for (let b = 0; b + 1 < v.blockStarts.length; b++) {
      if (v.blockStarts[b + 1] < v.blockStarts[b])
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `validateMessage: blockStarts decrease at block ${b}`);
    }
    for (let c = 0; c < v.levels.length; c++) {
      if (Math.abs(v.levels[c]) > v.s)
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `validateMessage: level ${v.levels[c]} at ${c} exceeds s = ${v.s}`);
    }
  }
}

/** Coordinates covered and f64 values used by a low-rank message's segments. */
export function lowRankSizes(v: LowRankValues): { coords: number; values: number } {
  const seg = v.segments;
  let coords = 0,
    values = 0;
  for (let s = 0; s + 2 < seg.length; s += 3) {
    const rows = seg[s],
      cols = seg[s + 1],
      r = seg[s + 2];
    coords += rows * cols;
    values += r === 0 ? rows * cols : r * (rows + cols);
  }
  return { coords, values };
}

/** Carried value c of a power-of-two message: 0 or ±2^(emin + |code| − 1). */
function pow2Value(v: Pow2Values, c: number): number {
  const code = v.codes[c];
  if (code === 0) return 0;
  return code > 0 ? pow2(v.emin + code - 1) : -pow2(v.emin - code - 1);
}

/**
 * The carried values of a low-rank message, in carried order: raw segments copied, factored ones
 * expanded as M̂[i][j] = Σ_{t<r} P[i][t]·Q[j][t] (ascending t, so sender and receiver agree bit for bit).
 */
export function expandLowRank(v: LowRankValues, out: Float64Array): Float64Array {
  const seg = v.segments,
    data = v.data;
  let c = 0,
    at = 0;
  for (let s = 0; s + 2 < seg.length; s += 3) {
    const rows = seg[s],
      cols = seg[s + 1],
      r = seg[s + 2];
    if (r === 0) {
      for (let t = 0; t < rows * cols; t++) out[c + t] = data[at + t];
      at += rows * cols;
    } else {
      const q = at + rows * r; // Q starts after P
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let acc = 0;
          for (let t = 0; t < r; t++) acc += data[at + i * r + t] * data[q + j * r + t];
          out[c + i * cols + j] = acc;
        }
      }
      at = q + cols * r;
    }
    c += rows * cols;
  }
  return out;
}

/** out ← dense decoding of m (zeros outside the carried coordinates). Returns out. */
export function decodeMessage(m: Message, out: Float64Array): Float64Array {
  checkLengths(m, out.length, 'decodeMessage');
  const idx = m.indices;
  if (idx !== null) out.fill(0);
  const v = m.values;
  if (v.kind === 'pow2') {
    if (idx === null) for (let c = 0; c < v.codes.length; c++) out[c] = pow2Value(v, c);
    else for (let c = 0; c < idx.length; c++) out[idx[c]] = pow2Value(v, c);
    return out;
  }
  if (v.kind === 'lowrank') {
    if (idx === null) return expandLowRank(v, out);
    const carried = expandLowRank(v, new Float64Array(idx.length));
    for (let c = 0; c < idx.length; c++) out[idx[c]] = carried[c];
    return out;
  }
  if (v.kind === 'float') {
    const data = v.data;
    if (idx === null) out.set(data);
    else for (let c = 0; c < idx.length; c++) out[idx[c]] = data[c];
    return out;
  }
  const { blockStarts, scales, levels } = v;
  for (let b = 0; b < scales.length; b++) {
    const sc = scales[b];
    const end = blockStarts[b + 1];
    if (idx === null) for (let c = blockStarts[b]; c < end; c++) out[c] = sc * levels[c];
    else for (let c = blockStarts[b]; c < end; c++) out[idx[c]] = sc * levels[c];
  }
  return out;
}

/**
 * acc[j] += w · value_j over the carried coordinates only (ascending order; every j for dense
 * messages). Returns acc.
 */
export function addScaledMessage(acc: Float64Array, w: number, m: Message): Float64Array {
  checkLengths(m, acc.length, 'addScaledMessage');
  const idx = m.indices;
  const v = m.values;
  if (v.kind === 'pow2' || v.kind === 'lowrank') {
    // Same carried values as decodeMessage computes, then the same w·value product.
    const nnz = messageNnz(m);
    const carried = new Float64Array(nnz);
    if (v.kind === 'lowrank') expandLowRank(v, carried);
    else for (let c = 0; c < nnz; c++) carried[c] = pow2Value(v, c);
    if (idx === null) for (let j = 0; j < nnz; j++) acc[j] += w * carried[j];
    else for (let c = 0; c < idx.length; c++) acc[idx[c]] += w * carried[c];
    return acc;
  }
  if (v.kind === 'float') {
    const data = v.data;
    if (idx === null) for (let j = 0; j < data.length; j++) acc[j] += w * data[j];
    else for (let c = 0; c < idx.length; c++) acc[idx[c]] += w * data[c];
    return acc;
  }
  const { blockStarts, scales, levels } = v;
  for (let b = 0; b < scales.length; b++) {
    const sc = scales[b];
    const end = blockStarts[b + 1];
    if (idx === null) for (let c = blockStarts[b]; c < end; c++) acc[c] += w * (sc * levels[c]);
    else for (let c = blockStarts[b]; c < end; c++) acc[idx[c]] += w * (sc * levels[c]);
  }
  return acc;
}
