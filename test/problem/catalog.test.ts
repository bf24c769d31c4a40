import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, contentHash } from '../../node/data/check.ts';
import { CATALOG } from '../../node/problem/datasets/catalog.ts';
import { DATASET_NAMES } from '../../node/problem/datasets/names.ts';
import { REPO_DATA_DIR } from '../../node/problem/datasets/paths.ts';

const entries = DATASET_NAMES.map((n) => [n, CATALOG[n]] as const);
const files = entries.flatMap(([n, e]) => Object.values(e.files).map((f) => ({ name: n, shipped: e.shipped, ...f })));
// A full copy of the dataset folder with its SHA256SUMS (the shared folder), where there is one.
const shared = (process.env.PROXMESH_DATASETS_PATH ?? '').split(delimiter).find((d) => d && existsSync(join(d, 'SHA256SUMS')));

describe('dataset catalog', () => {
  it('lists every named dataset, each rel once', () => {
    expect(Object.keys(CATALOG).sort()).toEqual([...DATASET_NAMES].sort());
    expect(new Set(files.map((f) => f.rel)).size).toBe(files.length);
  });

  it('the shipped files are in data/ and match the reference SHA-256; the others are not shipped', () => {
    for (const f of files) {
      const p = join(REPO_DATA_DIR, f.rel);
      expect(existsSync(p), f.rel).toBe(f.shipped);
      if (f.shipped) expect(checkFile(p, f).match, f.rel).toBe('reference');
    }
  });

  it('sources are https and pinned to a commit or a release tag; plain-text and re-gzipped sources carry a content identity', () => {
    for (const f of files) {
      if (f.source === null) {
        expect(['ijcnn1', 'reuters'], f.rel).toContain(f.name); // bzip2 originals only
        continue;
      }
      expect(f.source.url, f.rel).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/([0-9a-f]{40}|\d+\.\d+\.\d+)\//);
      if (f.source.form !== 'same') expect(f.content, f.rel).toBeDefined();
    }
    for (const f of files) if (f.rel.endsWith('.gz')) expect(f.content, f.rel).toBeDefined();
  });

  it.skipIf(!shared)('matches the shared folder: the same files and SHA-256 as its SHA256SUMS, and every copy verifies', () => {
    const sums = readFileSync(join(shared!, 'SHA256SUMS'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    expect(Object.fromEntries(files.map((f) => [f.rel, f.sha256]))).toEqual(Object.fromEntries(sums.map(([h, rel]) => [rel, h])));
    for (const f of files) expect(checkFile(join(shared!, f.rel), f).match, f.rel).toBe('reference');
    // The content identities (what a re-gzipped or plain-text source is checked against).
    for (const f of files.filter((x) => x.content)) {
      expect(contentHash(readFileSync(join(shared!, f.rel)), f.content!), f.rel).toEqual({ sha256: f.content!.sha256 });
    }
  });
});
