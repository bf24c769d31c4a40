import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DATA_DIR } from '../../node/problem/datasets/paths.ts';

/** Every shipped file and its sha256, parsed from data/README.md's table (so the table cannot drift). */
function tableRows(): Array<[string, string]> {
  const md = readFileSync(join(REPO_DATA_DIR, 'README.md'), 'utf8');
  const rows: Array<[string, string]> = [];
  for (const line of md.split('\n')) {
    const m = /^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$/.exec(line);
    if (m) rows.push([m[1], m[2]]);
  }
  return rows;
}

describe('data/ shipped files', () => {
  it('lists exactly the four shipped files', () => {
    expect(
      tableRows()
        .map((r) => r[0])
        .sort(),
    ).toEqual(['a9a/a9a.gz', 'a9a/a9a.t.gz', 'breast-cancer/breast_cancer.csv', 'digits/digits.csv.gz'].sort());
  });
  it.each(tableRows())('%s has the sha256 in data/README.md', (file, sha) => {
    const got = createHash('sha256')
      .update(readFileSync(join(REPO_DATA_DIR, file)))
      .digest('hex');
    expect(got).toBe(sha);
  });
});
