/** Public surface of the report module (the CLI's `proxmesh report` uses reportCommand). */
export { writeReport, reportCommand, type ReportOptions, type ReportResult, type ReportFigure, type ReportCommandOptions } from './report.ts';
export { readResultsFolder, readRunFolder, readStudyFolder, readMetrics, METRIC_KEYS, type MetricsRow, type RunFolder, type StudyFolder, type StudyCell } from './read.ts';
export { curveChartSpec, paretoSpec } from './charts.ts';
export { aggregateSeeds, groupBySeed, paretoData, studyCurves } from './aggregate.ts';
export { renderSvg, svgToPng } from './render.ts';
export { FIGURE_NAMES } from './figures.ts';
