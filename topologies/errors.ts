/**
 * Error constructors for the topologies module: every user-caused problem with a graph or its
 * parameters is PROXMESH_ERR_TOPOLOGY; every problem with a mixing matrix W is PROXMESH_ERR_MIXING.
 */
import { ProxmeshError } from '../node/errors.ts';

export function topologyError(message: string, detail?: Record<string, unknown>): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_TOPOLOGY', message, detail);
}

export function mixingError(message: string, detail?: Record<string, unknown>): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_MIXING', message, detail);
}
