/**
 * Checking a dataset file against catalog.ts: the reference SHA-256, or, for gzip files, the SHA-256
 * of the decompressed content (the same data in another gzip wrapper is the same data).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { DataFile, Identity } from '../problem/datasets/catalog.ts';

export type Match = 'reference' | 'content';

export interface CheckResult {
  /** Which identity matched, or null when none did. */
  readonly match: Match | null;
  /** SHA-256 of the bytes as stored. */
  readonly sha256: string;
  /** Why it does not match (for messages), when match is null. */
  readonly why?: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The SHA-256 of the gunzipped bytes, refusing output beyond the known size (so a corrupted or hostile
 * file cannot expand without bound), or a reason when the bytes are not a gzip of that size.
 */
export function contentHash(bytes: Uint8Array, content: Identity): { sha256: string } | { why: string } {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return { why: 'not a gzip file' };
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes, { maxOutputLength: content.bytes + 1 });
  } catch (e) {
    return { why: `gunzip failed (${(e as Error).message})` };
  }
  if (raw.length !== content.bytes) return { why: `decompresses to ${raw.length} bytes, expected ${content.bytes}` };
  return { sha256: sha256Hex(raw) };
}

/** Checks bytes against the file's reference identity, then its content identity. */
export function checkBytes(bytes: Uint8Array, f: DataFile): CheckResult {
  const sha256 = sha256Hex(bytes);
  if (sha256 === f.sha256 && bytes.length === f.bytes) return { match: 'reference', sha256 };
  if (f.content) {
    const c = contentHash(bytes, f.content);
    if ('sha256' in c && c.sha256 === f.content.sha256) return { match: 'content', sha256 };
    return { match: null, sha256, why: 'sha256' in c ? `content SHA-256 ${c.sha256}, expected ${f.content.sha256}` : c.why };
  }
  return { match: null, sha256, why: `SHA-256 ${sha256}, expected ${f.sha256}` };
}

export function checkFile(path: string, f: DataFile): CheckResult {
  return checkBytes(readFileSync(path), f);
}
