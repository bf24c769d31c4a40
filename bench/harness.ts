/**
 * Measuring and reporting for the benches (stdlib-js / ws habits, STYLE.md habit 8): warm up, run
 * several timed repetitions of at least `minMs` each, report the MEDIAN time per call, and consume
 * every result into a sink so the JIT cannot drop the work. When two kernels are compared, their
 * repetitions are interleaved (A B A B …) so load from other processes on this shared machine hits
 * both alike, and the printed ratio is taken from the same run. Nothing here asserts on time.
 */
import { performance } from 'node:perf_hooks';

export interface BenchOptions {
  /** Short smoke run: fewer sizes, fewer and shorter repetitions. */
  readonly quick: boolean;
}

export interface TimingOptions {
  /** Repetitions; the median is reported. */
  readonly reps: number;
  /** Minimum wall time of one repetition (ms); a repetition runs whole calls until it is reached. */
  readonly minMs: number;
  /** Warm-up time before the first repetition (ms). */
  readonly warmMs: number;
}

export function timingFor(opts: BenchOptions): TimingOptions {
  return opts.quick ? { reps: 3, minMs: 20, warmMs: 20 } : { reps: 7, minMs: 120, warmMs: 150 };
}

/** A measured callable: returns a number that is summed into the sink. */
export type Work = () => number;

export interface Timing {
  /** Median seconds per call over the repetitions. */
  readonly secPerCall: number;
  /** Every repetition's seconds per call (sorted ascending). */
  readonly samples: readonly number[];
  /** Σ of every returned value (consumed; printed as a finiteness check). */
  readonly sink: number;
}

function median(sorted: readonly number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

interface Acc {
  sink: number;
  samples: number[];
}

function warm(fn: Work, ms: number, acc: Acc): void {
  const t0 = performance.now();
  do acc.sink += fn();
  while (performance.now() - t0 < ms);
}

function rep(fn: Work, ms: number, acc: Acc): void {
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    acc.sink += fn();
    calls++;
    t = performance.now();
  } while (t - t0 < ms);
  acc.samples.push((t - t0) / 1000 / calls);
}

/**
 * Times several callables side by side: warm-up of each, then `reps` rounds in which every
 * callable runs one repetition in turn. Returns one Timing per callable, in order.
 */
export function timeInterleaved(fns: readonly Work[], t: TimingOptions): Timing[] {
  const accs: Acc[] = fns.map(() => ({ sink: 0, samples: [] }));
  for (const [i, fn] of fns.entries()) warm(fn, t.warmMs, accs[i]);
  for (let r = 0; r < t.reps; r++) for (const [i, fn] of fns.entries()) rep(fn, t.minMs, accs[i]);
  return accs.map((a) => {
    const samples = a.samples.slice().sort((x, y) => x - y);
    return { secPerCall: median(samples), samples, sink: a.sink };
  });
}

export function time(fn: Work, t: TimingOptions): Timing {
  return timeInterleaved([fn], t)[0];
}

/** One printed table; `rows` hold raw numbers (written as-is to the JSON results). */
export interface Table {
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: readonly Record<string, number | string | null>[];
  /** Lines printed under the table. */
  readonly notes?: readonly string[];
}

export interface Column {
  readonly key: string;
  readonly label: string;
  /** Formats the raw value for printing (default: String). */
  readonly fmt?: (v: number | string | null) => string;
}

export interface BenchReport {
  readonly name: string;
  readonly tables: readonly Table[];
}

/** Fixed-significance number formatting: 3 significant digits, no exponent below 1e6. */
export function sig(v: number | string | null, digits = 3): string {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10 ** digits) return Math.round(v).toString();
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return v.toFixed(Math.min(decimals, 6));
}

export const fixed =
  (decimals: number) =>
  (v: number | string | null): string =>
    typeof v === 'number' ? v.toFixed(decimals) : sig(v);
export const int = (v: number | string | null): string => (typeof v === 'number' ? Math.round(v).toString() : sig(v));
export const ratio = (v: number | string | null): string => (typeof v === 'number' ? `${v.toFixed(3)}×` : sig(v));
export const pct = (v: number | string | null): string => (typeof v === 'number' ? `${(100 * v).toFixed(2)}%` : sig(v));

/** Renders a table as aligned text: first column left-aligned, the others right-aligned. */
export function renderTable(t: Table): string {
  const head = t.columns.map((c) => c.label);
  const body = t.rows.map((r) => t.columns.map((c) => (c.fmt ?? sig)(r[c.key] ?? null)));
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cells: string[]) => cells.map((s, j) => (j === 0 ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join('  ');
  const out = [`## ${t.title}`, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  for (const n of t.notes ?? []) out.push(`  ${n}`);
  return out.join('\n');
}

/** "ok" when the sink is finite (the work was done and produced numbers), else its value. */
export function sinkCheck(...sinks: number[]): string {
  const s = sinks.reduce((a, b) => a + b, 0);
  return Number.isFinite(s) ? 'ok' : String(s);
}
