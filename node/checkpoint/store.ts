/**
 * Checkpoint files on disk: <run folder>/checkpoints/<stream>-r<round, 12 digits>.ckpt, where the
 * stream is 'sim', 'node-<id>' or 'coordinator'. Writes are atomic (temp file, fsync, rename, fsync
 * of the folder), so a crash at any instant leaves either the previous set or the new file complete;
 * a leftover *.tmp is ignored and removed by the next write. The newest `keep` files of a stream are
 * kept (default 2: if the newest is damaged, the one before it still resumes the run).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { ProxmeshError } from '../errors.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointHeader } from './format.ts';
import type { StateEntry } from './state-registry.ts';

export const CHECKPOINT_DIR = 'checkpoints';
export const DEFAULT_KEEP = 2;

export function checkpointDir(runDir: string): string {
  return join(runDir, CHECKPOINT_DIR);
}

export function checkpointFileName(stream: string, round: number): string {
  return `${stream}-r${String(round).padStart(12, '0')}.ckpt`;
}

export interface CheckpointFile {
  readonly file: string;
  readonly round: number;
}

/** The stream's checkpoint files, newest round first (by file name; contents are checked on load). */
export function listCheckpoints(runDir: string, stream: string): CheckpointFile[] {
  const dir = checkpointDir(runDir);
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${stream.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-r(\\d{12})\\.ckpt$`);
  const out: CheckpointFile[] = [];
  for (const name of readdirSync(dir)) {
    const m = re.exec(name);
    if (m !== null) out.push({ file: join(dir, name), round: Number(m[1]) });
  }
  return out.sort((a, b) => b.round - a.round);
}

function io<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `cannot write checkpoint ${what}: ${(err as Error).message}`, { file: what });
  }
}

export interface WriteResult {
  readonly file: string;
  readonly bytes: number;
}

/**
 * Encodes `entries` NOW (they may be live views), writes the file atomically and prunes the
 * stream to its newest `keep` files.
 */
export function writeCheckpoint(
  runDir: string,
  stream: string,
  header: CheckpointHeader,
  entries: readonly StateEntry[],
  keep = DEFAULT_KEEP,
): WriteResult {
  if (!Number.isInteger(keep) || keep < 1)
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `writeCheckpoint: keep must be ≥ 1, got ${keep}`);
  const dir = checkpointDir(runDir);
  io(dir, () => mkdirSync(dir, { recursive: true }));
  const buf = encodeCheckpoint(header, entries);
  const file = join(dir, checkpointFileName(stream, header.round));
  const tmp = `${file}.tmp`;
  io(tmp, () => {
    const fd = openSync(tmp, 'w');
    try {
      let at = 0;
      while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
  io(file, () => renameSync(tmp, file));
  // fsync the folder so the rename itself survives a power cut (POSIX; a no-op where unsupported).
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* some platforms cannot open or fsync a directory; the rename is still atomic */
  }
  prune(runDir, stream, keep, tmp);
  return { file, bytes: buf.length };
}

/** Removes all but the newest `keep` files of the stream, and stray temp files but `tmpInFlight`. */
function prune(runDir: string, stream: string, keep: number, tmpInFlight: string): void {
  const dir = checkpointDir(runDir);
  for (const old of listCheckpoints(runDir, stream).slice(keep)) io(old.file, () => rmSync(old.file, { force: true }));
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${stream}-r`) && name.endsWith('.ckpt.tmp') && join(dir, name) !== tmpInFlight)
      rmSync(join(dir, name), { force: true });
  }
}

/** Removes the stream's files of rounds < `round` (a cluster node's files the coordinator no longer needs). */
export function pruneBefore(runDir: string, stream: string, round: number): void {
  for (const old of listCheckpoints(runDir, stream)) if (old.round < round) io(old.file, () => rmSync(old.file, { force: true }));
}

export interface AsyncWriteResult extends WriteResult {
  /** Milliseconds the caller was blocked: capture + encode + SHA-256 (the step loop's cost). */
  readonly blockingMs: number;
  /** Milliseconds from the encode to the durable rename (write, fsync, rename, fsync of the folder), off the step loop. */
  readonly durableMs: number;
}

/**
 * The same atomic write, with the I/O off the caller's thread: `write` encodes NOW (the entries are
 * live views) and hands the buffer to libuv's pool for write, fsync, rename and folder fsync, so the
 * steps go on while the disk works (fsync alone costs 1–200 ms on a loaded disk, docs/resume.md).
 * At most one write is in flight: `write` first waits for the previous one. `flush` waits for the
 * last; an I/O error surfaces there or at the next `write`. A crash mid-write leaves the previous
 * checkpoints intact and a *.tmp that the next write removes.
 */
export class CheckpointWriter {
  private pending: Promise<void> = Promise.resolve();
  private failed: unknown = null;
  private inFlight = false;

  /**
   * A write is on its way to disk. Its steps (open, write, fsync, rename, fsync) each complete in a
   * callback, so they advance only when the event loop turns: a caller whose loop never yields (the
   * one-thread simulator's steps resolve as microtasks) must yield while this is true, or the
   * checkpoint of round R would become durable only at the next write.
   */
  get busy(): boolean {
    return this.inFlight;
  }

  constructor(
    private readonly runDir: string,
    private readonly stream: string,
    private readonly keep = DEFAULT_KEEP,
    private readonly onWritten?: (r: AsyncWriteResult) => void,
  ) {
    if (!Number.isInteger(keep) || keep < 1)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `CheckpointWriter: keep must be ≥ 1, got ${keep}`);
  }

  async write(header: CheckpointHeader, capture: () => readonly StateEntry[]): Promise<void> {
    await this.flush();
    const t0 = performance.now();
    const buf = encodeCheckpoint(header, capture());
    const blockingMs = performance.now() - t0;
    const dir = checkpointDir(this.runDir);
    io(dir, () => mkdirSync(dir, { recursive: true }));
    const file = join(dir, checkpointFileName(this.stream, header.round));
    const tmp = `${file}.tmp`;
    this.inFlight = true;
    this.pending = (async () => {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(buf);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      try {
        const dh = await open(dir, 'r');
        try {
          await dh.sync();
        } finally {
          await dh.close();
        }
      } catch {
        /* a platform that cannot fsync a directory: the rename is still atomic */
      }
      prune(this.runDir, this.stream, this.keep, tmp);
      this.onWritten?.({ file, bytes: buf.length, blockingMs, durableMs: performance.now() - t0 });
    })()
      .catch((err: unknown) => {
        this.failed =
          err instanceof ProxmeshError
            ? err
            : new ProxmeshError('PROXMESH_ERR_IO', `cannot write checkpoint ${file}: ${(err as Error).message}`, { file });
      })
      .finally(() => {
        this.inFlight = false;
      });
  }

  /** Waits for the write in flight; rethrows its error. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.failed !== null) {
      const err = this.failed;
      this.failed = null;
      throw err;
    }
  }
}

/** Reads and verifies one file against the expected config hash. */
export function readCheckpoint(file: string, expectedHash: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_CHECKPOINT_CORRUPT', `checkpoint ${file} is unreadable: ${(err as Error).message}`, { file });
  }
  const ckpt = decodeCheckpoint(buf, file);
  if (ckpt.header.configHash !== expectedHash) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CHECKPOINT_CONFIG',
      `checkpoint ${file} was written for another config (hash ${ckpt.header.configHash.slice(0, 12)}…, this run's is ${expectedHash.slice(0, 12)}…); resume with the config.json of the run that wrote it`,
      { file, checkpointHash: ckpt.header.configHash, configHash: expectedHash },
    );
  }
  return ckpt;
}

export interface Loaded {
  readonly checkpoint: Checkpoint;
  readonly file: string;
  /** Newer checkpoints that were refused, newest first, each with its coded error. */
  readonly refused: readonly ProxmeshError[];
}

/**
 * The newest checkpoint of `stream` that decodes, verifies and matches `expectedHash`, optionally
 * at a round ≤ maxRound (the cluster's common round). Each refused newer file is reported in
 * `refused` so the caller can say it fell back. No usable file → PROXMESH_ERR_RESUME listing why.
 */
export function loadNewestValid(runDir: string, stream: string, expectedHash: string, opts: { maxRound?: number } = {}): Loaded {
  const files = listCheckpoints(runDir, stream).filter((f) => opts.maxRound === undefined || f.round <= opts.maxRound);
  if (files.length === 0) {
    throw new ProxmeshError(
      'PROXMESH_ERR_RESUME',
      `no checkpoint '${stream}' in ${checkpointDir(runDir)}; the run had checkpointEvery = 0 or stopped before its first checkpoint: start it again without --resume`,
      { dir: runDir, stream },
    );
  }
  const refused: ProxmeshError[] = [];
  for (const f of files) {
    try {
      return { checkpoint: readCheckpoint(f.file, expectedHash), file: f.file, refused };
    } catch (err) {
      if (
        !(err instanceof ProxmeshError) ||
        (err.code !== 'PROXMESH_ERR_CHECKPOINT_CORRUPT' && err.code !== 'PROXMESH_ERR_CHECKPOINT_CONFIG')
      )
        throw err;
      refused.push(err);
    }
  }
  const allConfig = refused.every((e) => e.code === 'PROXMESH_ERR_CHECKPOINT_CONFIG');
  throw new ProxmeshError(
    allConfig ? 'PROXMESH_ERR_CHECKPOINT_CONFIG' : 'PROXMESH_ERR_RESUME',
    `no usable checkpoint '${stream}' in ${checkpointDir(runDir)}: ${refused.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
    { dir: runDir, stream, refused: refused.map((e) => e.toJSON()) },
  );
}
