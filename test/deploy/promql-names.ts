/**
 * Metric names in a PromQL expression, and the names a Prometheus text exposition defines — enough
 * PromQL to check dashboards against live scrapes (not a full parser: strings, label matchers, range
 * selectors, grouping clauses and function calls are removed; what remains as identifiers are metrics).
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
]);

export function metricNames(expr: string): string[] {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers (may hold $variables)
    .replace(/\[[^\]]*\]/g, ' ') // range / subquery selectors ($__rate_interval, 5m:1m)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+-?[0-9a-z_$]+/gi, ' ')
    .replace(/@\s*[0-9a-z_$().]+/gi, ' ');
  s = s.replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' '); // dashboard variables outside selectors
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    if (m[2]) continue; // function call
    if (KEYWORDS.has(m[1].toLowerCase())) continue;
    if (/^[0-9]/.test(m[1])) continue;
    names.add(m[1]);
  }
  return [...names];
}

/** Every series name a scrape defines: sample names, and for # TYPE'd histograms/summaries their parts. */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)/.exec(line);
    if (type) {
      names.add(type[1]);
      if (type[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(type[1] + s);
      if (type[2] === 'summary') for (const s of ['_sum', '_count']) names.add(type[1] + s);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return names;
}

/** Sample names with at least one value in the scrape (a series that really exists right now). */
export function sampledNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return names;
}
