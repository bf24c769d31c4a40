/**
 * Headless rendering: Vega-Lite spec → Vega → SVG string (View with renderer 'none', no DOM), and
 * SVG → PNG with resvg using the system fonts (the spec's font list names fonts found on Linux).
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** Render a Vega-Lite spec to a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Pixel density: 2 gives crisp figures for slides and papers. */
  scale?: number;
}

/** Rasterise an SVG to PNG bytes (white background). */
export function svgToPng(svg: string, opts: PngOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    background: 'white',
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
