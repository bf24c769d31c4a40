/**
 * The report page: one self-contained HTML file (inline CSS, inline SVG figures, no script, no
 * network), readable offline and attachable to an issue as is.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * Prepare a standalone SVG for inlining: drop the XML namespace declarations (HTML's parser puts
 * <svg> in the SVG namespace itself, and the page then names no URL at all) and prefix every id and
 * its references, because several figures in one page would otherwise share clip-path ids.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}

/** A two-column key/value table. */
export function keyValueTable(rows: readonly (readonly [string, string])[], caption?: string): string {
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<table class="kv">${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}\n${body}\n</table>`;
}

/** A table with a header row; cells are plain text (escaped), numeric-looking cells right-aligned. */
export function dataTable(header: readonly string[], rows: readonly (readonly string[])[], caption?: string): string {
  const num = (s: string): boolean => /^[-+]?[\d.]+(e[-+]?\d+)?$/i.test(s);
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td${num(c) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="data">${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

export interface HtmlFigure {
  name: string;
  title: string;
  svg: string;
  /** File names relative to index.html, offered as downloads. */
  svgFile: string;
  pngFile: string;
}

export interface HtmlPage {
  title: string;
  subtitle: string;
  /** Sections before the figures (config summary, summary figures), already HTML. */
  header: readonly string[];
  figures: readonly HtmlFigure[];
  /** Sections after the figures (results tables), already HTML. */
  footer: readonly string[];
}

const CSS = `
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 2px; }
.sub { color: #666; margin-top: 0; font-size: 13px; }
h2 { font-size: 17px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
.top { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
table { border-collapse: collapse; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
table.kv th { color: #555; font-weight: normal; }
table.data thead th { border-bottom: 2px solid #ccc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.figs { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; border: 1px solid #eee; padding: 8px; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #666; }
figcaption a { color: #36c; }
.scroll { overflow-x: auto; }
`;

export function buildHtml(page: HtmlPage): string {
  const figures = page.figures
    .map(
      (f, i) =>
        `<figure id="fig-${escapeHtml(f.name)}">\n${inlineSvg(f.svg, `f${i}`)}\n<figcaption>${escapeHtml(f.title)} — ` +
        `<a href="${escapeHtml(f.svgFile)}">SVG</a> · <a href="${escapeHtml(f.pngFile)}">PNG</a></figcaption>\n</figure>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p class="sub">${escapeHtml(page.subtitle)}</p>
<div class="top">
${page.header.join('\n')}
</div>
<h2>Figures</h2>
<div class="figs">
${figures}
</div>
${page.footer.map((s) => `<div class="scroll">${s}</div>`).join('\n')}
</body>
</html>
`;
}
