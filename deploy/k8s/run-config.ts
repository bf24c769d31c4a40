/**
 * The run config mounted into the coordinator (ConfigMap): the shipped example with topology.nodes
 * set to the cluster size. The YAML document is edited in place (comments kept), then validated with
 * the project's own schema, and the node count n is taken from the built graph — the StatefulSet's
 * replicas must equal that n or the run waits for workers that never come.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { buildRunTopology } from '../../node/assemble/assemble.ts';

/** The example the manifests ship with (the same job as `npm start`). */
export const EXAMPLE_CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'a9a-cdproxsgt-ring8.yaml');

export interface RunConfigText {
  /** YAML text for the ConfigMap. */
  readonly text: string;
  /** Node count n of the config's graph (= worker replicas). */
  readonly nodes: number;
}

/** The example config with topology.nodes = nodes; throws PROXMESH_ERR_USAGE / _CONFIG / _TOPOLOGY on a bad count. */
export function runConfigFor(nodes: number, source: string = readFileSync(EXAMPLE_CONFIG, 'utf8')): RunConfigText {
  if (!Number.isSafeInteger(nodes) || nodes < 1)
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `--nodes must be an integer ≥ 1 (got ${nodes})`);
  const doc = parseDocument(source);
  if (doc.errors.length) throw new ProxmeshError('PROXMESH_ERR_CONFIG_PARSE', `example config: ${doc.errors[0].message}`);
  doc.setIn(['topology', 'nodes'], nodes);
  // The example's output.name names the local run folder; on Kubernetes the coordinator names runs itself.
  const text =
    `# Rendered by deploy/k8s/render.ts from examples/a9a-cdproxsgt-ring8.yaml with topology.nodes = ${nodes}.\n` +
    `# topology.nodes must equal the worker StatefulSet's replicas.\n${doc.toString({ lineWidth: 0 })}`;
  const n = buildRunTopology(loadConfig(doc.toJS() as object)).graph.n;
  if (n !== nodes) throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `the example's topology has ${n} nodes, not ${nodes}`);
  return { text, nodes: n };
}
