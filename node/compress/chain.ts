/**
 * chain(A, B, …): A compresses x; B compresses A's carried values (a dense vector of length nnz_A
 * laid out per A's blocks, so a 'layer'-scoped B still works per tensor); indices compose
 * (I = I_A[I_B]); the values are the last step's. Allowed (validate.ts): every step but the last is
 * identity / topk / randk; the last may be any leaf — e.g. [topk, qsgd] = top-k indices with
 * QSGD-quantized values, [topk, sign], [randk, topk], [topk, identity{f16}].
 *
 * Declared bounds:
 * - unbiased iff every step is; then ω = Π(1 + ω_i) − 1 (E[B(a)|a] = a kills the cross term:
 *   E‖B(A(x)) − x‖² = E‖A(x) − x‖² + E‖B(a) − a‖² ≤ (ω_A + ω_B(1 + ω_A))‖x‖²).
 * - α² = 1 − Π(1 − α_i²) when every step but the last carries exact values (f64 top-k, unscaled
 *   rand-k, identity): then x − Q(x) splits into orthogonal parts off and on A's support,
 *   e = e_A + E‖a − B(a)‖² ≤ e_A + α_B²(‖x‖² − e_A) ≤ (1 − (1 − α_A²)(1 − α_B²))‖x‖², by induction.
 *   Otherwise α² is null (no bound claimed).
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { Message } from './types.ts';
import { ProxmeshError } from '../errors.ts';
import { type Built, type BuiltFactory, checkDims } from './internal.ts';
import { decodeMessage } from './decode.ts';

function composeIndices(outer: Uint32Array | null, inner: Uint32Array | null): Uint32Array | null {
  if (outer === null) return inner;
  if (inner === null) return outer;
  const out = new Uint32Array(inner.length);
  for (let c = 0; c < inner.length; c++) out[c] = outer[inner[c]];
  return out;
}

export function chainFactory(steps: readonly BuiltFactory[]): BuiltFactory {
  return (layers: LayerMap, rng: Rng): Built => {
    const built: Built[] = [];
    let current: LayerMap = layers;
    steps.forEach((f, i) => {
      const st = f(current, rng);
      built.push(st);
      if (i < steps.length - 1) {
        if (st.carried === null) {
          throw new ProxmeshError(
            'PROXMESH_ERR_COMPRESSOR',
            `chain step ${i} (${st.info.name}) produces integer levels and cannot be followed by another step`,
          );
        }
        current = st.carried;
      }
    });
    const dim = built[0].dim;
    const scratch = built.map((b) => new Float64Array(b.dim));
    const name = `chain(${built.map((b) => b.info.name).join(',')})`;
    const unbiased = built.every((b) => b.info.unbiased && b.info.omega !== null);
    const omega = unbiased ? built.reduce((acc, b) => acc * (1 + (b.info.omega as number)), 1) - 1 : null;
    const exactPrefix = built.slice(0, -1).every((b) => b.exactValues);
    const alpha2 =
      exactPrefix && built.every((b) => b.info.alpha2 !== null)
        ? 1 - built.reduce((acc, b) => acc * (1 - (b.info.alpha2 as number)), 1)
        : null;
    return {
      dim,
      carried: null,
      exactValues: false,
      info: { name, alpha2, unbiased, omega, random: built.some((b) => b.info.random) },
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        let m = built[0].compress(x, scratch[0]);
        let indices = m.indices;
        for (let i = 1; i < built.length; i++) {
          if (m.values.kind !== 'float') throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `${name}: step ${i - 1} returned levels`);
          m = built[i].compress(m.values.data, scratch[i]);
          indices = composeIndices(indices, m.indices);
        }
        const out: Message = { dim, indices, values: m.values };
        decodeMessage(out, decoded);
        return out;
      },
      registerState(reg, prefix) {
        for (const [i, b] of built.entries()) b.registerState?.(reg, `${prefix}.step${i}`);
      },
    };
  };
}
