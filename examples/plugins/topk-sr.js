/**
 * A compressor plug-in: top-k with stochastic rounding of the kept values (an example of
 * `proxmesh.registerCompressor`; docs/api.md, "Plug-ins").
 *
 * Per block t (each layer of the model with scope 'layer', or the whole vector with 'global'):
 *   S_t = the k_t = max(1, floor(ratio · d_t)) coordinates of largest |x_j| (ties: lower index);
 *   each kept x_j is sent as float32, rounded stochastically to one of its two float32 neighbours
 *   lo ≤ x_j ≤ hi:  hi with probability (x_j − lo)/(hi − lo), else lo, so E[value] = x_j.
 * Every other coordinate decodes to 0. The uniform draws come from the compressor's own seeded Rng
 * (one stream per node and channel), so the simulator and a cluster send the same bits.
 *
 * Contraction: E‖x − Q(x)‖² = Σ_{j∉S} x_j² + Σ_{j∈S} Var_j with Var_j ≤ (hi − lo)²/4 ≤ 2⁻⁴⁸ x_j²
 * for x_j in float32's normal range, hence α² = 1 − (1 − 2⁻⁴⁸) · min_t k_t/d_t.
 * Values beyond float32's range (|x_j| > 3.4·10³⁸) are refused.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float32 next to f (a float32 value) towards +∞ (up = true) or −∞. */
function nextF32(f, up) {
  if (f === 0) return up ? 1.401298464324817e-45 : -1.401298464324817e-45;
  F32[0] = f;
  // Away from zero is +1 on the bit pattern for either sign; towards zero is −1.
  U32[0] += f > 0 === up ? 1 : -1;
  return F32[0];
}

/** Stochastic rounding of v to float32 with u uniform in [0, 1). */
function roundStochastic(v, u) {
  const f = Math.fround(v);
  if (f === v) return f;
  if (!Number.isFinite(f)) throw new RangeError(`topk-sr: value ${v} is outside float32's range`);
  const lo = f < v ? f : nextF32(f, false);
  const hi = f < v ? nextF32(f, true) : f;
  return u < (v - lo) / (hi - lo) ? hi : lo;
}

/** Ascending indices of the k largest |x_j| in x[off, off + d) (ties: lower index). */
function topIndices(x, off, d, k) {
  const order = Array.from({ length: d }, (_, j) => off + j);
  order.sort((a, b) => Math.abs(x[b]) - Math.abs(x[a]) || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

function createTopkSr(spec, layers, rng, decodeMessage) {
  const dim = layers.reduce((s, l) => Math.max(s, l.offset + l.length), 0);
  const blocks =
    spec.scope === 'global'
      ? [{ offset: 0, length: dim }]
      : layers.filter((l) => l.length > 0).map((l) => ({ offset: l.offset, length: l.length }));
  const counts = blocks.map((b) => Math.max(1, Math.floor(spec.ratio * b.length)));
  const minFrac = Math.min(...blocks.map((b, t) => counts[t] / b.length));
  const nnz = counts.reduce((s, k) => s + k, 0);
  return {
    info: {
      name: `topk-sr(ratio=${spec.ratio},scope=${spec.scope})`,
      alpha2: 1 - (1 - 2 ** -48) * minFrac,
      unbiased: false,
      omega: null,
      random: true,
    },
    compress(x, decoded) {
      const indices = new Uint32Array(nnz);
      const data = new Float64Array(nnz);
      let at = 0;
      blocks.forEach((b, t) => {
        for (const j of topIndices(x, b.offset, b.length, counts[t])) {
          indices[at] = j;
          data[at] = roundStochastic(x[j], rng.next());
          at++;
        }
      });
      const message = { dim, indices, values: { kind: 'float', precision: 'f32', data } };
      // The receiver's decoder writes the sender's reference copy: the two are equal bit for bit.
      decodeMessage(message, decoded);
      return message;
    },
  };
}

export default function register(proxmesh) {
  const { Type } = proxmesh;
  proxmesh.registerCompressor(
    'topk-sr',
    (spec, layers, rng) => createTopkSr(spec, layers, rng, proxmesh.lib.decodeMessage),
    Type.Object({
      ratio: Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.1,
        description: 'Fraction kept per block: k_t = max(1, floor(ratio · d_t)).',
      }),
      scope: Type.Union([Type.Literal('layer'), Type.Literal('global')], {
        default: 'layer',
        description: "'layer': one block per tensor of the model; 'global': one block over the whole vector.",
      }),
    }),
    {
      description:
        'Top-k sparsification with the kept values stochastically rounded to float32 (example plug-in, examples/plugins/topk-sr.js).',
    },
  );
}
