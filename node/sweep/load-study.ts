/**
 * Study file → resolved study: schema-checked (PROXMESH_ERR_CONFIG naming the key), base config
 * read (inline `base` or `baseFile` relative to the study file), axis paths checked against the
 * run-config schema (with suggestions), grid expanded, and EVERY cell's config validated by the real
 * loadConfig before anything runs (errors name the cell, its diff and the bad path).
 */
import { dirname, resolve } from 'node:path';
import { loadConfig, validateAgainst } from '../config/load.ts';
import { readConfigFile } from '../config/parse.ts';
import { resolveConfigPlugins } from '../plugins/config-hook.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { ProxmeshError } from '../errors.ts';
import { assertKnownPath, setPath } from './config-paths.ts';
import { axisGroups, canonicalJson, expandGrid, type AxisGroup, type GridCell } from './grid.ts';
import { StudySpecSchema, type StudySpec, type StudyTargets } from './spec.ts';

export interface PlannedCell extends GridCell {
  /** Folder of the cell's run, relative to the study folder: cells/<id>. */
  readonly dir: string;
  /** The resolved (defaulted, validated) run config of this cell. */
  readonly config: FrozenConfig;
}

export interface ResolvedStudy {
  readonly name: string;
  readonly description: string | null;
  /** Absolute path of the study file (null when given as an object). */
  readonly file: string | null;
  /** Absolute path of baseFile, or null for an inline base. */
  readonly baseFile: string | null;
  readonly base: Readonly<Record<string, unknown>>;
  readonly axes: Readonly<Record<string, readonly unknown[]>>;
  readonly zip: readonly (readonly string[])[];
  readonly seeds: readonly number[] | null;
  readonly targets: StudyTargets;
  readonly parallel: number | null;
  readonly groups: readonly AxisGroup[];
  readonly cells: readonly PlannedCell[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withPrefix(err: unknown, prefix: string, extra: Record<string, unknown> = {}): unknown {
  if (!(err instanceof ProxmeshError)) return err;
  return new ProxmeshError(err.code, `${prefix}${err.message}`, { ...(err.detail ?? {}), ...extra });
}

/** Parse + schema-check a study file or object (no grid, no cell validation). */
export function parseStudy(source: string | object): { spec: StudySpec; file: string | null } {
  const file = typeof source === 'string' ? resolve(source) : null;
  const raw = file !== null ? readConfigFile(file) : structuredClone(source);
  if (!isObject(raw))
    throw new ProxmeshError(
      'PROXMESH_ERR_CONFIG',
      `study ${file ?? ''}: must be a mapping (name, base|baseFile, axes, …)`.replace('  ', ' '),
      { path: '' },
    );
  try {
    return { spec: validateAgainst<StudySpec>(StudySpecSchema, raw), file };
  } catch (err) {
    throw withPrefix(err, `study ${file ?? '(object)'}: `);
  }
}

export interface LoadStudyOptions {
  /** Folder baseFile is relative to when the study is an object (default: the working directory). */
  readonly baseDir?: string;
}

export function loadStudy(source: string | object, opts: LoadStudyOptions = {}): ResolvedStudy {
  const { spec, file } = parseStudy(source);
  const where = `study ${file ?? spec.name}`;
  if ((spec.base === undefined) === (spec.baseFile === undefined)) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG', `${where}: give exactly one of base (inline run config) or baseFile (path)`, {
      path: spec.base ? '/baseFile' : '/base',
    });
  }
  let base: Record<string, unknown>;
  let baseFile: string | null = null;
  if (spec.baseFile !== undefined) {
    baseFile = resolve(file !== null ? dirname(file) : (opts.baseDir ?? process.cwd()), spec.baseFile);
    const raw = readConfigFile(baseFile);
    if (!isObject(raw))
      throw new ProxmeshError('PROXMESH_ERR_CONFIG', `${where}: baseFile ${baseFile} must hold a run config mapping`, {
        path: '/baseFile',
      });
    base = raw;
  } else {
    base = structuredClone(spec.base!);
  }
  // The base's plug-ins are loaded (relative to the base's file) before the axes are checked, so an
  // axis may name a plug-in's key; the cells then carry the resolved plug-in entries.
  const configDir = baseFile !== null ? dirname(baseFile) : file !== null ? dirname(file) : (opts.baseDir ?? process.cwd());
  resolveConfigPlugins(base, configDir, 'load');
  for (const path of Object.keys(spec.axes)) assertKnownPath(path, `${where}: axes`);
  for (const group of spec.zip ?? []) for (const p of group) assertKnownPath(p, `${where}: zip`);

  let groups: AxisGroup[];
  let grid: GridCell[];
  try {
    groups = axisGroups({ axes: spec.axes, zip: spec.zip, seeds: spec.seeds });
    grid = expandGrid(groups);
  } catch (err) {
    throw withPrefix(err, `${where}: `);
  }

  const cells: PlannedCell[] = [];
  const failures: { cell: GridCell; err: unknown }[] = [];
  for (const cell of grid) {
    try {
      const raw = structuredClone(base);
      for (const [p, v] of Object.entries(cell.diff)) setPath(raw, p, v);
      cells.push({ ...cell, dir: `cells/${cell.id}`, config: loadConfig(raw, { baseDir: configDir }) });
    } catch (err) {
      failures.push({ cell, err });
    }
  }
  if (failures.length > 0) {
    const { cell, err } = failures[0];
    const more = failures.length > 1 ? `\n(${failures.length} of ${grid.length} cells are invalid; the first is shown)` : '';
    const diffText = Object.entries(cell.diff)
      .map(([p, v]) => `${p}=${canonicalJson(v)}`)
      .join(', ');
    const wrapped = withPrefix(err, `${where}: cell ${cell.id} (${diffText || 'base'}): `, {
      cell: cell.id,
      diff: cell.diff,
      invalidCells: failures.length,
    });
    if (wrapped instanceof ProxmeshError) throw new ProxmeshError(wrapped.code, wrapped.message + more, { ...wrapped.detail });
    throw wrapped;
  }
  return {
    name: spec.name,
    description: spec.description ?? null,
    file,
    baseFile,
    base,
    axes: spec.axes,
    zip: spec.zip ?? [],
    seeds: spec.seeds ?? null,
    targets: spec.targets ?? {},
    parallel: spec.parallel ?? null,
    groups,
    cells,
  };
}
