/**
 * The config loader's plug-in step: a raw config's `plugins` list → loaded files and resolved refs
 * ({ path, sha256, provides }), written back into the raw config before schema validation. A
 * `plugins` value that is not an array is left for the schema to report.
 */
import { resolvePlugins } from './load.ts';

export function resolveConfigPlugins(raw: unknown, baseDir: string, mode: 'load' | 'loaded-only'): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
  const r = raw as { plugins?: unknown };
  if (!Array.isArray(r.plugins)) return;
  r.plugins = resolvePlugins(r.plugins, { baseDir, mode });
}
