/**
 * The checkpoint file format and store: round trip of every entry kind, refusal of every truncation
 * length, of each flipped byte class and of a wrong config hash, each with its code; atomic writes
 * keep the newest `keep`; loadNewestValid falls back past refused files and says which.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, HEADER_BYTES, type CheckpointHeader } from '../../node/checkpoint/format.ts';
import { StateRegistry, registerRecord } from '../../node/checkpoint/state-registry.ts';
import {
  CheckpointWriter,
  checkpointDir,
  listCheckpoints,
  loadNewestValid,
  readCheckpoint,
  writeCheckpoint,
} from '../../node/checkpoint/store.ts';
import { configHash } from '../../node/resume/config-hash.ts';
import { decodeExactJson, encodeExactJson } from '../../node/checkpoint/exact-json.ts';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { Rng } from '../../node/linalg/rng.ts';

const HASH = 'ab'.repeat(32);
const header = (round: number): CheckpointHeader => ({ kind: 'sim', firstNode: 0, nodeCount: 3, round, configHash: HASH });

/** A registry over a little of everything, with values derived from `seed`. */
function sample(seed: number) {
  const rng = Rng.derive(seed, 'sample');
  rng.normal(); // leaves a cached spare normal, which the snapshot must keep
  const x = Float64Array.from({ length: 7 }, (_, i) => Math.sin(seed + i) * 1e-300 * (i % 2 ? -1 : 1));
  x[3] = -0;
  x[4] = Number.NaN;
  const perm = Int32Array.of(3, 1, 2, 0, seed);
  const counts = Uint32Array.of(0, 4294967295, seed);
  let pos = seed * 3;
  let blob: Uint8Array = new TextEncoder().encode(`blob ${seed}`);
  const reg = new StateRegistry();
  registerRecord(reg, 'algo', { x, ignoredNested: { v: x } });
  reg.vector('sampler.perm', perm);
  reg.vector('net.counts', counts);
  reg.scalar(
    'sampler.pos',
    () => pos,
    (v) => (pos = v),
  );
  reg.rng('rng.minibatch', rng);
  reg.bytes(
    'coord.rows',
    () => blob,
    (b) => (blob = b),
  );
  return { reg, rng, x, perm, counts, pos: () => pos, blob: () => blob };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProxmeshError);
    return (err as ProxmeshError).code;
  }
  throw new Error('did not throw');
}

describe('checkpoint format', () => {
  it('round-trips every entry kind bit for bit, the Rng stream (with its spare normal) included', () => {
    const src = sample(5);
    const buf = encodeCheckpoint(header(40), src.reg.capture());
    const ck = decodeCheckpoint(buf, 'mem');
    expect(ck.header).toEqual(header(40));
    expect(ck.bytes).toBe(buf.length);
    const dst = sample(9);
    dst.reg.restore(ck.entries);
    expect(Buffer.from(dst.x.buffer).equals(Buffer.from(src.x.buffer))).toBe(true); // −0 and NaN bits too
    expect([...dst.perm]).toEqual([...src.perm]);
    expect([...dst.counts]).toEqual([...src.counts]);
    expect(dst.pos()).toBe(15);
    expect(new TextDecoder().decode(dst.blob())).toBe('blob 5');
    const draws = (r: Rng) => [r.normal(), r.next(), r.int(1000), r.normal()];
    expect(draws(dst.rng)).toEqual(draws(src.rng));
  });

  it('refuses every truncation length and an extended file as CORRUPT', () => {
    const buf = encodeCheckpoint(header(3), sample(1).reg.capture());
    for (let len = 0; len < buf.length; len++)
      expect(
        codeOf(() => decodeCheckpoint(buf.subarray(0, len), 'cut')),
        `length ${len}`,
      ).toBe('PROXMESH_ERR_CHECKPOINT_CORRUPT');
    expect(codeOf(() => decodeCheckpoint(Buffer.concat([buf, Buffer.of(0)]), 'long'))).toBe('PROXMESH_ERR_CHECKPOINT_CORRUPT');
  });

  it('refuses a flipped byte in the magic, version, length, checksum or any body byte', () => {
    const buf = encodeCheckpoint(header(3), sample(1).reg.capture());
    const positions = [0, 8, 12, 40, 80, 111, ...Array.from({ length: buf.length - HEADER_BYTES }, (_, i) => HEADER_BYTES + i)];
    for (const at of positions) {
      const bad = Buffer.from(buf);
      bad[at] ^= 0x01;
      expect(
        codeOf(() => decodeCheckpoint(bad, 'flip')),
        `byte ${at}`,
      ).toBe('PROXMESH_ERR_CHECKPOINT_CORRUPT');
    }
  });

  it('restore is strict: a missing, extra or resized entry is a MISMATCH and writes nothing', () => {
    const src = sample(2);
    const ck = decodeCheckpoint(encodeCheckpoint(header(1), src.reg.capture()), 'mem');
    const reg = new StateRegistry();
    const y = new Float64Array(7);
    reg.vector('algo.x', y);
    expect(codeOf(() => reg.restore(ck.entries))).toBe('PROXMESH_ERR_CHECKPOINT_MISMATCH'); // extra entries in the file
    const other = sample(3);
    const before = Float64Array.from(other.x);
    other.reg.vector('algo.extra', new Float64Array(1));
    expect(codeOf(() => other.reg.restore(ck.entries))).toBe('PROXMESH_ERR_CHECKPOINT_MISMATCH'); // missing entry
    expect(Buffer.from(other.x.buffer).equals(Buffer.from(before.buffer))).toBe(true);
    const resized = new StateRegistry();
    registerRecord(resized, 'algo', { x: new Float64Array(8) });
    expect(codeOf(() => resized.restore(new Map([...ck.entries].filter(([k]) => k === 'algo.x'))))).toBe(
      'PROXMESH_ERR_CHECKPOINT_MISMATCH',
    );
  });

  it('exact JSON keeps NaN, ±Infinity and −0', () => {
    const v = { a: [Number.NaN, Infinity, -Infinity, -0, 0, 0.1 + 0.2, 5e-324], b: null, c: 'x' };
    const back = decodeExactJson(encodeExactJson(v)) as typeof v;
    expect(back.a.map((x) => (Object.is(x, -0) ? '-0' : String(x)))).toEqual(v.a.map((x) => (Object.is(x, -0) ? '-0' : String(x))));
    expect(back.b).toBeNull();
  });

  it('the config hash ignores checkpointEvery and output, and nothing else', () => {
    const raw = {
      algorithm: { name: 'dproxsgt', eta: 0.1 },
      problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' } },
      topology: { kind: 'ring', nodes: 4 },
    };
    const h = configHash(loadConfig(raw));
    expect(configHash(loadConfig({ ...raw, checkpointEvery: 7, output: { dir: 'elsewhere', name: 'x' } }))).toBe(h);
    expect(configHash(loadConfig({ ...raw, seed: 43 }))).not.toBe(h);
    expect(configHash(loadConfig({ ...raw, iterations: 999 }))).not.toBe(h);
  });
});

describe('checkpoint store', () => {
  const write = (dir: string, round: number, keep = 2) => writeCheckpoint(dir, 'sim', header(round), sample(round).reg.capture(), keep);

  it('CheckpointWriter without the thread: busy until durable; a loop of microtasks alone never lets the write finish, event-loop turns do', async () => {
    // Why the one-thread simulator yields with setImmediate while `needsTurns` (run-sim.ts) where no
    // writer thread can be started: its steps resolve as microtasks, and without a turn of the event
    // loop the checkpoint would become durable only at the next write or at the end of the run (a
    // kill in between lost it). With the thread it needs no turn at all (writer.test.ts).
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-ckpt-'));
    const durable: number[] = [];
    const w = new CheckpointWriter(dir, 'sim', 2, (r) => durable.push(r.bytes), { thread: false });
    expect(w.busy).toBe(false);
    await w.write(header(10), () => sample(10).reg.capture());
    expect(w.busy).toBe(true);
    expect(w.needsTurns).toBe(true);
    for (let i = 0; i < 10_000; i++) await Promise.resolve();
    expect(w.busy).toBe(true);
    expect(listCheckpoints(dir, 'sim')).toEqual([]);
    while (w.busy) await new Promise<void>((r) => setImmediate(r));
    expect(w.needsTurns).toBe(false);
    expect(durable).toHaveLength(1);
    expect(listCheckpoints(dir, 'sim').map((c) => c.round)).toEqual([10]);
    expect(readCheckpoint(listCheckpoints(dir, 'sim')[0].file, HASH).header.round).toBe(10);
    await w.flush();
  });

  it('writes atomically (no temp file left) and keeps the newest `keep` files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-ckpt-'));
    writeFileSync(join(mkdirAll(checkpointDir(dir)), 'sim-r000000000001.ckpt.tmp'), 'half-written leftover');
    for (const r of [10, 20, 30, 40]) write(dir, r);
    expect(listCheckpoints(dir, 'sim').map((c) => c.round)).toEqual([40, 30]);
    expect(readdirSync(checkpointDir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    write(dir, 50, 3);
    expect(listCheckpoints(dir, 'sim').map((c) => c.round)).toEqual([50, 40, 30]);
    expect(readCheckpoint(listCheckpoints(dir, 'sim')[0].file, HASH).header.round).toBe(50);
  });

  it('falls back past a truncated and a byte-flipped newest file, naming each refusal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-ckpt-'));
    for (const r of [10, 20, 30]) write(dir, r, 3);
    const [newest, middle] = listCheckpoints(dir, 'sim');
    truncateSync(newest.file, readFileSync(newest.file).length - 5);
    const flipped = readFileSync(middle.file);
    flipped[flipped.length - 1] ^= 0x80;
    writeFileSync(middle.file, flipped);
    const loaded = loadNewestValid(dir, 'sim', HASH);
    expect(loaded.checkpoint.header.round).toBe(10);
    expect(loaded.refused.map((e) => [e.code, e.detail?.file])).toEqual([
      ['PROXMESH_ERR_CHECKPOINT_CORRUPT', newest.file],
      ['PROXMESH_ERR_CHECKPOINT_CORRUPT', middle.file],
    ]);
    expect(loaded.refused[0].message).toMatch(/truncated/);
    expect(loaded.refused[1].message).toMatch(/checksum/);
  });

  it('a wrong config hash is refused with CHECKPOINT_CONFIG; none usable → a coded error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-ckpt-'));
    expect(codeOf(() => loadNewestValid(dir, 'sim', HASH))).toBe('PROXMESH_ERR_RESUME'); // no checkpoint at all
    write(dir, 10);
    expect(codeOf(() => loadNewestValid(dir, 'sim', 'cd'.repeat(32)))).toBe('PROXMESH_ERR_CHECKPOINT_CONFIG');
    truncateSync(listCheckpoints(dir, 'sim')[0].file, 100);
    expect(codeOf(() => loadNewestValid(dir, 'sim', HASH))).toBe('PROXMESH_ERR_RESUME');
    expect(existsSync(listCheckpoints(dir, 'sim')[0].file)).toBe(true); // refusing never deletes
  });

  it('maxRound picks the newest file at or below the common round', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxmesh-ckpt-'));
    for (const r of [10, 20]) write(dir, r);
    expect(loadNewestValid(dir, 'sim', HASH, { maxRound: 15 }).checkpoint.header.round).toBe(10);
  });
});

function mkdirAll(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
