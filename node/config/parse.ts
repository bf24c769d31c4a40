/**
 * Config text → plain JSON value. YAML 1.2 (JSON is a subset, so .json files go through the same
 * parser and get line/column positions in errors too). Duplicate keys are errors.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ProxmeshError } from '../errors.ts';

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_PARSE', `cannot read config file ${path}: ${(err as Error).message}`, { path });
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, source = 'config'): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
    const reason = first.message.split('\n')[0];
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_PARSE', `${source}: ${where}: ${reason}`, {
      source,
      line: pos?.line,
      column: pos?.col,
    });
  }
  return doc.toJS({ maxAliasCount: 100 });
}
