/**
 * Codec: bytes on the wire against the information bound, and encode/decode throughput.
 *   bound (top-k):  k·b + log2 C(d, k) bits (b = 64 value bits, f64);
 *   bound (QSGD):   d·log2(2s+1) + B·64 bits (dense levels, one f64 scale per block).
 * Envelope overhead = (frame − payload) / frame: the fixed 28-byte header and the 16-byte MAC.
 * The first table's frame/bound column is the acceptance figure for a top-1 % frame at d = 10⁴
 * (≤ 1.10×); test/codec/frame.test.ts pins the same frame's exact byte count. Throughput is MB/s of the bytes produced (encode) or read (decode):
 * payload bytes for encodePayload/decodePayload, frame bytes for FrameEncoder/FrameDecoder (frame
 * decode includes validating the payload, as a transport does).
 *   node --import tsx bench/run.ts codec
 */
import {
  decodeFrame,
  encodeFrame,
  FrameDecoder,
  FrameEncoder,
  maxFrameBytes,
  type DecodedFrame,
  type FrameHeader,
} from '../node/codec/frame.ts';
import { informationBoundBits } from '../node/codec/information-bound.ts';
import { decodePayload, encodePayload } from '../node/codec/payload.ts';
import { compressorFactory } from '../node/compress/registry.ts';
import type { CompressorSpecInput } from '../node/compress/spec.ts';
import { Rng } from '../node/linalg/rng.ts';
import { normalVector, singleLayer } from './compressors.bench.ts';
import {
  type BenchOptions,
  type BenchReport,
  type TimingOptions,
  fixed,
  int,
  pct,
  ratio,
  sig,
  sinkCheck,
  timeInterleaved,
} from './harness.ts';

const CASES: readonly { readonly label: string; readonly spec: CompressorSpecInput }[] = [
  { label: 'topk 1%', spec: { kind: 'topk', ratio: 0.01 } },
  { label: 'topk 10%', spec: { kind: 'topk', ratio: 0.1 } },
  { label: 'topk 30%', spec: { kind: 'topk', ratio: 0.3 } },
  { label: 'qsgd s=15', spec: { kind: 'qsgd', levels: 15 } },
];

/** A data-frame header of a mid-run round (its size does not depend on the values: the header is fixed). */
const ENV: FrameHeader = { kind: 'data', round: 1234, phase: 'x', from: 3, seq: 2469 };
/** A link key as the handshake derives one (32 bytes): frames are MAC'd as on a real link. */
const KEY = Buffer.alloc(32, 0x5a);
const payloadLength = (d: DecodedFrame) => (d.kind === 'hello' ? 0 : d.payload.length);

export async function run(opts: BenchOptions): Promise<BenchReport> {
  const t: TimingOptions = opts.quick ? { reps: 3, minMs: 10, warmMs: 10 } : { reps: 5, minMs: 40, warmMs: 40 };
  const dims = opts.quick ? [1e4] : [1e4, 1e5];
  const enc = new FrameEncoder();
  const dec = new FrameDecoder();
  const rows: Record<string, number | string | null>[] = [];
  for (const d of dims) {
    const x = normalVector(Rng.derive(42, -1, `bench-codec-${d}`), d);
    for (const c of CASES) {
      const m = compressorFactory(c.spec)(singleLayer(d), Rng.derive(42, 0, 'compress-x')).compress(x, new Float64Array(d));
      const payload = encodePayload(m);
      const frame = enc.encodeFrame(ENV, payload, KEY);
      const decodeOpts = { maxBytes: maxFrameBytes(d), expectedDim: d };
      const bound = informationBoundBits(m) / 8;
      const [pe, pd, fe, fd] = timeInterleaved(
        [
          () => {
            const b = encodePayload(m);
            return b[b.length - 1] + b.length;
          },
          () => decodePayload(payload, d).dim,
          () => enc.encodeFrame(ENV, payload, KEY).length,
          () => payloadLength(dec.decode(frame, decodeOpts)),
        ],
        t,
      );
      rows.push({
        payloadKind: c.label,
        d,
        k: m.indices === null ? d : m.indices.length,
        frame: frame.length,
        payload: payload.length,
        bound,
        payloadOverBound: payload.length / bound,
        frameOverBound: frame.length / bound,
        envelope: (frame.length - payload.length) / frame.length,
        payEnc: payload.length / pe.secPerCall / 1e6,
        payDec: payload.length / pd.secPerCall / 1e6,
        frameEnc: frame.length / fe.secPerCall / 1e6,
        frameDec: frame.length / fd.secPerCall / 1e6,
        sink: sinkCheck(pe.sink, pd.sink, fe.sink, fd.sink),
      });
    }
  }

  // One-shot helpers (a fresh Packr/Unpackr per call) against long-lived per-link instances, same run.
  const d0 = dims[0];
  const x0 = normalVector(Rng.derive(42, -1, `bench-codec-${d0}`), d0);
  const m0 = compressorFactory({ kind: 'topk', ratio: 0.1 })(singleLayer(d0), Rng.derive(42, 0, 'compress-x')).compress(
    x0,
    new Float64Array(d0),
  );
  const p0 = encodePayload(m0);
  const f0 = enc.encodeFrame(ENV, p0, KEY);
  const o0 = { maxBytes: maxFrameBytes(d0), expectedDim: d0 };
  const [oneEnc, instEnc, oneDec, instDec] = timeInterleaved(
    [
      () => encodeFrame(ENV, p0, KEY).length,
      () => enc.encodeFrame(ENV, p0, KEY).length,
      () => payloadLength(decodeFrame(f0, o0)),
      () => payloadLength(dec.decode(f0, o0)),
    ],
    t,
  );
  const shotRows = [
    {
      op: 'encode',
      oneShotUs: oneEnc.secPerCall * 1e6,
      instanceUs: instEnc.secPerCall * 1e6,
      ratio: oneEnc.secPerCall / instEnc.secPerCall,
      sink: sinkCheck(oneEnc.sink, instEnc.sink),
    },
    {
      op: 'decode (validates payload)',
      oneShotUs: oneDec.secPerCall * 1e6,
      instanceUs: instDec.secPerCall * 1e6,
      ratio: oneDec.secPerCall / instDec.secPerCall,
      sink: sinkCheck(oneDec.sink, instDec.sink),
    },
  ];

  // The acceptance figure of issue 11 item 6: a top-1 % frame at d = 10⁴, header and MAC included.
  const top1 = rows.find((r) => r.payloadKind === 'topk 1%' && r.d === 1e4);
  const target =
    top1 === undefined
      ? []
      : [
          `top-1 % frame at d = 10⁴: ${top1.frame} B = ${(top1.frameOverBound as number).toFixed(3)}× the information bound (target ≤ 1.10×; 28-byte header + 16-byte MAC).`,
        ];

  return {
    name: 'codec',
    tables: [
      {
        title: `Frames vs the information bound, and codec throughput (median of ${t.reps} interleaved reps ≥ ${t.minMs} ms)`,
        columns: [
          { key: 'payloadKind', label: 'payload' },
          { key: 'd', label: 'd', fmt: int },
          { key: 'k', label: 'k', fmt: int },
          { key: 'frame', label: 'frame B', fmt: int },
          { key: 'payload', label: 'payload B', fmt: int },
          { key: 'bound', label: 'bound B', fmt: fixed(1) },
          { key: 'payloadOverBound', label: 'payload/bound', fmt: ratio },
          { key: 'frameOverBound', label: 'frame/bound', fmt: ratio },
          { key: 'envelope', label: 'envelope', fmt: pct },
          { key: 'payEnc', label: 'pay enc MB/s', fmt: fixed(0) },
          { key: 'payDec', label: 'pay dec MB/s', fmt: fixed(0) },
          { key: 'frameEnc', label: 'frame enc MB/s', fmt: fixed(0) },
          { key: 'frameDec', label: 'frame dec MB/s', fmt: fixed(0) },
          { key: 'sink', label: 'sink' },
        ],
        rows,
        notes: [
          ...target,
          'bound: top-k k·64 + log2 C(d,k) bits; QSGD d·log2(31) + 64 bits. envelope = (frame − payload)/frame.',
          'MB/s of payload bytes (pay enc/dec) or frame bytes (frame enc/dec; FrameEncoder#encodeFrame computes the MAC and copies the payload, FrameDecoder#decode validates the payload; the transport verifies the MAC).',
        ],
      },
      {
        title: `One-shot encodeFrame()/decodeFrame() vs a reused FrameEncoder/FrameDecoder, topk 10%, d = ${d0} (${f0.length} B frame)`,
        columns: [
          { key: 'op', label: 'operation' },
          { key: 'oneShotUs', label: 'one-shot µs', fmt: sig },
          { key: 'instanceUs', label: 'reused µs', fmt: sig },
          { key: 'ratio', label: 'one-shot/reused time', fmt: ratio },
          { key: 'sink', label: 'sink' },
        ],
        rows: shotRows,
      },
    ],
  };
}
