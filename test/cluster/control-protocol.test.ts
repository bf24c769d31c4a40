/** Control messages: exact round trip of reports (x as raw float64), and field-by-field rejection of bad ones. */
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createControlCodec, linkRunId, type FailMsg, type ReportMsg } from '../../node/protocol/control-protocol.ts';

const codec = createControlCodec();
const report: ReportMsg = {
  t: 'report',
  runId: 'r',
  nodeId: 3,
  iter: 40,
  x: Float64Array.from([0.1, -2.5e-300, Number.MIN_VALUE, 1 / 3]),
  lossSum: 1.25,
  lossCount: 20,
  bytesSent: 1234,
  stepSeconds: { compute: 0.001, encode: 2e-5, wait: 0.003 },
  rejectedFrames: 2,
  peerBytes: { 2: 600, 4: 634 },
};
const base = { ...report, x: Buffer.from(report.x.buffer) };

describe('control protocol', () => {
  it('a report round-trips bit for bit, with its optional dashboard fields', () => {
    const back = codec.decodeWorker(codec.encode(report)) as ReportMsg;
    expect(back).toEqual({ ...report, peerBytes: { 2: 600, 4: 634 } });
    expect(Array.from(new Uint8Array(back.x.buffer))).toEqual(Array.from(new Uint8Array(report.x.buffer)));
  });
  it('the optional fields may be absent (older workers)', () => {
    const { stepSeconds: _s, rejectedFrames: _r, peerBytes: _p, ...plain } = report;
    const back = codec.decodeWorker(codec.encode(plain)) as ReportMsg;
    expect(back.stepSeconds).toBeUndefined();
    expect(back.x).toEqual(report.x);
  });
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['negative iter', { iter: -1 }, /'iter' must be an integer ≥ 0/],
    ['fractional nodeId', { nodeId: 1.5 }, /'nodeId'/],
    ['x of 12 bytes', { x: Buffer.alloc(12) }, /'x' must be float64 bytes/],
    ['x as an array', { x: [1, 2] }, /'x' must be float64 bytes/],
    ['lossSum a string', { lossSum: '1' }, /'lossSum' must be a number/],
    ['runId too long', { runId: 'r'.repeat(129) }, /'runId'/],
    ['negative step seconds', { stepSeconds: { compute: -1, encode: 0, wait: 0 } }, /stepSeconds.compute/],
    ['NaN step seconds', { stepSeconds: { compute: 0, encode: Number.NaN, wait: 0 } }, /stepSeconds.encode/],
    ['peerBytes with a non-id key', { peerBytes: { x: 1 } }, /peerBytes/],
    ['peerBytes with a negative count', { peerBytes: { 1: -5 } }, /peerBytes/],
    ['rejectedFrames fractional', { rejectedFrames: 0.5 }, /rejectedFrames/],
  ];
  it.each(bad)('%s → PROXMESH_ERR_FRAME_MALFORMED naming the field', (_n, over, msg) => {
    expect(() => codec.decodeWorker(pack({ ...base, ...over }))).toThrow(
      expect.objectContaining({ code: 'PROXMESH_ERR_FRAME_MALFORMED', message: expect.stringMatching(msg) }),
    );
  });
  it('a fail carries its round as a field (null when the error names none); a bad round is refused', () => {
    const fail: FailMsg = { t: 'fail', runId: 'r', nodeId: 1, code: 'PROXMESH_ERR_PEER_TIMEOUT', message: 'node 1 lost peer 2', round: 7 };
    expect(codec.decodeWorker(codec.encode(fail))).toEqual(fail);
    expect(codec.decodeWorker(codec.encode({ ...fail, round: -1 }))).toEqual({ ...fail, round: -1 });
    expect(codec.decodeWorker(codec.encode({ ...fail, round: null }))).toEqual({ ...fail, round: null });
    const { round: _r, ...older } = fail;
    expect(codec.decodeWorker(pack(older))).toEqual({ ...fail, round: null });
    for (const round of [-2, 1.5, '7']) {
      expect(() => codec.decodeWorker(pack({ ...fail, round }))).toThrow(
        expect.objectContaining({
          code: 'PROXMESH_ERR_FRAME_MALFORMED',
          message: expect.stringMatching(/'round' must be an integer ≥ -1/),
        }),
      );
    }
  });
  it('coordinator messages are validated too', () => {
    expect(codec.decodeCoordinator(codec.encode({ t: 'start', runId: 'r' }))).toEqual({ t: 'start', runId: 'r' });
    expect(() => codec.decodeCoordinator(pack({ t: 'assign', runId: 'r', nodeId: 0, config: {}, peers: [{ id: 0 }] }))).toThrow(/'url'/);
    expect(() => codec.decodeCoordinator(pack({ t: 'report' }))).toThrow(/unknown type 'report'/);
  });
  it('checkpointed (worker), assign.resumeRound and checkpointCommitted (coordinator) round-trip and are validated', () => {
    const msg = { t: 'checkpointed', runId: 'r', nodeId: 5, round: 40 } as const;
    expect(codec.decodeWorker(codec.encode(msg))).toEqual(msg);
    expect(() => codec.decodeWorker(pack({ ...msg, round: 0 }))).toThrow(/'round' must be an integer ≥ 1/);
    expect(() => codec.decodeWorker(pack({ ...msg, round: 2.5 }))).toThrow(/'round'/);
    const assign = { t: 'assign', runId: 'r', nodeId: 0, config: {}, peers: [{ id: 0, url: 'ws://a:1' }], resumeRound: 30 } as const;
    expect(codec.decodeCoordinator(codec.encode(assign))).toEqual(assign);
    const { resumeRound: _r, ...fresh } = assign;
    expect(codec.decodeCoordinator(codec.encode(fresh))).not.toHaveProperty('resumeRound');
    expect(() => codec.decodeCoordinator(pack({ ...assign, resumeRound: -3 }))).toThrow(/'resumeRound' must be an integer ≥ 1/);
    const committed = { t: 'checkpointCommitted', runId: 'r', round: 20 } as const;
    expect(codec.decodeCoordinator(codec.encode(committed))).toEqual(committed);
    expect(() => codec.decodeCoordinator(pack({ ...committed, round: 'x' }))).toThrow(/'round'/);
  });
  it('rollback and assign.attempt (a healed run) round-trip and are validated; each attempt binds its own link run id', () => {
    const rollback = { t: 'rollback', runId: 'r', reason: 'node 2 disconnected from the coordinator at round 41' } as const;
    expect(codec.decodeCoordinator(codec.encode(rollback))).toEqual(rollback);
    expect(() => codec.decodeCoordinator(pack({ t: 'rollback', runId: 'r' }))).toThrow(/'reason'/);
    expect(() => codec.decodeCoordinator(pack({ t: 'rollback', reason: 'x' }))).toThrow(/'runId'/);
    const assign = {
      t: 'assign',
      runId: 'r',
      nodeId: 0,
      config: {},
      peers: [{ id: 0, url: 'ws://a:1' }],
      resumeRound: 30,
      attempt: 2,
    } as const;
    expect(codec.decodeCoordinator(codec.encode(assign))).toEqual(assign);
    expect(() => codec.decodeCoordinator(pack({ ...assign, attempt: 0 }))).toThrow(/'attempt' must be an integer ≥ 1/);
    expect(() => codec.decodeCoordinator(pack({ ...assign, attempt: 1.5 }))).toThrow(/'attempt'/);
    expect(linkRunId('r', undefined)).toBe('r');
    expect(linkRunId('r', 0)).toBe('r');
    expect(new Set([linkRunId('r', 1), linkRunId('r', 2), 'r']).size).toBe(3);
  });
});
