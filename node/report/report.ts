/**
 * `proxmesh report <folder>`: read a run or study folder, build the figures, render each to SVG and
 * PNG, and write a self-contained report/index.html next to them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ProxmeshError } from '../errors.ts';
import { groupBySeed } from './aggregate.ts';
import { configSummary, getPath, summaryRows } from './describe.ts';
import { FIGURE_NAMES, runFigures, runLabel, studyFigures, type FigurePlan } from './figures.ts';
import { buildHtml, keyValueTable, type HtmlFigure } from './html.ts';
import { readResultsFolder, type RunFolder, type StudyFolder } from './read.ts';
import { renderSvg, svgToPng } from './render.ts';
import { finalRowTable, seedGroupsTable, studyCellsTable } from './tables.ts';

export interface ReportOptions {
  /** Output folder; default `<folder>/report`. */
  out?: string;
  /** Study only: colour curves by this axis: 'compressor', 'algorithm' or a config path ('topology.kind'). */
  groupBy?: string;
  /** Only these figures (names from FIGURE_NAMES); default all that have data. */
  figures?: readonly string[];
  /** PNG pixel density (default 2). */
  pngScale?: number;
}

export interface ReportFigure {
  name: string;
  svgPath: string;
  pngPath: string;
}

export interface ReportResult {
  htmlPath: string;
  figures: ReportFigure[];
}

function write(path: string, data: string | Buffer): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `cannot write ${path}: ${(err as Error).message}`, { file: path });
  }
}

function validateOptions(opts: ReportOptions): void {
  for (const name of opts.figures ?? []) {
    if (!FIGURE_NAMES.includes(name)) {
      throw new ProxmeshError('PROXMESH_ERR_USAGE', `unknown figure "${name}"; expected one of ${FIGURE_NAMES.join(', ')}`, {
        figure: name,
      });
    }
  }
  if (opts.pngScale !== undefined && !(opts.pngScale > 0 && opts.pngScale <= 8)) {
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `pngScale must be in (0, 8], got ${opts.pngScale}`, { pngScale: opts.pngScale });
  }
}

function checkGroupBy(study: StudyFolder, groupBy: string | undefined): void {
  if (groupBy === undefined || groupBy === 'compressor' || groupBy === 'algorithm') return;
  if (study.cells.every((c) => getPath(c.run.config, groupBy) === undefined)) {
    throw new ProxmeshError(
      'PROXMESH_ERR_USAGE',
      `--group-by "${groupBy}" names no config path of the study's cells (use compressor, algorithm or a path like topology.kind)`,
      { groupBy },
    );
  }
}

function runHeader(run: RunFolder): string[] {
  const out = [keyValueTable(configSummary(run.config), 'Configuration'), finalRowTable(run.metrics[run.metrics.length - 1])];
  const summary = summaryRows(run.summary);
  if (summary.length > 0) out.push(keyValueTable(summary, 'summary.json'));
  return out;
}

/** Config summary over all cells: a row whose value differs between cells lists the values. */
function studyHeader(study: StudyFolder): string[] {
  const merged = new Map<string, string[]>();
  for (const c of study.cells) {
    for (const [k, v] of configSummary(c.run.config)) {
      const vs = merged.get(k) ?? [];
      if (!vs.includes(v)) vs.push(v);
      merged.set(k, vs);
    }
  }
  const groups = groupBySeed(study.cells);
  const paths = [...new Set(study.cells.flatMap((c) => Object.keys(c.diff)))];
  const facts: [string, string][] = [
    ['cells', String(study.cells.length)],
    ['seed groups', String(groups.length)],
    ['seeds per group', [...new Set(groups.map((g) => g.members.length))].join(', ')],
    ['varied paths', paths.length > 0 ? paths.join(', ') : '—'],
    ['failed cells (not plotted)', study.failed.length > 0 ? study.failed.map((f) => f.cell).join(', ') : 'none'],
  ];
  return [
    keyValueTable(
      [...merged].map(([k, vs]) => [k, vs.join(' | ')] as const),
      'Configuration (| separates values that vary)',
    ),
    keyValueTable(facts, 'Study'),
  ];
}

async function renderFigures(
  plans: readonly FigurePlan[],
  outDir: string,
  scale: number,
): Promise<{ figs: ReportFigure[]; html: HtmlFigure[] }> {
  const figs: ReportFigure[] = [];
  const html: HtmlFigure[] = [];
  for (const p of plans) {
    const svg = await renderSvg(p.spec);
    const svgPath = join(outDir, `${p.name}.svg`);
    const pngPath = join(outDir, `${p.name}.png`);
    write(svgPath, svg);
    write(pngPath, svgToPng(svg, { scale }));
    figs.push({ name: p.name, svgPath, pngPath });
    html.push({ name: p.name, title: p.title, svg, svgFile: `${p.name}.svg`, pngFile: `${p.name}.png` });
  }
  return { figs, html };
}

/** Write `<out>/index.html` plus one SVG and one PNG per figure. */
export async function writeReport(folder: string, opts: ReportOptions = {}): Promise<ReportResult> {
  validateOptions(opts);
  const results = readResultsFolder(folder);
  const dir = results.kind === 'run' ? results.run.dir : results.study.dir;
  const outDir = resolve(opts.out ?? join(dir, 'report'));
  let plans: FigurePlan[];
  let header: string[];
  let footer: string[];
  let title: string;
  let subtitle: string;
  if (results.kind === 'run') {
    const { run } = results;
    plans = runFigures(run);
    header = runHeader(run);
    footer = [];
    title = `proxmesh run: ${runLabel(run)}`;
    subtitle = `${dir} — ${run.metrics.length} evaluations`;
  } else {
    const { study } = results;
    checkGroupBy(study, opts.groupBy);
    plans = studyFigures(study, { groupBy: opts.groupBy });
    // The per-seed-group finals (mean [min, max]) are the study's summary figures: shown at the top.
    const groups = seedGroupsTable(study);
    header = [...studyHeader(study), ...(groups !== '' ? [`<div class="scroll">${groups}</div>`] : [])];
    footer = [studyCellsTable(study)];
    title = `proxmesh study: ${basename(dir)}`;
    subtitle = `${dir} — ${study.cells.length} cells`;
  }
  if (opts.figures) plans = plans.filter((p) => opts.figures?.includes(p.name));
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_IO', `cannot create report folder ${outDir}: ${(err as Error).message}`, { dir: outDir });
  }
  const { figs, html } = await renderFigures(plans, outDir, opts.pngScale ?? 2);
  const htmlPath = join(outDir, 'index.html');
  write(htmlPath, buildHtml({ title, subtitle, header, figures: html, footer }));
  return { htmlPath, figures: figs };
}

export interface ReportCommandOptions extends ReportOptions {
  /** Machine output: the ReportResult as one JSON line. */
  json?: boolean;
}

/** The CLI's `report` command body: writes the report and returns what to print. */
export async function reportCommand(folder: string, opts: ReportCommandOptions = {}): Promise<{ stdout: string }> {
  const { json, ...rest } = opts;
  const result = await writeReport(folder, rest);
  if (json) return { stdout: `${JSON.stringify(result)}\n` };
  const lines = [`report: ${result.htmlPath}`, ...result.figures.map((f) => `  ${f.name}: ${f.svgPath}, ${f.pngPath}`)];
  return { stdout: `${lines.join('\n')}\n` };
}
