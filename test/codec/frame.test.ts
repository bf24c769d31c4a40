import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  CONTROL_FRAME_BYTES,
  FrameDecoder,
  FrameEncoder,
  LINK_OVERHEAD_BYTES,
  MAX_HELLO_BODY_BYTES,
  PROTOCOL_VERSION,
  dataFrameBytes,
  decodeFrame,
  encodeFrame,
  maxFrameBytes,
  runTag,
  type DecodedFrame,
  type FrameHeader,
  type HelloMessage,
} from '../../node/codec/frame.ts';
import { encodePayload } from '../../node/codec/payload.ts';
import { FrameMac } from '../../node/auth/frame-mac.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { allForms, fromHex, hex, randomMessage } from './random-message.ts';
import { codeOf } from '../support/error-code.ts';

const KEY = Buffer.alloc(32, 7);
const hdr = (o: Partial<FrameHeader> = {}): FrameHeader => ({ kind: 'data', round: 3, phase: 'x', from: 1, seq: 7, ...o });
const PAYLOAD_HEX = '08030000803f000000c00000003f'; // dense f32 (1, −2, 0.5): tag 08, dim 03, three floats
/** HMAC-SHA256 truncated to 16 bytes, computed here independently of node/auth. */
const mac = (...hexes: string[]) => {
  const h = createHmac('sha256', KEY);
  for (const x of hexes) h.update(Buffer.from(x, 'hex'));
  return h.digest().subarray(0, 16).toString('hex');
};
// Hand-checked: kind 01 (data), version 02, reserved 0000, round 3, from 1, seq 7 (u64), payload
// length 14 = 0x0e, phase "x" NUL-padded to 4 bytes.
const DATA_HEADER = '01020000' + '03000000' + '01000000' + '0700000000000000' + '0e000000' + '78000000';
const DATA_HEX = DATA_HEADER + mac(DATA_HEADER, PAYLOAD_HEX) + PAYLOAD_HEX;
// ack (02), no payload, empty phase
const ACK_HEADER = '02020000' + '03000000' + '01000000' + '0700000000000000' + '00000000' + '00000000';
const ACK_HEX = ACK_HEADER + mac(ACK_HEADER);

const BIG = { maxBytes: 1 << 20 };
const link = (d: DecodedFrame) => {
  if (d.kind === 'hello') throw new Error('expected a link frame');
  return d;
};
const helloOf = (d: DecodedFrame) => {
  if (d.kind !== 'hello') throw new Error('expected a hello');
  return d.hello;
};
const HELLO_3: HelloMessage = { step: 3, run: runTag('r'), from: 1, to: 2, proof: new Uint8Array(32).fill(0xab) };
const helloFrame = (m: HelloMessage) => new FrameEncoder().encodeHello(m);
/** A hello frame around arbitrary body bytes (to forge bad bodies). */
function rawHello(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = 5;
  out[1] = PROTOCOL_VERSION;
  new DataView(out.buffer).setUint16(2, body.length, true);
  out.set(body, 4);
  return out;
}
const packObj = (o: unknown) => new Uint8Array(new Packr({ useRecords: false, variableMapSize: true }).pack(o));

describe('frames: fixtures', () => {
  it('data frame bytes: fixed header, MAC over header ‖ payload, then the payload as a view', () => {
    const payload = fromHex(PAYLOAD_HEX);
    const frame = encodeFrame(hdr(), payload, KEY);
    expect(hex(frame)).toBe(DATA_HEX);
    expect(frame.length).toBe(44 + 14);
    const d = link(decodeFrame(frame, { maxBytes: 1000, expectedDim: 3 }));
    expect(d.header).toEqual(hdr());
    expect(d.payload.byteOffset).toBe(44);
    expect(d.payload.buffer).toBe(frame.buffer); // a view, no copy
    expect(hex(d.mac)).toBe(mac(DATA_HEADER, PAYLOAD_HEX));
    expect(hex(d.headerBytes)).toBe(DATA_HEADER);
  });

  it('ack frame bytes', () => {
    const frame = encodeFrame(hdr({ kind: 'ack', phase: '' }), new Uint8Array(0), KEY);
    expect(hex(frame)).toBe(ACK_HEX);
    expect(frame.length).toBe(CONTROL_FRAME_BYTES);
    expect(link(decodeFrame(fromHex(ACK_HEX), BIG)).header).toEqual(hdr({ kind: 'ack', phase: '' }));
  });

  it('encodeHeader + payload = encodeFrame; no key gives a zero MAC', () => {
    const e = new FrameEncoder();
    const payload = fromHex(PAYLOAD_HEX);
    expect(hex(e.encodeHeader(hdr(), payload, KEY)) + PAYLOAD_HEX).toBe(DATA_HEX);
    expect(hex(e.encodeHeader(hdr(), payload, null))).toBe(DATA_HEADER + '00'.repeat(16));
  });

  it("the transports' one-buffer path (encodeLink with the link's FrameMac) gives the same bytes, frame after frame", () => {
    const e = new FrameEncoder();
    const m = new FrameMac(KEY);
    const payload = fromHex(PAYLOAD_HEX);
    for (let i = 0; i < 3; i++) {
      expect(hex(e.encodeLink(hdr(), payload, m))).toBe(DATA_HEX);
      expect(hex(e.encodeHeader(hdr(), payload, m)) + PAYLOAD_HEX).toBe(DATA_HEX);
      expect(hex(e.encodeLink(hdr({ kind: 'ack', phase: '' }), new Uint8Array(0), m))).toBe(ACK_HEX);
    }
    expect(hex(e.encodeLink(hdr(), payload, null))).toBe(DATA_HEADER + '00'.repeat(16) + PAYLOAD_HEX);
    // the phase cache never lets a bad phase through, cached or not
    expect(codeOf(() => e.encodeLink(hdr({ phase: 'toolong' }), payload, m))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => e.encodeLink(hdr({ phase: 'toolong' }), payload, m))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => e.encodeLink(hdr({ kind: 'hello' as never }), payload, m))).toBe('PROXMESH_ERR_INTERNAL');
  });

  it("the decoder's phase cache returns the same phases and still refuses bad phase fields", () => {
    const d = new FrameDecoder();
    const payload = fromHex(PAYLOAD_HEX);
    for (const phase of ['x', 'y', 'x', '', 'yyyy', 'y']) {
      expect(link(d.decode(encodeFrame(hdr({ phase }), payload, KEY), BIG)).header.phase).toBe(phase);
    }
    const bad = encodeFrame(hdr({ phase: 'x' }), payload, KEY);
    bad[26] = 0x41; // a byte after the NUL padding
    expect(codeOf(() => d.decode(bad, BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
    expect(codeOf(() => d.decode(bad, BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
  });

  it('hello frame bytes: kind 05, version, u16 body length, msgpack map in a fixed field order', () => {
    const frame = helloFrame({ step: 1, run: fromHex('0102030405060708'), from: 1, to: 2, nonce: new Uint8Array(16) });
    // 85 = fixmap(5); a4 "step" 01; a3 "run" c4 08 <8 bytes>; a4 "from" 01; a2 "to" 02; a5 "nonce" c4 10 <16 zero bytes>
    const body = [
      '85a473746570',
      '01',
      'a372756e',
      'c4080102030405060708',
      'a466726f6d01',
      'a2746f02',
      'a56e6f6e6365c410',
      '00'.repeat(16),
    ].join('');
    expect(hex(frame)).toBe(`0502${(body.length / 2).toString(16).padStart(2, '0')}00${body}`);
  });
});

describe('frames: sizes', () => {
  it('a data frame is its payload + 44 bytes, whatever the run id, ids, round or seq', () => {
    expect(LINK_OVERHEAD_BYTES).toBe(44);
    const payload = fromHex(PAYLOAD_HEX);
    for (const h of [hdr(), hdr({ from: 2 ** 31, round: -1, seq: 2 ** 53 - 1, phase: 'yyyy' }), hdr({ phase: '' })]) {
      expect(encodeFrame(h, payload, KEY).length).toBe(dataFrameBytes(payload.length));
    }
  });

  it('a top-1 % frame at d = 10,000 is at most 1.10× the information bound, MAC included', async () => {
    const { compressorFactory } = await import('../../node/compress/registry.ts');
    const { informationBoundBits } = await import('../../node/codec/information-bound.ts');
    const d = 10_000;
    const rng = Rng.derive(42, -1, 'frame-size-topk');
    const x = Float64Array.from({ length: d }, () => rng.next() * 2 - 1);
    const layers = [{ name: 'w', offset: 0, length: d }];
    const m = compressorFactory({ kind: 'topk', ratio: 0.01 } as never)(layers as never, Rng.derive(42, 0, 'compress-x')).compress(
      x,
      new Float64Array(d),
    );
    expect(m.indices?.length).toBe(100);
    const payload = encodePayload(m);
    const frame = encodeFrame(hdr(), payload, KEY);
    const boundBytes = informationBoundBits(m) / 8;
    // tag 1 + dim 2 + k 1 + delta-varint indices 128 (gaps ≥ 128 take 2 bytes) + 100 f64 values 800
    // = 932 payload bytes, + 44 bytes of header and MAC
    expect(payload.length).toBe(932);
    expect(frame.length).toBe(976);
    expect(frame.length / boundBytes).toBeLessThanOrEqual(1.1);
  });
});

describe('frames: round trips', () => {
  it('random headers and payloads of every form', () => {
    const rng = Rng.derive(42, 0, 'frame-roundtrip');
    const enc = new FrameEncoder();
    const dec = new FrameDecoder();
    for (const form of allForms()) {
      for (let t = 0; t < 10; t++) {
        const m = randomMessage(rng, form);
        const h = hdr({
          round: rng.int(1 << 20) - 1,
          seq: rng.int(1 << 30) * 2 ** 20 + rng.int(1 << 20),
          from: rng.int(64),
          phase: ['x', 'y', 'init', 'é'][rng.int(4)],
        });
        const payload = encodePayload(m);
        const d = link(dec.decode(enc.encodeFrame(h, payload, KEY), { maxBytes: maxFrameBytes(m.dim), expectedDim: m.dim }));
        expect(d.header).toEqual(h);
        expect(hex(d.payload)).toBe(hex(payload));
      }
    }
  });

  it('control kinds carry nothing; hellos of every step round-trip', () => {
    for (const kind of ['ack', 'ping', 'pong'] as const)
      expect(link(decodeFrame(encodeFrame(hdr({ kind, phase: '' }), new Uint8Array(0)), BIG)).header.kind).toBe(kind);
    const hellos: HelloMessage[] = [
      { step: 1, run: runTag('r'), from: 0, to: 1, nonce: new Uint8Array(16).fill(1) },
      { step: 2, run: runTag('r'), from: 1, to: 0, nonce: new Uint8Array(16).fill(2), proof: new Uint8Array(32).fill(3) },
      { step: 3, run: runTag('r'), from: 2 ** 31, to: 0, proof: new Uint8Array(32).fill(4) },
    ];
    for (const m of hellos) {
      const got = helloOf(decodeFrame(helloFrame(m), BIG));
      expect({ ...got, run: hex(got.run), nonce: got.nonce && hex(got.nonce), proof: got.proof && hex(got.proof) }).toEqual({
        ...m,
        run: hex(m.run),
        nonce: m.nonce && hex(m.nonce),
        proof: m.proof && hex(m.proof),
      });
    }
  });

  it('the encoder refuses what it cannot represent (internal errors, never a bad frame on the wire)', () => {
    const p = fromHex(PAYLOAD_HEX);
    expect(codeOf(() => encodeFrame(hdr({ phase: 'toolong' }), p))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => encodeFrame(hdr({ seq: 2 ** 53 }), p))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => encodeFrame(hdr({ round: 2 ** 31 }), p))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => encodeFrame(hdr(), new Uint8Array(0)))).toBe('PROXMESH_ERR_INTERNAL'); // data without payload
    expect(codeOf(() => encodeFrame(hdr({ kind: 'ack' }), p))).toBe('PROXMESH_ERR_INTERNAL'); // ack with payload
  });
});

describe('frames: rejection', () => {
  it('every truncation of every kind of frame → TRUNCATED', () => {
    const frames = [
      fromHex(DATA_HEX),
      fromHex(ACK_HEX),
      helloFrame(HELLO_3),
      helloFrame({ step: 2, run: runTag('a-run'), from: 300, to: 70000, nonce: new Uint8Array(16), proof: new Uint8Array(32) }),
      ...allForms().map((form) => {
        const m = randomMessage(Rng.derive(3, 0, `trunc-${form.sparse}-${form.levels}-${form.precision}`), { ...form, maxDim: 60 });
        return encodeFrame(hdr(), encodePayload(m), KEY);
      }),
    ];
    for (const frame of frames) {
      for (let n = 0; n < frame.length; n++) {
        const code = codeOf(() => decodeFrame(frame.subarray(0, n), BIG));
        if (code !== 'PROXMESH_ERR_FRAME_TRUNCATED') throw new Error(`truncation to ${n} of ${frame.length} gave ${code}`);
      }
      expect(codeOf(() => decodeFrame(frame, BIG))).toBe('no error');
    }
  });

  it('oversized → OVERSIZED (checked before anything else, and a declared payload over the limit too)', () => {
    const frame = fromHex(DATA_HEX);
    expect(codeOf(() => decodeFrame(frame, { maxBytes: frame.length - 1 }))).toBe('PROXMESH_ERR_FRAME_OVERSIZED');
    expect(codeOf(() => decodeFrame(frame, { maxBytes: frame.length }))).toBe('no error');
    const huge = frame.slice(0, 44);
    new DataView(huge.buffer).setUint32(20, 0xffffffff, true);
    expect(codeOf(() => decodeFrame(huge, { maxBytes: 4096 }))).toBe('PROXMESH_ERR_FRAME_OVERSIZED');
  });

  it('unknown protocol version → VERSION, for link frames and hellos alike', () => {
    for (const f of [fromHex(DATA_HEX), helloFrame(HELLO_3)]) {
      for (const v of [0, 1, 3, 255]) {
        const b = f.slice();
        b[1] = v;
        expect(codeOf(() => decodeFrame(b, BIG))).toBe('PROXMESH_ERR_FRAME_VERSION');
      }
    }
  });

  const edit = (at: number, bytes: number[]) => {
    const b = fromHex(DATA_HEX);
    b.set(bytes, at);
    return b;
  };
  const badLinkFrames: Array<[string, Uint8Array]> = [
    ['unknown kind 0', edit(0, [0])],
    ['unknown kind 6', edit(0, [6])],
    ['reserved bytes set', edit(2, [0, 1])],
    ['seq ≥ 2^53', edit(16, [0, 0, 0x20, 0])],
    ['phase with bytes after its NUL', edit(24, [0x78, 0, 0x79, 0])],
    ['phase not UTF-8', edit(24, [0xff, 0, 0, 0])],
    [
      'data with payload length 0',
      (() => {
        const b = fromHex(DATA_HEX).slice(0, 44);
        b[20] = 0;
        return b;
      })(),
    ],
    [
      'ack with a payload',
      (() => {
        const b = fromHex(DATA_HEX);
        b[0] = 2;
        return b;
      })(),
    ],
    ['a byte after the payload', Uint8Array.from([...fromHex(DATA_HEX), 0])],
    ['payload whose dim is wrong', edit(45, [4])],
    ['payload with a bad tag', edit(44, [0xc0])],
  ];
  for (const [name, bytes] of badLinkFrames) {
    it(`link frame: ${name} → MALFORMED`, () => {
      expect(codeOf(() => decodeFrame(bytes, { maxBytes: 4096, expectedDim: 3 }))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
    });
  }

  const good = { step: 3, run: new Uint8Array(8), from: 1, to: 2, proof: new Uint8Array(32) };
  const badHellos: Array<[string, Uint8Array]> = [
    ['body length 0', rawHello(new Uint8Array(0))],
    [
      'body length over the limit',
      (() => {
        const b = rawHello(new Uint8Array(8));
        new DataView(b.buffer).setUint16(2, MAX_HELLO_BODY_BYTES + 1, true);
        return b;
      })(),
    ],
    ['a byte after the body', Uint8Array.from([...helloFrame(HELLO_3), 0])],
    ['not msgpack (0xc1)', rawHello(fromHex('c1'))],
    ['not a map', rawHello(packObj([1, 2, 3]))],
    ['a binary', rawHello(packObj(new Uint8Array(4)))],
    ['step 4', rawHello(packObj({ ...good, step: 4 }))],
    ['step 3 with a nonce', rawHello(packObj({ ...good, nonce: new Uint8Array(16) }))],
    ['step 1 without a nonce', rawHello(packObj({ step: 1, run: good.run, from: 1, to: 2 }))],
    ['an unknown field', rawHello(packObj({ ...good, extra: 1 }))],
    ['run of 7 bytes', rawHello(packObj({ ...good, run: new Uint8Array(7) }))],
    ['run a string', rawHello(packObj({ ...good, run: 'runrunru' }))],
    ['proof of 31 bytes', rawHello(packObj({ ...good, proof: new Uint8Array(31) }))],
    ['from negative', rawHello(packObj({ ...good, from: -1 }))],
    ['to a float', rawHello(packObj({ ...good, to: 1.5 }))],
    ['fields out of order (not canonical)', rawHello(packObj({ run: good.run, step: 3, from: 1, to: 2, proof: good.proof }))],
    ['trailing msgpack inside the body', rawHello(Uint8Array.from([...packObj(good), 0xc0]))],
  ];
  for (const [name, bytes] of badHellos) {
    it(`hello: ${name} → MALFORMED`, () => {
      expect(codeOf(() => decodeFrame(bytes, BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
    });
  }

  it('fuzz: random bytes and mutations only ever throw frame errors', () => {
    const onlyCoded = (bytes: Uint8Array): boolean => {
      try {
        decodeFrame(bytes, { maxBytes: 4096 });
      } catch (err) {
        if (!(err instanceof ProxmeshError) || !err.code.startsWith('PROXMESH_ERR_FRAME_')) throw err;
      }
      return true;
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 128 }), onlyCoded), { numRuns: 3000, seed: 3 });
    const base = [fromHex(DATA_HEX), fromHex(ACK_HEX), helloFrame(HELLO_3)];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        (which, edits) => {
          const b = base[which].slice();
          for (const [at, v] of edits) b[at % b.length] = v;
          return onlyCoded(b);
        },
      ),
      { numRuns: 3000, seed: 4 },
    );
  });
});

describe('frames: no shared encoder buffer', () => {
  it('hellos built on either side of an await by interleaved senders stay intact', async () => {
    const shared = new FrameEncoder();
    const other = new FrameEncoder();
    const built: Array<{ m: HelloMessage; frame: Uint8Array }> = [];
    const sender = async (from: number, enc: FrameEncoder) => {
      for (let i = 0; i < 20; i++) {
        const m: HelloMessage = { step: 1, run: runTag(`run-${i}`), from, to: i, nonce: new Uint8Array(16).fill(from * 20 + i) };
        const frame = enc.encodeHello(m);
        built.push({ m, frame });
        await new Promise<void>((resolve) => setImmediate(resolve)); // let the other sender run
        // msgpackr's module-level pack (shared global buffer) runs in between too
        new Packr().pack({ noise: 'x'.repeat(i * 50) });
      }
    };
    await Promise.all([sender(1, shared), sender(2, shared), sender(3, other)]);
    expect(built.length).toBe(60);
    for (const { m, frame } of built) {
      expect(frame.byteOffset).toBe(0);
      expect(frame.buffer.byteLength).toBe(frame.length); // owns its buffer, no view into msgpackr's
      const got = helloOf(decodeFrame(frame, BIG));
      expect([got.from, got.to, hex(got.nonce!), hex(got.run)]).toEqual([m.from, m.to, hex(m.nonce!), hex(m.run)]);
    }
  });
});
