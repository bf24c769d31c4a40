/**
 * Receiver-side decoding of messages. Both functions evaluate a carried value exactly as the
 * compressors do when writing `decoded` (float: data[c]; levels: scales[b] * levels[c]), so
 *   decodeMessage(m)  ≡ the sender's decoded vector, bit for bit, and
 *   addScaledMessage(acc, w, m) ≡ acc[j] += w * decoded[j] over the carried j
 * (the neighbour aggregates s_i ← s_i + Σ_j w_ij q_j of paper-spec §3.2 then match the senders'
 * own reference copies exactly, §9.6).
 */
import { ProxmeshError } from '../errors.ts';
import type { Message } from './types.ts';

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
    if (v.data.length !== nnz) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${who}: ${v.data.length} values for ${nnz} carried coordinates`);
  } else {
    const nb = v.scales.length;
    if (v.levels.length !== nnz || v.blockStarts.length !== nb + 1 || v.blockStarts[0] !== 0 || v.blockStarts[nb] !== nnz) {
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${who}: level message with ${v.levels.length} levels, ${nb} scales, blockStarts ${v.blockStarts.length} for ${nnz} carried coordinates`);
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
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `validateMessage: index ${idx[c]} at position ${c} is out of range or not strictly ascending (dim ${m.dim})`);
      }
    }
  }
  const v = m.values;
  if (v.kind === 'levels') {
    for (let b = 0; b + 1 < v.blockStarts.length; b++) {
      if (v.blockStarts[b + 1] < v.blockStarts[b]) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `validateMessage: blockStarts decrease at block ${b}`);
    }
    for (let c = 0; c < v.levels.length; c++) {
      if (Math.abs(v.levels[c]) > v.s) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `validateMessage: level ${v.levels[c]} at ${c} exceeds s = ${v.s}`);
    }
  }
}

/** out ← dense decoding of m (zeros outside the carried coordinates). Returns out. */
export function decodeMessage(m: Message, out: Float64Array): Float64Array {
  checkLengths(m, out.length, 'decodeMessage');
  const idx = m.indices;
  if (idx !== null) out.fill(0);
  const v = m.values;
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
