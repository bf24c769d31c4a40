/**
 * Prometheus for real: the Debian `prometheus` binary scrapes the coordinator of a local cluster on
 * loopback every second; after the run its query API returns the final objective, bits sent and the
 * per-node bytes — equal to the last row of metrics.ndjson. CI installs prometheus (apt); without it
 * this test fails when CI is set, and is skipped only on a developer machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalCluster } from '../../node/run/local-cluster.ts';
import { pollUntil, smallConfig, tempDirs } from './helpers.ts';
import { commandWorks, skipUnlessCi } from '../support/system.ts';

const installed = commandWorks('prometheus', ['--version']);
const dirs = tempDirs();
let prom: ChildProcess | null = null;
afterAll(async () => {
  if (prom && prom.exitCode === null && prom.signalCode === null) {
    const gone = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    const t = setTimeout(() => prom!.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
  dirs.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('Prometheus scrapes the coordinator', () => {
  it.skipIf(skipUnlessCi(installed))(
    'its query API returns the final objective, bits sent and per-node bytes of the results file',
    async () => {
      if (!installed)
        expect.fail('the `prometheus` binary is not on PATH: CI must `apt-get install -y prometheus` (test/cluster/prometheus.test.ts)');
      const dir = dirs.make();
      const promPort = await freePort();
      const api = `http://127.0.0.1:${promPort}/api/v1/query`;
      let promErr = '';
      const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
        const res = await fetch(`${api}?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(3000) });
        const body = (await res.json()) as {
          status: string;
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.status === 'success' ? body.data.result : [];
      };
      const config = smallConfig({ iterations: 30, evalEvery: 10 });
      const result = await runLocalCluster(config, {
        outDir: join(dir, 'run'),
        signal: AbortSignal.timeout(50_000),
        onListening: ({ url }) => {
          const target = url.replace(/^http:\/\//, '');
          const cfg = join(dir, 'prometheus.yml');
          writeFileSync(
            cfg,
            [
              'global:',
              '  scrape_interval: 1s',
              '  scrape_timeout: 900ms',
              'scrape_configs:',
              '  - job_name: proxmesh',
              '    static_configs:',
              `      - targets: ['${target}']`,
              '',
            ].join('\n'),
          );
          prom = spawn(
            'prometheus',
            [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
            { stdio: ['ignore', 'ignore', 'pipe'] },
          );
          prom.stderr!.setEncoding('utf8').on('data', (d: string) => {
            promErr = (promErr + d).slice(-4000);
          });
        },
        // Keep the coordinator up until Prometheus has scraped the final values.
        beforeTeardown: async (res) => {
          const last = res.rows[res.rows.length - 1];
          await pollUntil(
            async () => {
              try {
                const v = await query(`proxmesh_iteration{run="${res.run.id}"}`);
                return v.length === 1 && Number(v[0].value[1]) === last.iter ? true : undefined;
              } catch {
                return undefined; // not listening yet
              }
            },
            AbortSignal.timeout(30_000),
            250,
          ).catch((err) => {
            throw new Error(`Prometheus never scraped iteration ${last.iter}: ${(err as Error).message}\nits stderr:\n${promErr}`);
          });
        },
      });
      const last = result.rows[result.rows.length - 1];
      expect(last.iter).toBe(30);
      const run = `run="${result.run.id}"`;
      const objective = await query(`proxmesh_objective{${run}}`);
      expect(objective).toHaveLength(1);
      expect(Number(objective[0].value[1])).toBe(last.objective);
      expect(objective[0].metric).toMatchObject({ job: 'proxmesh', run: result.run.id });
      expect(Number((await query(`proxmesh_bits_sent{${run}}`))[0].value[1])).toBe(last.bitsSent);
      const perNode = await query(`proxmesh_bytes_sent_total{${run}}`);
      expect(perNode.map((s) => s.metric.node).sort()).toEqual(['0', '1', '2', '3']);
      expect(perNode.reduce((a, s) => a + Number(s.value[1]), 0)).toBe(last.bytesSent);
      expect(Number((await query(`sum(proxmesh_bytes_sent_total{${run}})`))[0].value[1])).toBe(last.bytesSent);
    },
    90_000,
  );
});
