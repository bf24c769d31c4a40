/**
 * Compressors: time and bytes per call of compress(x, decoded) on one layer of d = 10²…10⁶ f64
 * coordinates (x ~ N(0, 1)). Bytes come from the codec (payloadByteLength, the exact encoded length)
 * and from the information bound (codec/information-bound.ts); overhead = payload / bound.
 * MB/s counts the f64 input, 8·d bytes per call.
 *   node --import tsx bench/run.ts compressors
 */
import { payloadByteLength } from '../node/codec/payload.ts';
import { informationBoundBits } from '../node/codec/information-bound.ts';
import { compressorFactory } from '../node/compress/registry.ts';
import type { CompressorSpecInput } from '../node/compress/spec.ts';
import type { Message } from '../node/compress/types.ts';
import { Rng } from '../node/linalg/rng.ts';
import type { LayerMap } from '../node/linalg/layers.ts';
import { type BenchOptions, type BenchReport, type TimingOptions, fixed, int, ratio, sig, sinkCheck, time } from './harness.ts';

export const COMPRESSOR_CASES: readonly { readonly label: string; readonly spec: CompressorSpecInput }[] = [
  { label: 'identity', spec: { kind: 'identity' } },
  { label: 'topk 1%', spec: { kind: 'topk', ratio: 0.01 } },
  { label: 'topk 10%', spec: { kind: 'topk', ratio: 0.1 } },
  { label: 'topk 30%', spec: { kind: 'topk', ratio: 0.3 } },
  { label: 'randk 10%', spec: { kind: 'randk', ratio: 0.1 } },
  { label: 'qsgd s=15', spec: { kind: 'qsgd', levels: 15 } },
  { label: 'sign', spec: { kind: 'sign' } },
  { label: 'ef(topk 10%)', spec: { kind: 'ef', inner: { kind: 'topk', ratio: 0.1 } } },
];

export function singleLayer(d: number): LayerMap {
  return [{ name: 'weight', offset: 0, length: d, shape: [d] }];
}

export function normalVector(rng: Rng, d: number): Float64Array {
  const x = new Float64Array(d);
  for (let j = 0; j < d; j++) x[j] = rng.normal();
  return x;
}

export async function run(opts: BenchOptions): Promise<BenchReport> {
  // 40 configurations: shorter repetitions than the kernels so the table takes ~20 s.
  const t: TimingOptions = opts.quick ? { reps: 3, minMs: 10, warmMs: 10 } : { reps: 5, minMs: 50, warmMs: 60 };
  const dims = opts.quick ? [1e2, 1e4] : [1e2, 1e3, 1e4, 1e5, 1e6];
  const rows: Record<string, number | string | null>[] = [];
  for (const d of dims) {
    const x = normalVector(Rng.derive(42, -1, `bench-compressors-${d}`), d);
    const decoded = new Float64Array(d);
    for (const c of COMPRESSOR_CASES) {
      const q = compressorFactory(c.spec)(singleLayer(d), Rng.derive(42, 0, 'compress-x'));
      let last: Message | null = null;
      const tm = time(() => {
        last = q.compress(x, decoded);
        return decoded[d - 1];
      }, t);
      const m = last as unknown as Message;
      const payload = payloadByteLength(m);
      const bound = informationBoundBits(m) / 8;
      rows.push({
        compressor: c.label,
        d,
        us: tm.secPerCall * 1e6,
        mbps: (8 * d) / tm.secPerCall / 1e6,
        kept: m.indices === null ? d : m.indices.length,
        payload,
        bound,
        overhead: payload / bound,
        vsDense: payload / (8 * d),
        sink: sinkCheck(tm.sink),
      });
    }
  }
  return {
    name: 'compressors',
    tables: [
      {
        title: `Compressors, one layer of d f64 coordinates (median of ${t.reps} reps ≥ ${t.minMs} ms)`,
        columns: [
          { key: 'compressor', label: 'compressor' },
          { key: 'd', label: 'd', fmt: int },
          { key: 'us', label: 'µs/call', fmt: sig },
          { key: 'mbps', label: 'MB/s in', fmt: fixed(0) },
          { key: 'kept', label: 'k', fmt: int },
          { key: 'payload', label: 'payload B', fmt: int },
          { key: 'bound', label: 'bound B', fmt: fixed(1) },
          { key: 'overhead', label: 'payload/bound', fmt: ratio },
          { key: 'vsDense', label: 'payload/8d', fmt: fixed(4) },
          { key: 'sink', label: 'sink' },
        ],
        rows,
        notes: [
          'bound = information bound (d·b dense; k·b + log2 C(d,k) sparse; k·log2(2s+1) + B·b_scale for levels); payload = codec bytes.',
          'payload/8d = compression factor against the raw f64 vector. MB/s in = 8·d bytes of input per second.',
        ],
      },
    ],
  };
}
