/**
 * Reads the curves of one of the authors' matplotlib figure PDFs (yonggui-yan/DProxSGT,
 * figures/FMNIST_Lenet5.pdf or figures/Compress_FMNIST_Lenet5.pdf; get them with git from that
 * repository) and prints each curve's value at the given epochs:
 *
 *   node --import tsx examples/paper/read-authors-figure.ts FIGURE.pdf [1,2,3,5,10,20,100]
 *
 * docs/reproduction.md ("Initialisation and consensus error: findings") quotes its output. How:
 * inflate the page's content stream, collect the stroked polylines drawn inside each panel's clip
 * rectangle (the curves, ≥ 15 points), and map PDF coordinates to data through the panel's tick
 * marks and labels: x from the bottom ticks (epochs), y from the left ticks, linear where the labels
 * are numbers, log10 one decade per tick where they are mathtext 10^e (drawn as the glyphs 1, 0, |e|;
 * the minus sign is a path, so exponents before the tick labelled 0 are taken as negative). Curve
 * names come from the legend: a legend handle (a short stroked line) in the curve's colour followed by
 * its label. Values are linear interpolations between the drawn points, so they are exact to the width
 * of a line. A value outside the axes (matplotlib keeps such points) is marked '*'; one clipped at the
 * page edge is unknown beyond a bound and prints as '<bound' or '>bound'.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

interface Poly {
  color: string;
  pts: [number, number][];
  clip: number[] | null;
}
interface Text {
  x: number;
  y: number;
  s: string;
  minus?: boolean;
}

function pageContent(pdf: Buffer): string {
  const src = pdf.toString('latin1');
  let best = '';
  for (const m of src.matchAll(/<<([\s\S]*?)>>\s*stream\r?\n/g)) {
    if (!m[1].includes('FlateDecode')) continue;
    const start = m.index! + m[0].length;
    const end = src.indexOf('endstream', start);
    try {
      const text = inflateSync(pdf.subarray(start, end)).toString('latin1');
      if (text.includes(' re W n') && text.length > best.length) best = text;
    } catch {
      // not a zlib stream we need (fonts, images)
    }
  }
  if (best === '') throw new Error('no page content stream with clipped panels found');
  return best;
}

function parse(content: string): { polys: Poly[]; short: Poly[]; texts: Text[] } {
  const tokens = content.match(/\([^)]*\)|\/[^\s/[\]()<>{}%]+|[-+]?\d*\.?\d+|[A-Za-z*']+/g) ?? [];
  const polys: Poly[] = [];
  const short: Poly[] = [];
  const texts: Text[] = [];
  let stack: (number | string)[] = [];
  let color = '0,0,0';
  let paths: [number, number][][] = [];
  let rect: number[] | null = null;
  let clip: number[] | null = null;
  let td: [number, number] = [0, 0];
  const num = (i: number) => stack[stack.length - i] as number;
  for (const t of tokens) {
    if (/^[-+]?\d*\.?\d+$/.test(t)) {
      stack.push(Number(t));
      continue;
    }
    if (t[0] === '(' || t[0] === '/') {
      stack.push(t);
      continue;
    }
    switch (t) {
      case 'RG':
        color = [num(3), num(2), num(1)].map((v) => v.toFixed(3)).join(',');
        break;
      case 'G':
        color = [num(1), num(1), num(1)].map((v) => v.toFixed(3)).join(',');
        break;
      case 'm':
        paths.push([[num(2), num(1)]]);
        break;
      case 'l':
        paths[paths.length - 1]?.push([num(2), num(1)]);
        break;
      case 're':
        rect = [num(4), num(3), num(2), num(1)];
        break;
      case 'W':
        clip = rect;
        break;
      case 'Q':
        clip = null;
        break;
      case 'S':
      case 'B':
        for (const p of paths) (p.length >= 15 ? polys : short).push({ color, pts: p, clip });
        paths = [];
        break;
      case 'f':
      case 'n':
        paths = [];
        break;
      case 'Td':
        td = [num(2), num(1)];
        break;
      case 'Tj':
        texts.push({ x: td[0], y: td[1], s: String(stack[stack.length - 1]).slice(1, -1) });
        break;
      // mathtext draws the minus of 10^−e as a glyph XObject right after the exponent's text
      case 'Do':
        if (stack[stack.length - 1] === '/DejaVuSans-minus' && texts.length > 0) texts[texts.length - 1].minus = true;
        break;
    }
    stack = [];
  }
  return { polys, short, texts };
}

/** value = a + b·coord through two (coord, value) pairs. */
const line = (c0: number, v0: number, c1: number, v1: number) => (c: number) => v0 + ((c - c0) * (v1 - v0)) / (c1 - c0);

function main(): void {
  const [file, epochArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: read-authors-figure.ts FIGURE.pdf [epochs, comma-separated]');
  const epochs = (epochArg ?? '1,2,3,5,10,20,100').split(',').map(Number);
  const pdf = readFileSync(file);
  const box = /\/MediaBox\s*\[\s*[-\d.]+\s+[-\d.]+\s+[-\d.]+\s+([-\d.]+)\s*\]/.exec(pdf.toString('latin1'));
  if (!box) throw new Error('no /MediaBox in the PDF');
  const pageHeight = Number(box[1]);
  const { polys, short, texts } = parse(pageContent(pdf));
  const panels = [...new Map(polys.filter((p) => p.clip).map((p) => [p.clip!.join(','), p.clip!])).values()].sort((a, b) => a[0] - b[0]);
  // Legend: each label text follows its handle, a short stroked line in the curve's colour.
  const names = new Map<string, string>();
  const legendColors = short.filter(
    (p) => p.pts.length === 2 && p.pts[0][1] === p.pts[1][1] && p.pts[1][0] - p.pts[0][0] > 20 && new Set(p.color.split(',')).size > 1,
  ); // coloured, not the black frame or grey grid
  const legendTexts = texts.filter(
    (t) => /^[A-Za-z]/.test(t.s) && !['Epoch', 'Objective', 'Test Accuracy', 'Consensus Error'].includes(t.s),
  );
  legendColors.forEach((p, i) => {
    if (legendTexts[i] && !names.has(p.color)) names.set(p.color, legendTexts[i].s);
  });
  panels.forEach((clip, k) => {
    const [x0, y0, w, h] = clip;
    // Bottom ticks (vertical, hanging below y0) and their numeric labels, both left to right.
    const xt = short
      .filter(
        (p) =>
          p.pts.length === 2 &&
          p.pts[0][0] === p.pts[1][0] &&
          Math.abs(p.pts[0][1] - y0) < 1e-3 &&
          p.pts[0][1] - p.pts[1][1] > 3 &&
          p.pts[0][0] >= x0 - 1e-3 &&
          p.pts[0][0] <= x0 + w + 1e-3,
      )
      .map((p) => p.pts[0][0])
      .sort((a, b) => a - b);
    const xl = texts
      .filter((t) => /^\d+(\.\d+)?$/.test(t.s) && t.y < y0 - 20 && t.x > x0 - 40 && t.x < x0 + w)
      .sort((a, b) => a.x - b.x)
      .map((t) => Number(t.s));
    // Left ticks (horizontal, left of x0), bottom to top, and their labels.
    const yt = short
      .filter(
        (p) => p.pts.length === 2 && p.pts[0][1] === p.pts[1][1] && Math.abs(p.pts[0][0] - x0) < 1e-3 && p.pts[0][0] - p.pts[1][0] > 3,
      )
      .map((p) => p.pts[0][1])
      .sort((a, b) => a - b);
    const yl = texts
      .filter((t) => /^\d+(\.\d+)?$/.test(t.s) && t.x < x0 - 5 && t.x > x0 - 120 && t.y > y0 - 20 && t.y < y0 + h)
      .sort((a, b) => a.y - b.y)
      .map((t) => Number(t.s));
    const xmap = line(xt[0], xl[0], xt[xt.length - 1], xl[xl.length - 1]);
    const log = yl.length !== yt.length;
    let ymap: (c: number) => number;
    if (!log) ymap = line(yt[0], yl[0], yt[yt.length - 1], yl[yl.length - 1]);
    else {
      // Mathtext labels 10^e: the third glyph of each label is |e| (A: 4 3 2 1 0; B: 4 3 2 1 0 1).
      // The exponent glyph sits raised (Td y ≈ 11.5) after the '1' and '0' of each label.
      const exps = texts.filter((t) => t.y > 11 && t.y < 12 && t.x > 19 && t.x < 38).slice(0, yt.length);
      const e0 = (exps[0].minus ? -1 : 1) * Number(exps[0].s);
      ymap = (c) => 10 ** (e0 + (c - yt[0]) / ((yt[yt.length - 1] - yt[0]) / (yt.length - 1)));
    }
    const fmt = (v: number) => (log ? v.toExponential(2) : v.toFixed(3));
    const ymin = ymap(y0);
    const ymax = ymap(y0 + h);
    for (const p of polys.filter((q) => q.clip === clip || q.clip?.join(',') === clip.join(','))) {
      const pts = p.pts.map(([x, y]) => [xmap(x), y] as [number, number]);
      const cells = epochs.map((e) => {
        for (let i = 1; i < pts.length; i++) {
          const [xa, ya] = pts[i - 1];
          const [xb, yb] = pts[i];
          if (xa - 1e-6 <= e && e <= xb + 1e-6) {
            const y = xb > xa ? ya + ((yb - ya) * (e - xa)) / (xb - xa) : ya;
            // matplotlib keeps points outside the axes but clips paths at the page edge: there the
            // value is unknown beyond the bound.
            if (y <= 0) return `<${fmt(ymap(0))}`;
            if (y >= pageHeight) return `>${fmt(ymap(pageHeight))}`;
            const v = ymap(y);
            return fmt(v) + (v < ymin || v > ymax ? '*' : '');
          }
        }
        // Before the first drawn point: the path entered the page from its edge there, so the value
        // at e lies beyond that edge's bound.
        if (pts.length > 0 && e < pts[0][0]) {
          if (pts[0][1] <= 0) return `<${fmt(ymap(0))}`;
          if (pts[0][1] >= pageHeight) return `>${fmt(ymap(pageHeight))}`;
        }
        return '-';
      });
      console.log(
        `panel ${k + 1}${log ? ' (log)' : ''}  ${(names.get(p.color) ?? p.color).padEnd(10)} ${epochs.map((e, i) => `${e}:${cells[i]}`).join('  ')}`,
      );
    }
  });
}

main();
