/**
 * What one cluster node's checkpoint holds (docs/resume.md "Cluster"), registered by name with the
 * same names the simulator uses for that node (sim-state.ts), so a node's checkpoint is the state
 * the simulator captures for it:
 *   node.<i>.algo.<field>   the algorithm's state record
 *   node.<i>.rng.*, node.<i>.sampler.*, node.<i>.compressX.*, node.<i>.compressY.*  (the context)
 * and, where the cluster keeps it instead of the simulator's network and coordinator:
 *   comm.<i>.*              the communicator's counters (payloadBytesSent is the report's bytesSent)
 *   loop.<i>.lossSum / lossCount   Σ minibatch losses since the node's previous report, and their count
 */
import type { NodeContext } from '../algo/types.ts';
import { ProxmeshError } from '../errors.ts';
import { registerRecord, type Stateful, type StateRegistrar } from '../checkpoint/state-registry.ts';

export interface NodeLoopState {
  getLossSum(): number;
  setLossSum(v: number): void;
  getLossCount(): number;
  setLossCount(v: number): void;
}

export interface NodeStateParts {
  readonly id: number;
  readonly ctx: NodeContext;
  readonly state: object;
  readonly comm: Stateful;
  readonly loop: NodeLoopState;
}

export function registerNodeState(reg: StateRegistrar, p: NodeStateParts): void {
  registerRecord(reg, `node.${p.id}.algo`, p.state);
  if (p.ctx.registerState === undefined)
    throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `node ${p.id}'s context cannot register its state`);
  p.ctx.registerState(reg, `node.${p.id}`);
  p.comm.registerState(reg, `comm.${p.id}`);
  reg.scalar(
    `loop.${p.id}.lossSum`,
    () => p.loop.getLossSum(),
    (v) => p.loop.setLossSum(v),
  );
  reg.scalar(
    `loop.${p.id}.lossCount`,
    () => p.loop.getLossCount(),
    (v) => p.loop.setLossCount(v),
  );
}

/** The checkpoint stream of node i ('node-<i>', files node-<i>-r<round>.ckpt). */
export function nodeStream(id: number): string {
  return `node-${id}`;
}

export const COORDINATOR_STREAM = 'coordinator';
