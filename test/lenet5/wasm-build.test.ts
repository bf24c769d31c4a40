/**
 * The committed WASM module is the assembly of the committed WAT: re-assembling kernels.wat with
 * wabt gives exactly the bytes (and the generated source) in kernels-wasm.generated.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, GENERATED_PATH, generatedSource, WAT_PATH } from '../../node/linalg/wasm/build-wasm.ts';
import { kernelsWasmBytes } from '../../node/linalg/wasm/f32-wasm.ts';

describe('kernels.wat → kernels-wasm.generated.ts', () => {
  it('re-assembling the WAT reproduces the committed bytes and module source (else run npm run wasm:build)', async () => {
    const bytes = await assemble(readFileSync(WAT_PATH, 'utf8'));
    expect(Buffer.from(kernelsWasmBytes()).equals(Buffer.from(bytes))).toBe(true);
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generatedSource(bytes));
  });

  it('assembly is deterministic and a changed WAT changes the bytes', async () => {
    const wat = readFileSync(WAT_PATH, 'utf8');
    const a = await assemble(wat),
      b = await assemble(wat);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const changed = await assemble(wat.replace('(memory (export "memory") 1)', '(memory (export "memory") 2)'));
    expect(Buffer.from(changed).equals(Buffer.from(a))).toBe(false);
  });
});
