/**
 * `npm run lint` (biome ci, run by .ci/run before the tests) can fail. Each case copies the
 * repository's biome.jsonc and package.json into an empty folder, writes one source file under
 * node/ (a path the config includes), and runs the real `npm run lint` there: a clean file passes,
 * and an error-level rule, a warning-level rule and a formatting difference each fail it, with the
 * rule or the format check named in the output. The generated-file exclusion is checked the same way.
 * ("Checked 2 files": the source and biome.jsonc itself, which biome format-checks too.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `npm run lint` in a fresh folder holding the project's lint config and `files` (path → text). */
function lint(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'proxmesh-lint-'));
  dirs.push(dir);
  copyFileSync(join(root, 'biome.jsonc'), join(dir, 'biome.jsonc'));
  copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const r = spawnSync('npm', ['run', '-s', 'lint', '--', '--colors=off'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const CLEAN = 'export function half(x: number): number {\n  return x / 2;\n}\n';

describe('npm run lint (biome ci)', () => {
  it('passes a clean, formatted file', () => {
    const r = lint({ 'node/clean.ts': CLEAN });
    expect(r.output).toMatch(/Checked 2 files/);
    expect(r.status).toBe(0);
  });

  it('fails on an error-level rule (noDoubleEquals) and names it', () => {
    const r = lint({ 'node/bad.ts': 'export function same(a: number, b: string): boolean {\n  // @ts-ignore\n  return a == b;\n}\n' });
    expect(r.output).toContain('lint/suspicious/noDoubleEquals');
    expect(r.status).not.toBe(0);
  });

  it('fails on a warning-level rule too (noExplicitAny; --error-on-warnings)', () => {
    const r = lint({ 'node/any.ts': 'export function id(x: any): number {\n  return x;\n}\n' });
    expect(r.output).toContain('lint/suspicious/noExplicitAny');
    expect(r.status).not.toBe(0);
  });

  it('fails on a formatting difference alone', () => {
    const r = lint({ 'node/unformatted.ts': 'export function half(x:number):number{return x/2}\n' });
    expect(r.output).toMatch(/format/i);
    expect(r.output).not.toContain('lint/');
    expect(r.status).not.toBe(0);
  });

  it('skips the generated WASM module (rewritten by npm run wasm:build)', () => {
    const r = lint({ 'node/clean.ts': CLEAN, 'node/linalg/wasm/kernels-wasm.generated.ts': 'export const X:any=1\n' });
    expect(r.output).toMatch(/Checked 2 files/);
    expect(r.status).toBe(0);
  });
});
