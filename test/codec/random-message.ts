/** Seeded random Messages of every form, for codec tests. Values are pre-rounded like a compressor's. */
import type { FloatPrecision, Message } from '../../node/compress/types.ts';
import type { Rng } from '../../node/linalg/rng.ts';
import { f16round } from '../../node/codec/float16.ts';

export const PRECISIONS: readonly FloatPrecision[] = ['f64', 'f32', 'f16'];

export function roundTo(p: FloatPrecision, v: number): number {
  return p === 'f64' ? v : p === 'f32' ? Math.fround(v) : f16round(v);
}

export interface RandomMessageOptions {
  sparse: boolean;
  levels: boolean;
  precision: FloatPrecision;
  maxDim?: number;
}

/** Random strictly ascending indices: k of dim, k random (sometimes dense enough to pick the bitmap). */
function randomIndices(rng: Rng, dim: number): Uint32Array {
  const density = [0.01, 0.1, 0.5, 0.95][rng.int(4)];
  const picked: number[] = [];
  for (let i = 0; i < dim; i++) if (rng.next() < density) picked.push(i);
  return Uint32Array.from(picked);
}

export function randomMessage(rng: Rng, o: RandomMessageOptions): Message {
  const dim = rng.int(o.maxDim ?? 400) + (o.sparse ? 0 : 1);
  const indices = o.sparse ? randomIndices(rng, dim) : null;
  const k = indices === null ? dim : indices.length;
  if (!o.levels) {
    const data = new Float64Array(k);
    for (let j = 0; j < k; j++) data[j] = roundTo(o.precision, rng.normal() * 10 ** (rng.int(9) - 4));
    return { dim, indices, values: { kind: 'float', precision: o.precision, data } };
  }
  const s = [1, 2, 3, 7, 16, 255, 1000][rng.int(7)];
  const B = 1 + rng.int(4);
  const cuts: number[] = [0];
  for (let b = 1; b < B; b++) cuts.push(rng.int(k + 1));
  cuts.sort((a, b) => a - b);
  const sentinel = rng.next() < 0.5;
  if (sentinel) cuts.push(k);
  const scales = new Float64Array(B);
  for (let b = 0; b < B; b++) scales[b] = roundTo(o.precision, Math.abs(rng.normal()));
  const levels = new Int32Array(k);
  for (let j = 0; j < k; j++) levels[j] = rng.int(2 * s + 1) - s;
  return { dim, indices, values: { kind: 'levels', s, scalePrecision: o.precision, blockStarts: Int32Array.from(cuts), scales, levels } };
}

/** Every form × precision, for loops in tests. */
export function allForms(): RandomMessageOptions[] {
  const out: RandomMessageOptions[] = [];
  for (const sparse of [false, true])
    for (const levels of [false, true]) for (const precision of PRECISIONS) out.push({ sparse, levels, precision });
  return out;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}
