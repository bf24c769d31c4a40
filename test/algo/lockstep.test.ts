import { describe, expect, it } from 'vitest';
import { dproxsgt } from '../../node/algo/dproxsgt.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import { createLockstep } from '../../node/sim/lockstep.ts';
import { makeQuadratics, quadraticOracle } from './fixtures/quadratic.ts';
import { ringW, rowsFromDense } from './fixtures/rows.ts';
import { buildNet, oneLayer, PARAMS, randomVectors } from './fixtures/network.ts';
import { IDENTITY } from './fixtures/compressors.ts';

const d = 4;
function setup() {
  const q = makeQuadratics({ n: 3, d, m: 5, seed: 1 });
  return buildNet({
    rows: rowsFromDense(ringW(3)),
    dim: d,
    oracles: [0, 1, 2].map((i) => quadraticOracle(q, i)),
    prox: proxFromSpec({ kind: 'none' })(oneLayer(d)),
    compressX: IDENTITY,
  });
}

describe('createLockstep', () => {
  it('steps all nodes, returns per-node losses and leaves no message in flight', async () => {
    const { contexts, net } = setup();
    const x0 = randomVectors(3, d, 2);
    const ls = createLockstep({ algorithm: dproxsgt(PARAMS), contexts, x0 });
    await ls.init();
    expect(ls.models().map((x) => Array.from(x))).toEqual(x0.map((x) => Array.from(x)));
    expect(ls.models()[0]).not.toBe(x0[0]); // init copies x⁰
    for (let k = 0; k < 3; k++) {
      const stats = await ls.step(k);
      expect(stats).toHaveLength(3);
      for (const s of stats) expect(Number.isFinite(s.loss) && s.loss > 0).toBe(true);
      expect(net.pending()).toBe(0);
    }
    expect(ls.states()).toHaveLength(3);
  });

  it('rejects misuse with PROXMESH_ERR_INTERNAL', async () => {
    const { contexts } = setup();
    const x0 = randomVectors(3, d, 2);
    const algorithm = dproxsgt(PARAMS);
    const code = { code: 'PROXMESH_ERR_INTERNAL' };
    expect(() => createLockstep({ algorithm, contexts: [], x0: [] })).toThrow(expect.objectContaining(code));
    expect(() => createLockstep({ algorithm, contexts, x0: x0.slice(1) })).toThrow(expect.objectContaining(code));
    expect(() => createLockstep({ algorithm, contexts: [contexts[1], contexts[0], contexts[2]], x0 })).toThrow(
      expect.objectContaining(code),
    );
    expect(() => createLockstep({ algorithm, contexts, x0: [x0[0], x0[1], new Float64Array(d + 1)] })).toThrow(
      expect.objectContaining(code),
    );
    const ls = createLockstep({ algorithm, contexts, x0 });
    await expect(ls.step(0)).rejects.toMatchObject(code);
    expect(() => ls.models()).toThrow(expect.objectContaining(code));
    await ls.init();
    await expect(ls.init()).rejects.toMatchObject(code);
    await expect(ls.step(1)).rejects.toMatchObject(code);
    await ls.step(0);
    await expect(ls.step(0)).rejects.toMatchObject(code);
  });
});
