/**
 * The two example plug-ins (examples/plugins: topk-sr compressor, heavy-ball-dpsgd algorithm) run
 * in the simulator, in a sweep (one cell process each) and on a local cluster (one worker process
 * per node), and all three write byte-identical metrics. The resolved config records each plug-in's
 * path, SHA-256 and names; the config schema and docs carry the plug-ins' keys.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { loadConfig } from '../../node/config/load.ts';
import { renderConfigDocs } from '../../node/config/render-docs.ts';
import { currentRunConfigSchema } from '../../node/config/plugin-schema.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';
import { sweepCommand } from '../../node/sweep/command.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples/plugins');
const TOPK = join(EXAMPLES, 'topk-sr-cdproxsgt-ring4.yaml');
const HEAVY = join(EXAMPLES, 'heavy-ball-ring4.yaml');
const out = mkdtempSync(join(tmpdir(), 'proxmesh-plugins-run-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const metrics = (dir: string) => readFileSync(join(dir, 'metrics.ndjson'), 'utf8');
const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

describe('example plug-ins: sim ≡ sweep ≡ local cluster', () => {
  const sims: Record<string, string> = {};

  it('the simulator runs both; config.json records path, SHA-256 and what each file provides', async () => {
    for (const [name, file] of [
      ['topk', TOPK],
      ['heavy', HEAVY],
    ] as const) {
      const config = loadConfig(file);
      const r = await runSimulation(config, { outDir: join(out, `sim-${name}`) });
      sims[name] = metrics(r.dir!);
      expect(r.rows).toHaveLength(5);
      // The runs learn: the objective falls from log 2 at x⁰ = 0.
      expect(r.rows.at(-1)!.objective).toBeLessThan(0.75 * r.rows[0].objective);
    }
    const recorded = JSON.parse(readFileSync(join(out, 'sim-topk', 'config.json'), 'utf8'));
    expect(recorded.plugins).toEqual([
      { path: join(EXAMPLES, 'topk-sr.js'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), provides: ['compressor:topk-sr'] },
    ]);
    expect(JSON.parse(readFileSync(join(out, 'sim-topk', 'summary.json'), 'utf8')).compressorX).toBe('topk-sr(ratio=0.3,scope=layer)');
    const heavy = JSON.parse(readFileSync(join(out, 'sim-heavy', 'config.json'), 'utf8'));
    expect(heavy.algorithm).toEqual({ name: 'heavy-ball-dpsgd', eta: 0.05, momentum: 0.5, clipNorm: null });
    // The run folder's config.json loads back (its resolved plug-in entries are checked) to the same config.
    expect(loadConfig(join(out, 'sim-heavy', 'config.json'))).toEqual(heavy);
  }, 180_000);

  it('a sweep runs them in cell processes, bit for bit the simulator', async () => {
    const dir = join(out, 'study');
    const r = await sweepCommand({ config: join(EXAMPLES, 'plugins-study.yaml'), out: dir, stderr: sink(), cellTimeoutMs: 120_000 });
    expect(r.stdout).toMatch(/2\/2 cells done \(0 skipped, 2 run, 0 failed\)/);
    const cells = readdirSync(join(dir, 'cells'));
    expect(metrics(join(dir, 'cells', cells.find((c) => c.startsWith('algorithm=cdproxsgt'))!))).toBe(sims.topk);
    expect(metrics(join(dir, 'cells', cells.find((c) => c.startsWith('algorithm=heavy-ball-dpsgd'))!))).toBe(sims.heavy);
  }, 240_000);

  it('a local cluster (a worker process per node) runs them, bit for bit the simulator', async () => {
    for (const [name, file] of [
      ['topk', TOPK],
      ['heavy', HEAVY],
    ] as const) {
      const r = await runLocalCluster(loadConfig(file), {
        outDir: join(out, `cluster-${name}`),
        workerEnv: { PROXMESH_METRICS_LISTEN: 'off' },
      });
      expect(r.run.state).toBe('done');
      expect(metrics(r.dir)).toBe(sims[name]);
    }
  }, 240_000);

  it('heavy-ball with momentum 0 is the built-in dpsgd, bit for bit (the plug-in runs the same operations)', async () => {
    const base = {
      seed: 5,
      iterations: 20,
      evalEvery: 10,
      batchSize: 16,
      problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-3 } },
      partition: { kind: 'iid' },
      topology: { kind: 'ring', nodes: 4 },
    };
    const plugin = await runSimulation(
      loadConfig({
        ...base,
        plugins: [join(EXAMPLES, 'heavy-ball-dpsgd.js')],
        algorithm: { name: 'heavy-ball-dpsgd', eta: 0.05, momentum: 0 },
      }),
      { outDir: null },
    );
    const builtin = await runSimulation(loadConfig({ ...base, algorithm: { name: 'dpsgd', eta: 0.05 } }), { outDir: null });
    expect(JSON.stringify(plugin.rows)).toBe(JSON.stringify(builtin.rows));
  }, 180_000);

  it("the schema and docs/config.md carry the plug-ins' keys; an unknown plug-in key is refused", () => {
    const raw = {
      plugins: [join(EXAMPLES, 'heavy-ball-dpsgd.js')],
      algorithm: { name: 'heavy-ball-dpsgd', eta: 0.1, momentom: 0.2 },
      problem: { dataset: { name: 'breast-cancer' } },
      topology: { kind: 'ring', nodes: 4 },
    };
    expect(() => loadConfig(raw)).toThrow(
      expect.objectContaining({
        code: 'PROXMESH_ERR_CONFIG',
        message: expect.stringMatching(/unknown key 'momentom', did you mean 'momentum'/),
      }),
    );
    // The plug-in's default fills in: μ = 0.9.
    const { algorithm } = loadConfig({ ...raw, algorithm: { name: 'heavy-ball-dpsgd', eta: 0.1 } });
    expect(algorithm).toMatchObject({ momentum: 0.9 });
    loadConfig(TOPK);
    const docs = renderConfigDocs(currentRunConfigSchema());
    expect(docs).toMatch(/`algorithm\.momentum` \| name = heavy-ball-dpsgd/);
    expect(docs).toMatch(/`compression\.x\.ratio` \| kind = topk-sr/);
  });
});
