/**
 * One HTTP(S) GET streamed into a file, hashed on the way, with a byte cap. Fetch errors and non-2xx
 * statuses become PROXMESH_ERR_DATASET_DOWNLOAD naming the URL. The caller owns the file (it is a
 * temporary path that the caller renames or removes).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ProxmeshError } from '../errors.ts';

export interface DownloadOptions {
  /** Refuse a body longer than this (the known size, or a bound on it). */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

export interface Downloaded {
  readonly sha256: string;
  readonly bytes: number;
}

function downloadError(url: string, what: string, detail: Record<string, unknown> = {}): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_DATASET_DOWNLOAD', `GET ${url}: ${what}`, { url, ...detail });
}

export async function downloadTo(url: string, file: string, opts: DownloadOptions): Promise<Downloaded> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw downloadError(url, `${(e as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw downloadError(url, `HTTP ${res.status} ${res.statusText}`.trim(), { status: res.status });
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes) {
        // More bytes than the file can have is a mismatch, whatever the rest would hash to.
        cb(
          new ProxmeshError(
            'PROXMESH_ERR_DATASET_CHECKSUM',
            `GET ${url}: body exceeds ${opts.maxBytes} bytes, larger than the file can be`,
            { url },
          ),
        );
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const out = createWriteStream(file);
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), meter, out);
  } catch (e) {
    // pipeline rejects at the first error, possibly while `out` is still opening the file. Its
    // open then completes after the caller has removed the file, and creates it again (a refused
    // download left a stray .part file in about 1 in 6 tries). So return only once `out` is closed.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    if (e instanceof ProxmeshError) throw e;
    throw downloadError(url, `transfer failed (${(e as Error).message})`);
  }
  return { sha256: hash.digest('hex'), bytes };
}
