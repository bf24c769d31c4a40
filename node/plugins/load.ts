/**
 * Loading plug-in files. A plug-in is an ES module whose default export is
 *   register(proxmesh): void
 * and which calls proxmesh.registerCompressor / registerAlgorithm / registerModel /
 * registerRegularizer. It is loaded synchronously (Node's require of an ES module, Node ≥ 20.19 /
 * ≥ 22.12), because `loadConfig` is synchronous and must see the plug-ins' schemas before it
 * validates the rest of the config. A plug-in therefore may not use top-level await.
 *
 * Each file is identified by its absolute path and the SHA-256 of its bytes; what it registered
 * (`kind:name`) is recorded beside them. Those three travel in the resolved config (plugins/spec.ts),
 * and every other process that runs the config loads the file and compares (PROXMESH_ERR_PLUGIN_MISMATCH).
 * The hash is of the bytes read just before the module is evaluated; a file rewritten between the
 * two reads is not detected (the next process that loads it will be).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { ProxmeshError } from '../errors.ts';
import { pluginHostApi } from './host-api.ts';
import { providedBy, withSource } from './registry.ts';
import type { PluginRef } from './spec.ts';

const requireFrom = createRequire(import.meta.url);

/** Files loaded by this process: path → what was loaded. */
const loaded = new Map<string, PluginRef>();

/** A plug-in file is source code: 1 MiB is far more than one needs, and bounds what is hashed. */
const MAX_PLUGIN_BYTES = 1024 * 1024;

function pluginError(path: string, rule: string, message: string, field?: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_PLUGIN', `plug-in ${path}: ${message}`, { plugin: path, rule, ...(field ? { field } : {}) });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readPlugin(path: string, field?: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw pluginError(
      path,
      'unreadable',
      code === 'ENOENT' ? 'no such file (paths in `plugins` are relative to the config file)' : `cannot read (${code ?? 'error'})`,
      field,
    );
  }
  if (bytes.length > MAX_PLUGIN_BYTES) throw pluginError(path, 'too-large', `larger than ${MAX_PLUGIN_BYTES} bytes`, field);
  return bytes;
}

/** The module's register function: its default export (an ES module, or module.exports of CommonJS). */
function registerFunctionOf(path: string, mod: unknown, field?: string): (api: typeof pluginHostApi) => unknown {
  const m = mod as { default?: unknown } | null;
  const fn = typeof m === 'function' ? m : m?.default;
  if (typeof fn !== 'function') {
    const names = m !== null && typeof m === 'object' ? Object.keys(m).filter((k) => k !== '__esModule') : [];
    throw pluginError(
      path,
      'export',
      `missing export: the default export must be a function register(proxmesh) (found ${names.length ? `exports ${names.join(', ')}` : 'no exports'}); write \`export default function register(proxmesh) { … }\``,
      field,
    );
  }
  return fn as (api: typeof pluginHostApi) => unknown;
}

/**
 * Loads one plug-in file (absolute path) once per process and returns what it is. A second call for
 * the same path returns the first load's record, after checking that the file on disk is unchanged.
 */
export function loadPluginFile(path: string, field?: string): PluginRef {
  if (!isAbsolute(path)) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `loadPluginFile needs an absolute path, got ${path}`);
  const bytes = readPlugin(path, field);
  const hash = sha256(bytes);
  const prior = loaded.get(path);
  if (prior !== undefined) {
    if (prior.sha256 !== hash) {
      throw new ProxmeshError(
        'PROXMESH_ERR_PLUGIN_MISMATCH',
        `plug-in ${path} changed since this process loaded it (SHA-256 ${prior.sha256.slice(0, 12)}… then, ${hash.slice(0, 12)}… now); restart to load the new version`,
        {
          plugin: path,
          expected: prior.sha256,
          got: hash,
          ...(field ? { field } : {}),
        },
      );
    }
    return prior;
  }
  let mod: unknown;
  try {
    mod = requireFrom(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_REQUIRE_ASYNC_MODULE')
      throw pluginError(
        path,
        'load',
        'uses top-level await, which a plug-in may not (it is loaded synchronously); move the awaited work into the factories',
        field,
      );
    if (e.code === 'ERR_REQUIRE_ESM')
      throw pluginError(path, 'load', 'this Node cannot load an ES module synchronously; use Node ≥ 20.19 or ≥ 22.12', field);
    throw pluginError(path, 'load', `threw while loading: ${e.name ?? 'Error'}: ${(e.message ?? String(err)).split('\n')[0]}`, field);
  }
  const register = registerFunctionOf(path, mod, field);
  try {
    withSource(path, () => {
      const out = register(pluginHostApi);
      if (out !== undefined && typeof (out as { then?: unknown }).then === 'function') {
        throw pluginError(path, 'register', 'register(proxmesh) returned a promise; it must register synchronously', field);
      }
    });
  } catch (err) {
    if (err instanceof ProxmeshError && (err.code === 'PROXMESH_ERR_PLUGIN' || err.code === 'PROXMESH_ERR_PLUGIN_MISMATCH')) throw err;
    const e = err as Error;
    throw pluginError(
      path,
      'register',
      `register(proxmesh) threw: ${e?.name ?? 'Error'}: ${(e?.message ?? String(err)).split('\n')[0]}`,
      field,
    );
  }
  const provides = providedBy(path);
  if (provides.length === 0)
    throw pluginError(
      path,
      'empty',
      'register(proxmesh) registered nothing; call proxmesh.registerCompressor/registerAlgorithm/registerModel/registerRegularizer',
      field,
    );
  const ref: PluginRef = { path, sha256: hash, provides };
  loaded.set(path, ref);
  return ref;
}

export interface ResolveOptions {
  /** Folder relative paths are resolved against (the config file's folder). */
  readonly baseDir: string;
  /**
   * 'load' (default): load files as needed. 'loaded-only': accept only files this process has
   * already loaded (a config posted over HTTP must not make the coordinator run code from a path
   * of the poster's choosing; the coordinator loads plug-ins from its own config only).
   */
  readonly mode?: 'load' | 'loaded-only';
  /**
   * Load each resolved entry from <dir>/<basename> instead of its recorded path (a cluster worker
   * whose plug-ins are mounted elsewhere: PROXMESH_PLUGIN_DIR). The hash must still match.
   */
  readonly dirOverride?: string | null;
}

function isRef(v: unknown): v is PluginRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as PluginRef).path === 'string' &&
    typeof (v as PluginRef).sha256 === 'string' &&
    Array.isArray((v as PluginRef).provides)
  );
}

/** A fresh copy: the records of `loaded` must never end up inside a config that is later frozen or edited. */
function copyRef(r: PluginRef): PluginRef {
  return { path: r.path, sha256: r.sha256, provides: [...r.provides] };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The config's `plugins` list → resolved refs, loading each file (in order: a later plug-in may
 * rely on nothing from an earlier one, but the order is kept so every process registers alike).
 * A resolved entry ({ path, sha256, provides }, from config.json or a coordinator) must match the
 * file this process loads: PROXMESH_ERR_PLUGIN_MISMATCH otherwise.
 */
export function resolvePlugins(list: readonly unknown[], opts: ResolveOptions): PluginRef[] {
  const mode = opts.mode ?? 'load';
  const out: PluginRef[] = [];
  list.forEach((entry, i) => {
    const field = `plugins[${i}]`;
    const given = typeof entry === 'string' ? entry : isRef(entry) ? entry.path : null;
    if (given === null)
      throw new ProxmeshError('PROXMESH_ERR_CONFIG', `config /plugins/${i}: must be a path string or { path, sha256, provides }`, {
        path: `/plugins/${i}`,
      });
    const declared = resolve(opts.baseDir, given);
    const path = isRef(entry) && opts.dirOverride ? join(resolve(opts.dirOverride), basename(declared)) : declared;
    let ref: PluginRef;
    if (mode === 'loaded-only') {
      const prior = loaded.get(path);
      if (prior === undefined) {
        throw new ProxmeshError(
          'PROXMESH_ERR_PATH_FORBIDDEN',
          `config /plugins/${i}: ${given} is not a plug-in this coordinator loaded; a config sent over HTTP may name only plug-ins the coordinator loaded at start (its --plugin or --config files)`,
          {
            path: `/plugins/${i}`,
            key: 'plugins',
          },
        );
      }
      ref = prior;
    } else {
      ref = loadPluginFile(path, field);
    }
    if (isRef(entry)) {
      if (entry.sha256 !== ref.sha256) {
        throw new ProxmeshError(
          'PROXMESH_ERR_PLUGIN_MISMATCH',
          `plug-in ${path}: SHA-256 ${ref.sha256.slice(0, 12)}… here, but the run was configured with ${entry.sha256.slice(0, 12)}… (${entry.path}); every process must load the same file`,
          {
            plugin: path,
            field,
            expected: entry.sha256,
            got: ref.sha256,
          },
        );
      }
      if (!sameList([...entry.provides].sort(), ref.provides)) {
        throw new ProxmeshError(
          'PROXMESH_ERR_PLUGIN_MISMATCH',
          `plug-in ${path} registered ${ref.provides.join(', ') || 'nothing'} here, but ${entry.provides.join(', ') || 'nothing'} where the run was configured`,
          {
            plugin: path,
            field,
            expected: entry.provides,
            got: ref.provides,
          },
        );
      }
      out.push(copyRef(entry));
    } else {
      out.push(copyRef(ref));
    }
  });
  return out;
}

/**
 * Loads (and checks) the plug-ins of an already resolved config: what a cluster worker, a sweep cell
 * or runSimulation does before building anything. A config without `plugins` is a no-op.
 */
export function ensureConfigPlugins(config: { readonly plugins?: readonly unknown[] }, opts: { dirOverride?: string | null } = {}): void {
  if (config.plugins === undefined || config.plugins.length === 0) return;
  resolvePlugins(config.plugins, { baseDir: process.cwd(), dirOverride: opts.dirOverride ?? null });
}

/** Plug-in files loaded by this process, in load order. */
export function loadedPlugins(): readonly PluginRef[] {
  return [...loaded.values()].map(copyRef);
}
