/**
 * What a plug-in's register(proxmesh) receives: the four register functions, TypeBox's `Type`
 * (for the key schemas) and the few numeric helpers an algorithm or compressor needs to stay
 * bit-identical between the simulator and a cluster (the same decoder and mixing kernel the
 * built-ins use). Handing these in, rather than having the plug-in import 'proxmesh', means a
 * plug-in always talks to the registries of the process that loads it, whether that process runs
 * from the compiled package or from the TypeScript sources.
 */
import { Type } from '@sinclair/typebox';
import { addMixed, mixInto } from '../algo/mix.ts';
import { rowAt } from '../algo/round-row.ts';
import { etaAt } from '../algo/step-size.ts';
import { addScaledMessage, decodeMessage } from '../compress/decode.ts';
import { ProxmeshError } from '../errors.ts';
import { registerAlgorithm, registerCompressor, registerModel, registerRegularizer } from './registry.ts';

export const PLUGIN_API_VERSION = 1;

export const pluginHostApi = Object.freeze({
  apiVersion: PLUGIN_API_VERSION,
  Type,
  registerAlgorithm,
  registerCompressor,
  registerModel,
  registerRegularizer,
  ProxmeshError,
  lib: Object.freeze({
    /** out ← decode(m): the receiver's dense view of a message, bit for bit the sender's. */
    decodeMessage,
    /** acc ← acc + w · decode(m). */
    addScaledMessage,
    /** out ← Σ_j w_ij decode(m_j) over a mixing row, in the row's id order. */
    mixInto,
    /** acc ← acc + Σ_j w_ij decode(m_j). */
    addMixed,
    /** The mixing row of round k (W_k under a time-varying topology, else ctx.peers). */
    rowAt,
    /** η_k of iteration k (constant η unless algorithm.etaSchedule is set). */
    etaAt,
  }),
});

export type PluginHostApi = typeof pluginHostApi;
