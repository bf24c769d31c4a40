/**
 * Reading a user-named file without trusting what it is (issue 16, "bounds before work"):
 * - only regular files: /dev/zero never ends and a FIFO blocks forever, so both are refused before a
 *   byte is read. The file is opened with O_NONBLOCK (opening a FIFO for reading would otherwise
 *   block until a writer appears) and checked with fstat on that same descriptor, so a path swapped
 *   between a stat and the open cannot slip a device in;
 * - a byte cap on the file, and on the gunzipped size: a 0.5 MB gzip can inflate to gigabytes, so
 *   zlib is stopped at the cap (`maxOutputLength`) instead of inflating everything first.
 * Errors carry a stable `rule` and never a byte of the file.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Default cap on a data or config file's (inflated) size: 256 MiB, or PROXMESH_MAX_FILE_BYTES. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

export function maxFileBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.PROXMESH_MAX_FILE_BYTES);
  return Number.isSafeInteger(v) && v > 0 ? v : DEFAULT_MAX_FILE_BYTES;
}

export type RegularFileRule = 'unreadable' | 'not-regular' | 'too-large' | 'inflates-too-large' | 'corrupt-gzip';

/** Why a file was refused; `message` is ours alone (never file content). */
export class RegularFileError extends Error {
  constructor(
    readonly rule: RegularFileRule,
    message: string,
  ) {
    super(message);
    this.name = 'RegularFileError';
  }
}

export interface ReadRegularOptions {
  /** Largest accepted size in bytes, before and (for gzip) after inflating. */
  readonly maxBytes?: number;
  /** Gunzip when the bytes start with the gzip magic 1f 8b (datasets); false for config files. */
  readonly gunzip?: boolean;
}

/** True when the bytes start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function readRegularFile(path: string, opts: ReadRegularOptions = {}): Buffer {
  const max = opts.maxBytes ?? maxFileBytesFromEnv();
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new RegularFileError('unreadable', `cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: Buffer;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new RegularFileError('not-regular', 'not a regular file (devices, FIFOs, sockets and folders are refused)');
    if (st.size > max)
      throw new RegularFileError('too-large', `file is ${st.size} bytes, over the limit of ${max} bytes (PROXMESH_MAX_FILE_BYTES)`);
    // Read to EOF but never past max + 1 bytes, whatever fstat said: a file growing while read and
    // /proc files (size 0, content generated on read) are bounded the same way.
    const chunks: Buffer[] = [];
    let got = 0;
    let chunk = Buffer.allocUnsafe(Math.min(Math.max(st.size + 1, 64 * 1024), max + 1));
    for (;;) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, max + 1 - got), null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      got += n;
      if (got > max) throw new RegularFileError('too-large', `file is over the limit of ${max} bytes (PROXMESH_MAX_FILE_BYTES)`);
      if (n === chunk.length) chunk = Buffer.allocUnsafe(chunk.length);
      else chunk = chunk.subarray(n);
    }
    raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, got);
  } catch (e) {
    if (e instanceof RegularFileError) throw e;
    throw new RegularFileError('unreadable', `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    closeSync(fd);
  }
  if (!opts.gunzip || !isGzip(raw)) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: max });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RegularFileError('inflates-too-large', `gzip data inflates past the limit of ${max} bytes (PROXMESH_MAX_FILE_BYTES)`);
    }
    throw new RegularFileError('corrupt-gzip', `corrupt gzip data (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
