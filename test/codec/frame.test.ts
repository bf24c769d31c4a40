import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  FrameDecoder, FrameEncoder, HELLO_PROOF_BYTES, MAX_ENVELOPE_BYTES, decodeFrame, encodeFrame, maxFrameBytes,
  type FrameEnvelope,
} from '../../node/codec/frame.ts';
import { encodePayload } from '../../node/codec/payload.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';
import { allForms, fromHex, hex, randomMessage } from './random-message.ts';
import { codeOf } from '../support/error-code.ts';

const env = (o: Partial<FrameEnvelope> = {}): FrameEnvelope => ({ v: 1, run: 'r', kind: 'data', round: 3, phase: 'x', from: 1, to: 2, seq: 7, ...o });

/** A frame around arbitrary envelope bytes (to forge bad envelopes). */
function rawFrame(envelopeBytes: Uint8Array, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const P = (4 + envelopeBytes.length + 7) & ~7;
  const out = new Uint8Array(P + payload.length);
  new DataView(out.buffer).setUint32(0, envelopeBytes.length, true);
  out.set(envelopeBytes, 4);
  out.set(payload, P);
  return out;
}
const packObj = (o: unknown) => new Uint8Array(new Packr({ useRecords: false, variableMapSize: true }).pack(o));

const BIG = { maxBytes: 1 << 20 };
// Hand-checked: 31000000 = L 49; 88 = fixmap(8); a176 01 = "v":1; a3 72756e a1 72 = "run":"r";
// a4 6b696e64 a3 61636b = "kind":"ack"; a5 726f756e64 03; a5 7068617365 a1 78; a4 66726f6d 01;
// a2 746f 02; a3 736571 07; then 000000 pads 4+49 = 53 to 56.
const ACK_HEX =
  '31000000' + '88a17601a372756ea172a46b696e64a361636ba5726f756e6403a57068617365a178a466726f6d01a2746f02a373657107' + '000000';
// Same with kind "data" (a4 64617461, one byte longer: L 50 = 0x32, pad 2) and the dense-f32 payload fixture.
const DATA_HEX =
  '32000000' + '88a17601a372756ea172a46b696e64a464617461a5726f756e6403a57068617365a178a466726f6d01a2746f02a373657107' + '0000' +
  '08030000803f000000c00000003f';

describe('frames: fixtures', () => {
  it('ack frame bytes', () => {
    const frame = encodeFrame(env({ kind: 'ack' }), new Uint8Array(0));
    expect(hex(frame)).toBe(ACK_HEX);
    expect(decodeFrame(fromHex(ACK_HEX), BIG).envelope).toEqual(env({ kind: 'ack' }));
  });

  it('data frame bytes: payload 8-byte aligned, returned as a view', () => {
    const payload = encodePayload({ dim: 3, indices: null, values: { kind: 'float', precision: 'f32', data: Float64Array.of(1, -2, 0.5) } });
    const frame = encodeFrame(env(), payload);
    expect(hex(frame)).toBe(DATA_HEX);
    const d = decodeFrame(frame, { maxBytes: 1000, expectedDim: 3 });
    expect(d.envelope).toEqual(env());
    expect(d.payload.byteOffset).toBe(56);
    expect(d.payload.buffer).toBe(frame.buffer); // a view, no copy
    expect(hex(d.payload)).toBe(hex(payload));
  });

  it('encodeHeader + payload = encodeFrame', () => {
    const e = new FrameEncoder();
    const payload = fromHex('08030000803f000000c00000003f');
    const header = e.encodeHeader(env());
    expect(hex(header) + hex(payload)).toBe(DATA_HEX);
  });
});

describe('frames: round trips', () => {
  it('random envelopes and payloads of every form', () => {
    const rng = Rng.derive(42, 0, 'frame-roundtrip');
    const enc = new FrameEncoder();
    const dec = new FrameDecoder();
    for (const form of allForms()) {
      for (let t = 0; t < 10; t++) {
        const m = randomMessage(rng, form);
        const e = env({ round: rng.int(1 << 20) - 1, seq: rng.int(1 << 30), from: rng.int(64), to: rng.int(64), phase: ['x', 'y', 'init'][rng.int(3)], run: `run-${rng.int(1000)}` });
        const payload = encodePayload(m);
        const frame = enc.encodeFrame(e, payload);
        expect(frame.length % 8).toBe(payload.length % 8);
        const d = dec.decode(frame, { maxBytes: maxFrameBytes(m.dim), expectedDim: m.dim });
        expect(d.envelope).toEqual(e);
        expect(hex(d.payload)).toBe(hex(payload));
      }
    }
  });

  it('control kinds: hello carries a 32-byte proof, ack/ping/pong nothing', () => {
    const proof = new Uint8Array(HELLO_PROOF_BYTES).fill(0xab);
    expect(decodeFrame(encodeFrame(env({ kind: 'hello' }), proof), BIG).payload.length).toBe(32);
    for (const kind of ['ack', 'ping', 'pong'] as const) expect(decodeFrame(encodeFrame(env({ kind }), new Uint8Array(0)), BIG).envelope.kind).toBe(kind);
  });
});

describe('frames: rejection', () => {
  it('every truncation of every kind of frame → TRUNCATED', () => {
    const frames = [
      fromHex(DATA_HEX),
      fromHex(ACK_HEX),
      encodeFrame(env({ kind: 'hello' }), new Uint8Array(HELLO_PROOF_BYTES)),
      ...allForms().map((form) => {
        const m = randomMessage(Rng.derive(3, 0, `trunc-${form.sparse}-${form.levels}-${form.precision}`), { ...form, maxDim: 60 });
        return encodeFrame(env(), encodePayload(m));
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

  it('oversized → OVERSIZED (checked before anything else)', () => {
    const frame = fromHex(DATA_HEX);
    expect(codeOf(() => decodeFrame(frame, { maxBytes: frame.length - 1 }))).toBe('PROXMESH_ERR_FRAME_OVERSIZED');
    expect(codeOf(() => decodeFrame(frame, { maxBytes: frame.length }))).toBe('no error');
  });

  it('unknown protocol version → VERSION', () => {
    expect(codeOf(() => decodeFrame(encodeFrame(env({ v: 2 }), new Uint8Array(0)), BIG))).toBe('PROXMESH_ERR_FRAME_VERSION');
  });

  const good = { v: 1, run: 'r', kind: 'ack', round: 0, phase: '', from: 0, to: 1, seq: 0 };
  const badEnvelopes: Array<[string, unknown]> = [
    ['not a map', [1, 2, 3]],
    ['a string', 'hello'],
    ['missing v', { ...good, v: undefined }],
    ['v not a number', { ...good, v: '1' }],
    ['missing field', (({ seq, ...rest }) => rest)(good)],
    ['unknown field', { ...good, extra: 1 }],
    ['run not a string', { ...good, run: 5 }],
    ['run too long', { ...good, run: 'x'.repeat(200) }],
    ['unknown kind', { ...good, kind: 'nack' }],
    ['round not an integer', { ...good, round: 1.5 }],
    ['round out of range', { ...good, round: 2 ** 40 }],
    ['phase not a string', { ...good, phase: null }],
    ['from negative', { ...good, from: -1 }],
    ['to a string', { ...good, to: '1' }],
    ['seq negative', { ...good, seq: -3 }],
    ['seq a float', { ...good, seq: 0.5 }],
  ];
  for (const [name, obj] of badEnvelopes) {
    it(`envelope ${name} → MALFORMED`, () => {
      const o = obj && typeof obj === 'object' && !Array.isArray(obj) ? Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) : obj;
      expect(codeOf(() => decodeFrame(rawFrame(packObj(o)), BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
    });
  }

  it('structural defects → MALFORMED', () => {
    const ack = fromHex(ACK_HEX);
    const withPad = ack.slice();
    withPad[ack.length - 1] = 1;
    expect(codeOf(() => decodeFrame(withPad, BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // padding not zero
    expect(codeOf(() => decodeFrame(fromHex('00000000'), BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // L = 0
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, MAX_ENVELOPE_BYTES + 1, true);
    expect(codeOf(() => decodeFrame(huge, BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // L too big
    expect(codeOf(() => decodeFrame(rawFrame(fromHex('c1')), BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // 0xc1 is never valid msgpack
    expect(codeOf(() => decodeFrame(rawFrame(fromHex('a17601')), BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // trailing msgpack data
    expect(codeOf(() => decodeFrame(encodeFrame(env({ kind: 'ack' }), fromHex('00')), BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // ack with payload
    expect(codeOf(() => decodeFrame(encodeFrame(env({ kind: 'hello' }), new Uint8Array(33)), BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED');
    expect(codeOf(() => decodeFrame(fromHex(DATA_HEX), { maxBytes: 1000, expectedDim: 4 }))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // wrong dim
    expect(codeOf(() => decodeFrame(encodeFrame(env(), fromHex('08030000803f000000c00000003f00')), BIG))).toBe('PROXMESH_ERR_FRAME_MALFORMED'); // payload trailing byte
  });

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
    const base = [fromHex(DATA_HEX), fromHex(ACK_HEX)];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (which, edits) => {
        const b = base[which].slice();
        for (const [at, v] of edits) b[at % b.length] = v;
        return onlyCoded(b);
      }),
      { numRuns: 3000, seed: 4 },
    );
  });
});

describe('frames: no shared encoder buffer', () => {
  it('frames built on either side of an await by interleaved senders stay intact', async () => {
    const shared = new FrameEncoder();
    const other = new FrameEncoder();
    const built: Array<{ e: FrameEnvelope; frame: Uint8Array }> = [];
    const sender = async (from: number, enc: FrameEncoder) => {
      for (let seq = 0; seq < 20; seq++) {
        const e = env({ from, seq, phase: `p${from}-${seq}`, kind: 'ping' });
        const frame = enc.encodeFrame(e, new Uint8Array(0));
        built.push({ e, frame });
        await new Promise<void>((resolve) => setImmediate(resolve)); // let the other sender run
        // msgpackr's module-level pack (shared global buffer) runs in between too
        new Packr().pack({ noise: 'x'.repeat(seq * 50) });
      }
    };
    await Promise.all([sender(1, shared), sender(2, shared), sender(3, other)]);
    expect(built.length).toBe(60);
    for (const { e, frame } of built) {
      expect(frame.byteOffset).toBe(0);
      expect(frame.buffer.byteLength).toBe(frame.length); // owns its buffer, no view into msgpackr's
      expect(decodeFrame(frame, BIG).envelope).toEqual(e);
    }
  });
});
