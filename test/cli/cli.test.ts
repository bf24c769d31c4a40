import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../node/cli/main.ts';
import { RUN_FILES } from '../../node/results/run-folder.ts';
import { sourceEntry } from '../cluster/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = sourceEntry('node/cli/bin.ts');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function sink(isTTY = false): Writable & { text: string; isTTY: boolean } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean };
  w.text = '';
  w.isTTY = isTTY;
  return w;
}

async function inProcess(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('proxmesh CLI (child process)', () => {
  it('sim on an example exits 0 and writes every file; a bad config exits 2 with its code', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-cli-'));
    const out = join(tmp, 'run');
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'algorithm: { name: dproxsgt, eta: -1 }\ntopology: { kind: ring, nodes: 4 }\nproblem: {}\n');
    const [ok, ko] = await Promise.all([
      run(['sim', '--config', 'examples/breast-cancer-beer-complete4.yaml', '--out', out, '--quiet']),
      run(['sim', '--config', bad]),
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`results written to ${out}\n`);
    for (const f of RUN_FILES) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'metrics.ndjson'), 'utf8').trim().split('\n')).toHaveLength(11);

    expect(ko.code).toBe(2);
    // A config file's values are not echoed (issue 16: errors name, never quote a user's file).
    expect(ko.stderr).toBe('error PROXMESH_ERR_CONFIG: config /algorithm/eta: must be > 0\n');
  });
});

describe('proxmesh CLI (in process)', () => {
  it('sim --json prints one row object per evaluation, then the summary', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-cli-'));
    const cfg = join(tmp, 'c.yaml');
    writeFileSync(
      cfg,
      'iterations: 4\nevalEvery: 2\nbatchSize: 8\nalgorithm: { name: dpsgd, eta: 0.01 }\nproblem: { dataset: { name: breast-cancer }, regularizer: { kind: none } }\npartition: { kind: iid }\ntopology: { kind: path, nodes: 3 }\n',
    );
    const r = await inProcess(['sim', '--config', cfg, '--out', join(tmp, 'out'), '--json']);
    expect(r.code).toBe(0);
    const objs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.map((o) => o.type)).toEqual(['row', 'row', 'row', 'summary']);
    expect(objs.slice(0, 3).map((o) => o.iter)).toEqual([0, 2, 4]);
    expect(objs[3]).toMatchObject({ dir: join(tmp, 'out'), algorithm: 'dpsgd', nodes: 3 });
  });

  it('non-TTY progress prints one plain line per evaluation', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-cli-'));
    const cfg = join(tmp, 'c.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        iterations: 2,
        evalEvery: 1,
        algorithm: { name: 'dproxsgt', eta: 0.01 },
        problem: { dataset: { name: 'breast-cancer' }, regularizer: { kind: 'none' } },
        topology: { kind: 'complete', nodes: 2 },
      }),
    );
    const r = await inProcess(['sim', '--config', cfg, '--out', join(tmp, 'o')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^iter 0\/2 .*objective 0\.693147/);
    expect(lines[3]).toBe(`results written to ${join(tmp, 'o')}`);
  });

  it('YAML syntax error → exit 2, PROXMESH_ERR_CONFIG_PARSE', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'proxmesh-cli-'));
    const cfg = join(tmp, 'c.yaml');
    writeFileSync(cfg, 'algorithm: {name: dproxsgt\n');
    const r = await inProcess(['sim', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error PROXMESH_ERR_CONFIG_PARSE: .*line \d+, column \d+/);
  });

  it('usage errors → exit 2, PROXMESH_ERR_USAGE', async () => {
    for (const args of [
      ['sim'],
      ['frobnicate'],
      ['sim', '--config', 'x.yaml', '--bogus'],
      ['sim', '--config', 'x.yaml', '--threads', '0'],
      ['topology', 'ring', '--nodes', 'eight'],
    ]) {
      const r = await inProcess(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error PROXMESH_ERR_USAGE: /);
    }
  });

  it('--help exits 0', async () => {
    const r = await inProcess(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sim');
  });

  it('topology prints a report, JSON with --json, and fails with exit 2 on a bad graph', async () => {
    const text = await inProcess(['topology', 'ring', '--nodes', '8']);
    expect(text.code).toBe(0);
    expect(text.stdout.length).toBeGreaterThan(0);
    const json = await inProcess(['topology', 'torus', '--nodes', '16', '--rows', '4', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ n: 16 });
    const bad = await inProcess(['topology', 'hypercube', '--nodes', '6']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error PROXMESH_ERR_TOPOLOGY: /);
  });

  it('config-docs prints docs/config.md', async () => {
    const r = await inProcess(['config-docs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'docs', 'config.md'), 'utf8'));
  });
});
