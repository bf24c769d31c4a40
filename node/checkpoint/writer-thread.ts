/**
 * A checkpoint writer thread (store.ts CheckpointWriter; at most two per process, started on first
 * use). Each writer sends it one MessagePort; on that port come the writer's jobs (an unsealed
 * checkpoint in shared memory, and where it goes), and on it go the replies, one per job, in job
 * order. The thread seals the buffer (SHA-256) and writes it atomically with synchronous fs
 * (writeJobSync), so a checkpoint becomes durable while the caller's thread computes, whether or not
 * the caller's event loop turns.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, type MessagePort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import {
  checkpointDir,
  checkpointFileName,
  errorJson,
  type ThreadJob,
  type ThreadReply,
  wallMs,
  type WriterThreadData,
  writeJobSync,
} from './store.ts';

if (parentPort === null) throw new Error('writer-thread.ts runs as a worker thread (store.ts starts it)');

// Below the steps: on Linux a thread has its own nice value (setpriority on its thread id), and at
// +10 this one takes the CPU the caller's threads leave instead of preempting them when a job wakes
// it (on a busy 2-core machine it did, measured). Elsewhere, or if refused, it keeps the default.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  /* not Linux, or not allowed: the default priority */
}

parentPort.on('message', (m: { readonly port: MessagePort }) => {
  const port = m.port;
  port.on('message', (job: ThreadJob) => {
    // tests: hold the job until the gate opens (CheckpointWriterOptions.gate)
    if (job.gate !== null) while (Atomics.load(job.gate, 0) === 0) Atomics.wait(job.gate, 0, 0);
    let reply: ThreadReply;
    try {
      const buf = Buffer.from(job.memory, 0, job.length);
      writeJobSync({ runDir: job.runDir, stream: job.stream, keep: job.keep, round: job.round, buf, sealed: false });
      reply = { id: job.id, ok: true, durableAt: wallMs() };
    } catch (err) {
      reply = { id: job.id, ok: false, error: errorJson(err, join(checkpointDir(job.runDir), checkpointFileName(job.stream, job.round))) };
    }
    port.postMessage(reply);
  });
  // The writer was collected (or the port replaced): nothing more comes on it.
  port.on('close', () => port.removeAllListeners('message'));
});

// Loaded and listening: writers may post here now (until then they write on their own loop).
Atomics.store((workerData as WriterThreadData).ready, 0, 1);
