/**
 * An algorithm plug-in: D-PSGD with heavy-ball momentum (an example of `proxmesh.registerAlgorithm`;
 * docs/api.md, "Plug-ins"). Per node i and iteration k, with mixing row w_i· of W (W_k under a
 * time-varying topology is not supported by plug-ins), step size η_k and momentum μ ∈ [0, 1):
 *   g_i^k     = ∇F_i(x_i^k; B_i^k)
 *   x_i^{k+1} = prox_{η_k r}( Σ_j w_ij x_j^k − η_k g_i^k + μ (x_i^k − x_i^{k−1}) ),   x_i^{−1} = x_i^0
 * μ = 0 is the built-in dpsgd exactly (same operations in the same order). Messages are x_i^k,
 * uncompressed (round k, phase 'x'); incoming messages are mixed in the row's id order, never in
 * arrival order, so the simulator and a cluster compute the same bits.
 */

function heavyBall(params, spec, lib) {
  const mu = spec.momentum;
  return {
    name: 'heavy-ball-dpsgd',
    pattern: 'graph',
    phases: ['x'],
    async init(ctx, x0) {
      const d = ctx.dim;
      return {
        x: Float64Array.from(x0),
        prev: Float64Array.from(x0),
        g: new Float64Array(d),
        mixed: new Float64Array(d),
        decoded: new Float64Array(d),
      };
    },
    async step(ctx, s, k) {
      const eta = lib.etaAt(params, k);
      const loss = ctx.oracle.gradient(s.x, ctx.oracle.nextBatch(), s.g);
      const msgs = await ctx.comm.exchange(k, 'x', ctx.compressX.compress(s.x, s.decoded));
      lib.mixInto(s.mixed, lib.rowAt(ctx, k), msgs);
      for (let j = 0; j < s.x.length; j++) {
        const v = s.mixed[j] - eta * s.g[j] + mu * (s.x[j] - s.prev[j]);
        s.prev[j] = s.x[j];
        s.mixed[j] = v;
      }
      ctx.prox.apply(s.mixed, eta, s.x);
      return { loss };
    },
    model: (s) => s.x,
    tracker: () => null,
    lastGradient: (s) => s.g,
  };
}

export default function register(proxmesh) {
  const { Type } = proxmesh;
  proxmesh.registerAlgorithm(
    'heavy-ball-dpsgd',
    (params, spec) => heavyBall(params, spec, proxmesh.lib),
    Type.Object({
      momentum: Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0.9,
        description: 'Heavy-ball momentum μ ∈ [0, 1); 0 gives plain D-PSGD.',
      }),
    }),
    {
      compressed: false,
      description: 'D-PSGD with heavy-ball momentum on the local iterate (example plug-in, examples/plugins/heavy-ball-dpsgd.js).',
    },
  );
}
