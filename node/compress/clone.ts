/** Deep copies of messages (typed arrays copied), for holders that must not alias a sender's arrays. */
import type { Message, MessageValues } from './types.ts';

export function cloneValues(v: MessageValues): MessageValues {
  switch (v.kind) {
    case 'float':
      return { kind: 'float', precision: v.precision, data: v.data.slice() };
    case 'levels':
      return { kind: 'levels', s: v.s, scalePrecision: v.scalePrecision, blockStarts: v.blockStarts.slice(), scales: v.scales.slice(), levels: v.levels.slice() };
    case 'pow2':
      return { kind: 'pow2', emin: v.emin, codes: v.codes.slice() };
    case 'lowrank':
      return { kind: 'lowrank', precision: v.precision, segments: v.segments.slice(), data: v.data.slice() };
  }
}

export function cloneMessage(m: Message): Message {
  return { dim: m.dim, indices: m.indices === null ? null : m.indices.slice(), values: cloneValues(m.values) };
}
