import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs } from '../../node/config/render-docs.ts';
import { CONFIG_DOCS_PATH } from '../../node/config/write-docs.ts';

describe('docs/config.md', () => {
  it('is up to date with the schema (run `npm run docs:config`)', () => {
    expect(readFileSync(CONFIG_DOCS_PATH, 'utf8')).toBe(renderConfigDocs());
  });

  it('documents every top-level key and the variant keys of unions', () => {
    const doc = renderConfigDocs();
    for (const key of [
      'seed',
      'iterations',
      'evalEvery',
      'batchSize',
      'algorithm.eta',
      'compression.x.ratio',
      'compression.y',
      'problem.dataset.path',
      'partition.alpha',
      'topology.weights',
      'init.perNode',
      'output.name',
    ]) {
      expect(doc).toContain(`| \`${key}\` |`);
    }
    expect(doc).toMatch(/\| `algorithm\.gammaX` \| {2}\| number > 0 and ≤ 1 \| `1` \|/);
  });
});
