/**
 * Checkpoint files on disk: <run folder>/checkpoints/<stream>-r<round, 12 digits>.ckpt, where the
 * stream is 'sim', 'node-<id>' or 'coordinator'. Writes are atomic (temp file, fsync, rename, fsync
 * of the folder), so a crash at any instant leaves either the previous set or the new file complete;
 * a leftover *.tmp is ignored and removed by the next write. The newest `keep` files of a stream are
 * kept (default 2: if the newest is damaged, the one before it still resumes the run).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { ProxmeshError, isErrorCode } from '../errors.ts';
import { threadEntryUrl } from '../runtime/child-entry.ts';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  encodedLength,
  encodeUnsealed,
  encodeUnsealedInto,
  sealCheckpoint,
  type Checkpoint,
  type CheckpointHeader,
} from './format.ts';
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

/** The names of the stream's checkpoint files: group 1 is the round. */
function streamPattern(stream: string): RegExp {
  return new RegExp(`^${stream.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-r(\\d{12})\\.ckpt$`);
}

/** The stream's checkpoint files, newest round first (by file name; contents are checked on load). */
export function listCheckpoints(runDir: string, stream: string): CheckpointFile[] {
  const dir = checkpointDir(runDir);
  if (!existsSync(dir)) return [];
  const re = streamPattern(stream);
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
  const buf = encodeCheckpoint(header, entries);
  return { file: writeJobSync({ runDir, stream, keep, round: header.round, buf, sealed: true }), bytes: buf.length };
}

/** One checkpoint on its way to disk: an encodeUnsealed buffer and where it goes. */
export interface WriteJob {
  readonly runDir: string;
  readonly stream: string;
  readonly keep: number;
  readonly round: number;
  /** exactly the file's bytes */
  readonly buf: Buffer;
  /** The buffer already carries its SHA-256 (sealCheckpoint); else the job seals it first. */
  readonly sealed: boolean;
}

/** The job's file and temp file. */
function jobFiles(job: WriteJob): { dir: string; file: string; tmp: string } {
  const dir = checkpointDir(job.runDir);
  const file = join(dir, checkpointFileName(job.stream, job.round));
  return { dir, file, tmp: `${file}.tmp` };
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * The atomic write of one checkpoint with synchronous fs: seal (SHA-256), temp file, write, fsync,
 * rename, fsync of the folder (created at the first write), then prune the stream to its newest
 * `keep`. The writer thread runs it (writer-thread.ts), where blocking is what it is for: one
 * system call after the other costs a fraction of the CPU of the same calls handed to libuv's pool.
 * Returns the file; every error is PROXMESH_ERR_IO naming the file it concerns.
 */
export function writeJobSync(job: WriteJob): string {
  const { dir, file, tmp } = jobFiles(job);
  const buf = job.sealed ? job.buf : sealCheckpoint(job.buf);
  io(tmp, () => {
    let fd: number;
    try {
      fd = openSync(tmp, 'w');
    } catch (err) {
      if (!isMissing(err)) throw err;
      mkdirSync(dir, { recursive: true });
      fd = openSync(tmp, 'w');
    }
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
  prune(job.runDir, job.stream, job.keep, tmp);
  return file;
}

/**
 * The same steps with async fs, for a writer without a thread: they run on the caller's event loop
 * (CheckpointWriter.needsTurns), the caller's steps going on between them.
 */
async function writeJobAsync(job: WriteJob): Promise<void> {
  const { dir, file, tmp } = jobFiles(job);
  try {
    const buf = job.sealed ? job.buf : sealCheckpoint(job.buf);
    const fh = await open(tmp, 'w').catch(async (err: unknown) => {
      if (!isMissing(err)) throw err;
      await mkdir(dir, { recursive: true });
      return open(tmp, 'w');
    });
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
    prune(job.runDir, job.stream, job.keep, tmp);
  } catch (err) {
    throw err instanceof ProxmeshError
      ? err
      : new ProxmeshError('PROXMESH_ERR_IO', `cannot write checkpoint ${file}: ${(err as Error).message}`, { file });
  }
}

/** Removes all but the newest `keep` files of the stream, and stray temp files but `tmpInFlight` (one listing). */
function prune(runDir: string, stream: string, keep: number, tmpInFlight: string): void {
  const dir = checkpointDir(runDir);
  const re = streamPattern(stream);
  const files: CheckpointFile[] = [];
  for (const name of readdirSync(dir)) {
    const m = re.exec(name);
    if (m !== null) files.push({ file: join(dir, name), round: Number(m[1]) });
    else if (name.startsWith(`${stream}-r`) && name.endsWith('.ckpt.tmp') && join(dir, name) !== tmpInFlight)
      rmSync(join(dir, name), { force: true });
  }
  if (files.length <= keep) return;
  files.sort((a, b) => b.round - a.round);
  for (const old of files.slice(keep)) io(old.file, () => rmSync(old.file, { force: true }));
}

/** Removes the stream's files of rounds < `round` (a cluster node's files the coordinator no longer needs). */
export function pruneBefore(runDir: string, stream: string, round: number): void {
  for (const old of listCheckpoints(runDir, stream)) if (old.round < round) io(old.file, () => rmSync(old.file, { force: true }));
}

export interface AsyncWriteResult extends WriteResult {
  /** Milliseconds the caller was blocked: capture + the copy into one buffer (the step loop's cost). */
  readonly blockingMs: number;
  /**
   * Milliseconds from the capture to the durable rename (SHA-256, write, fsync, rename, fsync of the
   * folder, prune), off the step loop.
   */
  readonly durableMs: number;
}

/** A job as posted to a writer thread. */
export interface ThreadJob {
  readonly id: number;
  readonly runDir: string;
  readonly stream: string;
  readonly keep: number;
  readonly round: number;
  /** the unsealed checkpoint in memory[0 … length): shared, so posted without a copy and nothing detached */
  readonly memory: SharedArrayBuffer;
  readonly length: number;
  /** CheckpointWriterOptions.gate */
  readonly gate: Int32Array | null;
}

/** The thread's answer, on the writer's own port, in job order. */
export type ThreadReply =
  | { readonly id: number; readonly ok: true; readonly durableAt: number }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string; readonly detail: Record<string, unknown> | null };
    };

/** An error as it crosses the thread boundary (a ProxmeshError keeps its code and detail). */
export function errorJson(err: unknown, file: string): { code: string; message: string; detail: Record<string, unknown> | null } {
  if (err instanceof ProxmeshError)
    return { code: err.code, message: err.message, detail: (err.detail as Record<string, unknown> | undefined) ?? null };
  return { code: 'PROXMESH_ERR_IO', message: `cannot write checkpoint ${file}: ${(err as Error).message}`, detail: { file } };
}

/** Absolute milliseconds, comparable across threads. */
export function wallMs(): number {
  return TIME_ORIGIN + performance.now();
}
const TIME_ORIGIN = performance.timeOrigin;

interface WriterThread {
  readonly worker: Worker;
  /** The writers with jobs in it, each with what to do if the thread dies. */
  readonly users: Set<(why: string) => void>;
  /** [0] = 1 once the thread has loaded and listens (it sets it; read without the event loop). */
  readonly ready: Int32Array;
}

/** What a writer thread gets as its workerData. */
export interface WriterThreadData {
  readonly ready: Int32Array;
}

/**
 * At most this many writer threads per process. One serves a process with one writer (the
 * simulator, a one-node worker, the coordinator); a block worker's nodes, which all write at the
 * same rounds, get a second, so two fsyncs overlap (libuv's pool overlapped up to 4, at about twice
 * the CPU per checkpoint).
 */
const MAX_THREADS = 2;
const threads: WriterThread[] = [];

/** undefined: not looked up yet; null: no thread here (a source run without the dev loader). */
let threadEntry: URL | null | undefined;

/**
 * writer-thread.js beside this module when compiled (and beside the cluster worker's one-file
 * bundle, which deploy/build/bundle-worker.mjs builds it next to), writer-thread.ts through the dev
 * loader from the sources, else null. A compiled file that is not there also gives null.
 */
function writerThreadEntry(): URL | null {
  if (threadEntry === undefined) {
    const url = threadEntryUrl(import.meta.url, 'writer-thread');
    threadEntry = url !== null && url.protocol === 'file:' && !existsSync(fileURLToPath(url)) ? null : url;
  }
  return threadEntry;
}

/** Whether checkpoints are written by a writer thread in this process (benches say which path they measured). */
export function checkpointThreadAvailable(): boolean {
  return writerThreadEntry() !== null;
}

/**
 * A writer thread for a writer with nothing in flight: an idle one, else a new one (up to
 * MAX_THREADS), else the least used; null where no thread can be started. Threads start on first
 * use and are unref'd: a thread never holds the process open by itself; a writer's port is ref'd
 * while that writer has jobs in it, so a process whose last act was a `write` stays until the
 * checkpoint is durable, and one with nothing in flight exits. A thread that dies fails the jobs in
 * it (PROXMESH_ERR_IO at the writers' next write or flush); the next write starts another.
 */
function pickThread(): WriterThread | null {
  const idle = threads.find((t) => t.users.size === 0);
  if (idle !== undefined) return idle;
  if (threads.length >= MAX_THREADS) return threads.reduce((a, b) => (b.users.size < a.users.size ? b : a));
  const entry = writerThreadEntry();
  if (entry === null) return null;
  const ready = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(entry, { workerData: { ready } satisfies WriterThreadData });
  worker.unref();
  const t: WriterThread = { worker, users: new Set(), ready };
  const lost = (why: string) => {
    const at = threads.indexOf(t);
    if (at >= 0) threads.splice(at, 1);
    const users = [...t.users];
    t.users.clear();
    for (const u of users) u(why);
  };
  worker.on('error', (err) => lost(`the checkpoint writer thread failed: ${err.message}`));
  worker.on('exit', (code) => lost(`the checkpoint writer thread exited (code ${code})`));
  threads.push(t);
  return t;
}

/**
 * Starts the process's first writer thread if none is there (a run calls it before its set-up, so
 * the thread has loaded by the first checkpoint); true once one has loaded. Checkpoints taken before
 * that are written on the caller's loop (CheckpointWriter.needsTurns).
 */
export function prestartCheckpointThread(): boolean {
  try {
    if (threads.length === 0) pickThread();
  } catch {
    /* it cannot be started here: checkpoints are written on the caller's loop */
  }
  return threads.some((t) => Atomics.load(t.ready, 0) === 1);
}

/**
 * Stops the writer threads now (tests: a thread that dies). Writers with checkpoints in them get
 * PROXMESH_ERR_IO at their next write or flush; the next write starts another thread. A process
 * never needs this to exit: the threads are unref'd.
 */
export async function terminateCheckpointThreads(): Promise<void> {
  await Promise.all(threads.map((t) => t.worker.terminate()));
}

/** A writer's ports to the threads are closed when the writer is collected (the thread then drops its end). */
const closeWhenCollected = new FinalizationRegistry<MessagePort>((port) => port.close());

interface Pending {
  readonly id: number;
  readonly round: number;
  readonly file: string;
  readonly bytes: number;
  /** wallMs() at the capture */
  readonly t0: number;
  blockingMs: number;
  /** the shared memory the thread writes from (given back once settled), or null on this thread */
  readonly memory: SharedArrayBuffer | null;
}

export interface CheckpointWriterOptions {
  /** Checkpoints not yet durable before `write` waits for the oldest (default 2, ≥ 1). */
  readonly queue?: number;
  /** false: do the I/O on the caller's thread even where a writer thread can be started (tests). */
  readonly thread?: boolean;
  /**
   * Tests only, writer thread only: a shared Int32Array; the thread holds each job until gate[0] ≠ 0
   * (Atomics.notify), so a test can keep checkpoints on their way (the queue bound, a thread that dies).
   */
  readonly gate?: Int32Array;
}

export const DEFAULT_QUEUE = 2;

/**
 * The same atomic write, off the caller's thread: `write` captures the entries NOW (they may be live
 * views) and copies them into one buffer of shared memory (encodeUnsealedInto), which is all the
 * caller waits for; the SHA-256, write, fsync, rename, folder fsync and prune run in a checkpoint
 * writer thread, a writer's checkpoints one after the other, durable without the caller's event loop
 * ever turning (fsync alone costs 1–200 ms on a loaded disk, docs/resume.md). Up to `queue`
 * checkpoints may be on their way; a `write` beyond that first waits for the oldest to be durable.
 * `flush` waits for all; an I/O error surfaces there or at the next `write` (PROXMESH_ERR_IO). A
 * crash mid-write leaves the previous checkpoints intact and a *.tmp that the next write removes.
 * `onWritten` is called once per checkpoint, in order, after it is durable: from the event loop, or
 * from `write`, `flush` or `busy`, which take the replies that have arrived.
 *
 * Where no thread can be started (a run from the TypeScript sources without the dev loader, or
 * `thread: false`), and while the thread is still loading, the same jobs run with async fs on the
 * caller's event loop: then `needsTurns` says the caller must let its loop turn for them to advance.
 * A writer moves between the two only with nothing in flight, so its checkpoints stay in order.
 */
export class CheckpointWriter {
  private readonly queue: number;
  private readonly useThread: boolean;
  private readonly gate: Int32Array | null;
  private readonly pending: Pending[] = [];
  /** shared memory of settled jobs, for the next ones (at most `queue`) */
  private readonly memory: SharedArrayBuffer[] = [];
  /** where a checkpoint is encoded before its copy into shared memory */
  private scratch: Buffer = Buffer.alloc(0);
  private failed: ProxmeshError | null = null;
  private waiters: (() => void)[] = [];
  private nextId = 1;
  /** this writer's port to each thread it has used; `current` is the one its pending jobs are in */
  private readonly ports = new Map<WriterThread, MessagePort>();
  private current: { readonly thread: WriterThread; readonly port: MessagePort } | null = null;
  /** jobs on this thread's event loop (no writer thread), in order */
  private inline: Promise<void> = Promise.resolve();
  private inlineCount = 0;
  private readonly lost = (why: string) => this.threadLost(why);

  constructor(
    private readonly runDir: string,
    private readonly stream: string,
    private readonly keep = DEFAULT_KEEP,
    private readonly onWritten?: (r: AsyncWriteResult) => void,
    opts: CheckpointWriterOptions = {},
  ) {
    if (!Number.isInteger(keep) || keep < 1)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `CheckpointWriter: keep must be ≥ 1, got ${keep}`);
    this.queue = opts.queue ?? DEFAULT_QUEUE;
    if (!Number.isInteger(this.queue) || this.queue < 1)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `CheckpointWriter: queue must be ≥ 1, got ${this.queue}`);
    this.useThread = opts.thread ?? true;
    this.gate = opts.gate ?? null;
    // Start a thread now, so it has loaded by the first checkpoint (until then they go on this loop).
    if (this.useThread) prestartCheckpointThread();
  }

  /**
   * A checkpoint is on its way to disk (not yet durable). Read synchronously: a caller whose loop
   * never yields sees it turn false once the thread has made the checkpoint durable.
   */
  get busy(): boolean {
    this.poll();
    return this.pending.length > 0;
  }

  /**
   * I/O in flight on the caller's own event loop (no writer thread): its steps complete in callbacks,
   * so a caller whose loop never yields (the one-thread simulator's steps resolve as microtasks) must
   * yield while this is true, or the checkpoint would become durable only at the next write.
   * Always false with a writer thread.
   */
  get needsTurns(): boolean {
    return this.inlineCount > 0;
  }

  async write(header: CheckpointHeader, capture: () => readonly StateEntry[]): Promise<void> {
    this.poll();
    this.rethrow();
    while (this.pending.length >= this.queue) {
      await this.settled();
      this.rethrow();
    }
    this.submit(header, capture);
  }

  /** Waits until every checkpoint written so far is durable; rethrows the first error. */
  async flush(): Promise<void> {
    this.poll();
    while (this.pending.length > 0) await this.settled();
    this.rethrow();
  }

  private submit(header: CheckpointHeader, capture: () => readonly StateEntry[]): void {
    const start = performance.now();
    const round = header.round;
    const file = join(checkpointDir(this.runDir), checkpointFileName(this.stream, round));
    // A writer's jobs go all to one thread or all to this loop while any is pending, so they settle in order.
    const port = this.useThread && this.inlineCount === 0 ? this.port() : null;
    const entries = capture();
    const length = encodedLength(entries);
    if (port !== null) {
      // Encoded in ordinary memory, then one copy into the shared memory: a few hundred small copies
      // into shared memory cost several times one large one (V8 takes a slower path for each).
      if (this.scratch.length < length) this.scratch = Buffer.alloc(length + (length >> 4) + 4096);
      encodeUnsealedInto(this.scratch, header, entries);
      const memory = this.takeMemory(length);
      new Uint8Array(memory, 0, length).set(this.scratch.subarray(0, length));
      const job: Pending = { id: this.nextId++, round, file, bytes: length, t0: TIME_ORIGIN + start, blockingMs: 0, memory };
      this.pending.push(job);
      port.ref();
      this.current!.thread.users.add(this.lost);
      const msg: ThreadJob = {
        id: job.id,
        runDir: this.runDir,
        stream: this.stream,
        keep: this.keep,
        round,
        memory,
        length,
        gate: this.gate,
      };
      port.postMessage(msg);
      job.blockingMs = performance.now() - start;
      return;
    }
    // On this thread the hash is the caller's cost too, so it is taken now, inside blockingMs.
    const buf = sealCheckpoint(encodeUnsealed(header, entries));
    const job: Pending = { id: this.nextId++, round, file, bytes: length, t0: TIME_ORIGIN + start, blockingMs: 0, memory: null };
    this.pending.push(job);
    this.inlineCount++;
    const w: WriteJob = { runDir: this.runDir, stream: this.stream, keep: this.keep, round, buf, sealed: true };
    this.inline = this.inline
      .then(() => writeJobAsync(w))
      .then(
        (): ThreadReply => ({ id: job.id, ok: true, durableAt: wallMs() }),
        (err: unknown): ThreadReply => ({ id: job.id, ok: false, error: errorJson(err, job.file) }),
      )
      .then((reply) => {
        this.inlineCount--;
        this.settle(reply);
      });
    job.blockingMs = performance.now() - start;
  }

  /**
   * The port the next job goes to: the current thread's while jobs are pending there, else a thread
   * picked anew (pickThread). Null where no thread can be started: the job runs on this loop.
   */
  private port(): MessagePort | null {
    if (this.current !== null && this.pending.length > 0) return this.current.port;
    let thread: WriterThread | null;
    try {
      thread = pickThread();
    } catch {
      thread = null; // a thread cannot be started here: the same jobs on this loop
    }
    // Not loaded yet (from the sources under the dev loader that takes seconds on a busy machine):
    // this one goes on this loop rather than waiting for it.
    if (thread === null || Atomics.load(thread.ready, 0) === 0) return null;
    let port = this.ports.get(thread);
    if (port === undefined) {
      const channel = new MessageChannel();
      port = channel.port1;
      thread.worker.postMessage({ port: channel.port2 }, [channel.port2]);
      // The port must not keep the writer alive (the FinalizationRegistry closes it when the writer goes).
      const self = new WeakRef(this);
      port.on('message', (reply: ThreadReply) => self.deref()?.settle(reply));
      port.unref();
      closeWhenCollected.register(this, port, port);
      this.ports.set(thread, port);
    }
    this.current = { thread, port };
    return port;
  }

  /**
   * Shared memory for the next checkpoint: one a settled job gave back (the thread is done with it)
   * when it is large enough, else a new one with room for the rows and files that grow between
   * checkpoints. Shared, so it is posted to the thread without a copy and without transferring
   * anything: one detached ArrayBuffer in a thread makes V8 check every typed-array access of that
   * thread for detachment from then on (~10 % on the simulator's steps, measured).
   */
  private takeMemory(length: number): SharedArrayBuffer {
    for (let m = this.memory.pop(); m !== undefined; m = this.memory.pop()) if (m.byteLength >= length) return m;
    return new SharedArrayBuffer(length + (length >> 4) + 4096);
  }

  /** Takes the thread's replies that have arrived, without waiting for the event loop. */
  private poll(): void {
    const port = this.current?.port;
    if (port === undefined) return;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) this.settle(m.message as ThreadReply);
  }

  private settle(reply: ThreadReply): void {
    const job = this.pending.shift();
    if (job === undefined || job.id !== reply.id) {
      this.failed ??= new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        `checkpoint writer: reply for job ${reply.id}, expected ${job?.id ?? 'none'}`,
      );
    } else if (reply.ok) {
      if (job.memory !== null && this.memory.length < this.queue) this.memory.push(job.memory);
      try {
        this.onWritten?.({ file: job.file, bytes: job.bytes, blockingMs: job.blockingMs, durableMs: reply.durableAt - job.t0 });
      } catch (err) {
        this.failed ??=
          err instanceof ProxmeshError
            ? err
            : new ProxmeshError('PROXMESH_ERR_IO', `checkpoint ${job.file}: ${(err as Error).message}`, { file: job.file });
      }
    } else {
      const e = reply.error;
      this.failed ??= new ProxmeshError(isErrorCode(e.code) ? e.code : 'PROXMESH_ERR_IO', e.message, e.detail ?? undefined);
    }
    if (this.pending.length === 0 && this.current !== null) {
      this.current.port.unref();
      this.current.thread.users.delete(this.lost);
    }
    this.wake();
  }

  /** The thread holding this writer's jobs died: they will never be durable. */
  private threadLost(why: string): void {
    const current = this.current;
    if (current === null) return;
    this.poll(); // replies that arrived before it died
    this.current = null;
    this.ports.delete(current.thread);
    closeWhenCollected.unregister(current.port);
    current.port.close();
    // (a writer's jobs are all in one thread or all on its own loop: submit never mixes them)
    const lost = this.pending.splice(0);
    if (lost.length > 0) {
      this.failed ??= new ProxmeshError(
        'PROXMESH_ERR_IO',
        `cannot write checkpoint ${lost[0].file}: ${why} before it was durable (rounds ${lost.map((j) => j.round).join(', ')} lost)`,
        { file: lost[0].file },
      );
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves at the next settled job (or thread loss). */
  private settled(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private rethrow(): void {
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
