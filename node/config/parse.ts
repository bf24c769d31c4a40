/**
 * Config text → plain JSON value. YAML 1.2 (JSON is a subset, so .json files go through the same
 * parser and get line/column positions in errors too). Duplicate keys are errors.
 *
 * Hostile input (issue 16): every failure is PROXMESH_ERR_CONFIG_PARSE (exit 2, HTTP 400) — alias
 * bombs, undefined aliases and nesting too deep included — and its message names the source, the
 * line and the rule, never the text of the file (a config path may name any file, e.g.
 * /proc/self/environ). Only regular files are read, and at most MAX_CONFIG_BYTES of them.
 */
import { parseDocument } from 'yaml';
import { ProxmeshError } from '../errors.ts';
import { MAX_CONFIG_DEPTH } from '../limits/bounds.ts';
import { RegularFileError, readRegularFile } from '../limits/regular-file.ts';

/** A config (or a sweep study) is a few kilobytes; 4 MiB leaves room for generated ones. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Alias expansions allowed per document: enough for shared blocks, far too few for a bomb. */
const MAX_ALIAS_COUNT = 100;

export function readConfigFile(path: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, { maxBytes: MAX_CONFIG_BYTES });
  } catch (err) {
    const why = err instanceof RegularFileError ? err.message : 'cannot read';
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_PARSE', `config file ${path}: ${why}`, {
      path,
      rule: err instanceof RegularFileError ? err.rule : 'unreadable',
    });
  }
  return parseConfigText(bytes.toString('utf8'), path);
}

function parseError(source: string, where: string, reason: string, detail: Record<string, unknown> = {}): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_CONFIG_PARSE', `${source}: ${where}${reason}`, { source, ...detail });
}

/**
 * The yaml library's message without anything quoted from the text: its first line, cut before
 * " at line …" and before the first ": " (where it appends the offending alias, tag or token).
 */
export function yamlReason(message: string): string {
  const first = message.split('\n')[0] ?? '';
  const noPos = first.replace(/ at line \d+, column \d+:?.*$/, '');
  const cut = noPos.indexOf(': ');
  const reason = (cut >= 0 ? noPos.slice(0, cut) : noPos).trim();
  // Anything still carrying quotes or a long tail is replaced by a fixed word.
  return /["'`]/.test(reason) || reason.length > 120 ? 'invalid YAML' : reason;
}

export function parseConfigText(text: string, source = 'config'): unknown {
  let value: unknown;
  try {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
    const first = doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      const reason = /call stack/i.test(first.message)
        ? `nested deeper than the parser can follow (limit ${MAX_CONFIG_DEPTH} levels)`
        : yamlReason(first.message);
      throw parseError(source, where, `${reason} (${first.code})`, { line: pos?.line, column: pos?.col, rule: first.code });
    }
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ProxmeshError) throw err;
    // toJS throws plain errors for alias problems; a RangeError is the stack running out on nesting.
    const msg = (err as Error).message ?? '';
    if (err instanceof RangeError) throw parseError(source, '', `nested deeper than ${MAX_CONFIG_DEPTH} levels`, { rule: 'depth' });
    if (/alias count/i.test(msg))
      throw parseError(source, '', `aliases expand more than ${MAX_ALIAS_COUNT} times (an alias bomb?)`, { rule: 'alias-count' });
    if (/alias/i.test(msg))
      throw parseError(source, '', 'an alias (*name) refers to no anchor (&name) set before it', { rule: 'alias-undefined' });
    throw parseError(source, '', yamlReason(msg), { rule: 'yaml' });
  }
  assertConfigDepth(value, source);
  return value;
}

/**
 * Throws PROXMESH_ERR_CONFIG_PARSE when `value` nests deeper than MAX_CONFIG_DEPTH. Iterative, so
 * it cannot itself run out of stack; run before anything recursive (structuredClone, Ajv, freeze)
 * touches a posted config.
 */
export function assertConfigDepth(value: unknown, source = 'config'): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_CONFIG_DEPTH) throw parseError(source, '', `nested deeper than ${MAX_CONFIG_DEPTH} levels`, { rule: 'depth' });
    for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}
