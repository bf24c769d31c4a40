import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProxmeshError } from '../../node/errors.ts';
import { reportCommand, writeReport } from '../../node/report/report.ts';
import { baseConfig, syntheticMetrics, tempDir, writeRunFolder, writeStudy } from './fixtures.ts';

const root = tempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the PNG's IHDR chunk (bytes 16..24, big-endian). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\bwidth="(\d+)"[^>]*\bheight="(\d+)"/.exec(svg);
  expect(m).not.toBeNull();
  return { width: Number(m?.[1]), height: Number(m?.[2]) };
}

/** No URL with a scheme anywhere: no external resource can be fetched when the page is opened. */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
}

describe('writeReport', () => {
  it('writes a self-contained HTML report with SVG and PNG figures for a run folder', async () => {
    const dir = writeRunFolder(join(root, 'run'), baseConfig(), syntheticMetrics({ seed: 5, bitsPerIter: 4000 }));
    const res = await writeReport(dir, { figures: ['objective-vs-bits', 'consensus-vs-iter'], pngScale: 1.5 });
    expect(res.htmlPath).toBe(join(dir, 'report', 'index.html'));
    expect(res.figures.map((f) => f.name)).toEqual(['objective-vs-bits', 'consensus-vs-iter']);
    for (const f of res.figures) {
      expect(f.svgPath).toBe(join(dir, 'report', `${f.name}.svg`));
      const svg = readFileSync(f.svgPath, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      const s = svgSize(svg);
      expect(s.width).toBeGreaterThan(400);
      expect(s.height).toBeGreaterThan(250);
      const p = pngSize(readFileSync(f.pngPath));
      expect(p.width).toBe(Math.round(s.width * 1.5));
      expect(p.height).toBe(Math.round(s.height * 1.5));
    }
    expect(readFileSync(res.figures[0].svgPath, 'utf8')).not.toContain('area mark'); // one seed: no band
    // The text is real text: axis titles reach the SVG.
    expect(readFileSync(res.figures[0].svgPath, 'utf8')).toContain('payload bits sent');
    const html = readFileSync(res.htmlPath, 'utf8');
    expectSelfContained(html);
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('<th>algorithm</th><td>cdproxsgt</td>');
    expect(html).toContain('<th>compressor Q_x</th><td>topk(0.1)</td>');
    expect(html).toContain('<th>wallSeconds</th><td>12.5</td>'); // summary.json at the top
    expect(html).toContain('<th>K</th><td>200</td>'); // final evaluation
    expect(html).toContain('href="objective-vs-bits.png"');
  });

  it('writes a 2-compressor × 2-seed study report with bands, Pareto and tables', async () => {
    const dir = writeStudy(join(root, 'study'));
    const out = join(root, 'study-report');
    const { stdout } = await reportCommand(dir, {
      out,
      groupBy: 'compressor',
      figures: ['objective-vs-bits', 'pareto'],
      json: true,
      pngScale: 1,
    });
    const res = JSON.parse(stdout) as { htmlPath: string; figures: { name: string; svgPath: string; pngPath: string }[] };
    expect(res.htmlPath).toBe(join(out, 'index.html'));
    expect(res.figures.map((f) => f.name)).toEqual(['objective-vs-bits', 'pareto']);
    for (const f of res.figures) {
      expect(existsSync(f.svgPath)).toBe(true);
      const p = pngSize(readFileSync(f.pngPath));
      expect(p).toEqual(svgSize(readFileSync(f.svgPath, 'utf8')));
    }
    const bitsSvg = readFileSync(res.figures[0].svgPath, 'utf8');
    expect(bitsSvg).toContain('topk(0.1)');
    expect(bitsSvg).toContain('qsgd(s=4)');
    expect(bitsSvg.match(/aria-roledescription="area mark"/g)).toHaveLength(2); // one min/max band per compressor
    const html = readFileSync(res.htmlPath, 'utf8');
    expectSelfContained(html);
    expect(html).toContain('<th>compressor Q_x</th><td>topk(0.1) | qsgd(s=4)</td>');
    expect(html).toContain('Seed groups: mean [min, max] over seeds');
    expect(html).toContain('<td>topk-s2</td>');
    // Two inline SVGs, and no id defined twice in the page (figures would steal each other's clip paths).
    expect(html.match(/<svg/g)).toHaveLength(2);
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(existsSync(join(dir, 'report'))).toBe(false);
  });

  it('prints one line per figure without --json', async () => {
    const dir = writeRunFolder(
      join(root, 'run-text'),
      baseConfig({ algorithm: 'dproxsgt' }),
      syntheticMetrics({ seed: 2, bitsPerIter: 9000 }),
    );
    const { stdout } = await reportCommand(dir, { figures: ['density-vs-iter'], pngScale: 1 });
    expect(stdout).toBe(
      `report: ${join(dir, 'report', 'index.html')}\n  density-vs-iter: ${join(dir, 'report', 'density-vs-iter.svg')}, ${join(dir, 'report', 'density-vs-iter.png')}\n`,
    );
    expect(readFileSync(join(dir, 'report', 'index.html'), 'utf8')).not.toContain('compressor Q_x');
  });

  it('rejects bad options and bad folders with their codes', async () => {
    const dir = writeRunFolder(join(root, 'run-bad'), baseConfig(), syntheticMetrics({ seed: 2, bitsPerIter: 1 }));
    const study = writeStudy(join(root, 'study-bad'));
    const cases: [Promise<unknown>, string, Record<string, unknown>][] = [
      [writeReport(dir, { figures: ['nope'] }), 'PROXMESH_ERR_USAGE', { figure: 'nope' }],
      [writeReport(dir, { pngScale: 0 }), 'PROXMESH_ERR_USAGE', { pngScale: 0 }],
      [writeReport(study, { groupBy: 'no.such.path' }), 'PROXMESH_ERR_USAGE', { groupBy: 'no.such.path' }],
      [writeReport(join(root, 'missing')), 'PROXMESH_ERR_NOT_FOUND', { dir: join(root, 'missing') }],
      // The output folder cannot be created under a regular file.
      [writeReport(dir, { out: join(dir, 'config.json', 'sub') }), 'PROXMESH_ERR_IO', { dir: join(dir, 'config.json', 'sub') }],
    ];
    for (const [p, code, detail] of cases) {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ProxmeshError);
      expect((err as ProxmeshError).code).toBe(code);
      expect((err as ProxmeshError).detail).toMatchObject(detail);
    }
  });
});
